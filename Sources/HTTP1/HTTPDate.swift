import ASCIIBytes
/// Date formats of HTTP and of nginx's logs, written into bytes and parsed without Foundation.
/// ```
/// HTTPDate.appendIMFFixdate(now, to: &out)          // Wed, 25 Nov 2026 09:00:00 GMT
/// HTTPDate.appendTimeLocal(now, to: &log)           // 25/Nov/2026:09:00:00 +0000
/// HTTPDate.parse(resp.firstHeader("expires")!)                 // Unix seconds or nil
/// HTTPDate.parseAsNginx(head.firstHeader("if-modified-since")!) // as nginx reads a client's date
/// ```
public enum HTTPDate {
    /// `Wed, 25 Nov 2026 09:00:00 GMT` (RFC 9110 §5.6.7), always 29 bytes.
    public static func appendIMFFixdate(_ unixTime: Int64, to out: inout [UInt8]) {
        let c = CivilTime(unixTime: unixTime)
        appendName(CivilTime.weekdayNames, c.weekday, to: &out)
        out.append(ASCII.comma)
        out.append(ASCII.sp)
        append2(c.day, to: &out)
        out.append(ASCII.sp)
        appendName(CivilTime.monthNames, c.month - 1, to: &out)
        out.append(ASCII.sp)
        append4(c.year, to: &out)
        out.append(ASCII.sp)
        appendClock(c, to: &out)
        let gmt: StaticString = " GMT"
        out.append(contentsOf: gmt.buffer)
    }

    /// The IMF-fixdate as a new array (cache it per second on a hot path).
    public static func imfFixdate(_ unixTime: Int64) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(29)
        appendIMFFixdate(unixTime, to: &out)
        return out
    }

    /// nginx's `$time_local`: `25/Nov/2026:09:00:00 +0000`, shown at the given offset from UTC.
    public static func appendTimeLocal(_ unixTime: Int64, utcOffsetMinutes: Int = 0, to out: inout [UInt8]) {
        let c = CivilTime(unixTime: unixTime + Int64(utcOffsetMinutes) * 60)
        append2(c.day, to: &out)
        out.append(ASCII.slash)
        appendName(CivilTime.monthNames, c.month - 1, to: &out)
        out.append(ASCII.slash)
        append4(c.year, to: &out)
        out.append(ASCII.colon)
        appendClock(c, to: &out)
        out.append(ASCII.sp)
        appendOffset(utcOffsetMinutes, colon: false, to: &out)
    }

    /// nginx's `$time_iso8601`: `2026-11-25T09:00:00+00:00`, shown at the given offset from UTC.
    public static func appendISO8601(_ unixTime: Int64, utcOffsetMinutes: Int = 0, to out: inout [UInt8]) {
        let c = CivilTime(unixTime: unixTime + Int64(utcOffsetMinutes) * 60)
        append4(c.year, to: &out)
        out.append(45)
        append2(c.month, to: &out)
        out.append(45)
        append2(c.day, to: &out)
        out.append(84)  // T
        appendClock(c, to: &out)
        appendOffset(utcOffsetMinutes, colon: true, to: &out)
    }

    /// Parses an HTTP date in any of the three forms RFC 9110 §5.6.7 requires recipients to accept:
    /// IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT` (two-digit years
    /// below 70 are 20xx, as nginx reads them) and asctime `Sun Nov  6 08:49:37 1994`.
    /// The weekday name is skipped, not checked, as nginx does. Returns Unix seconds, or nil. For the fields of
    /// responses (the cache's Date, Expires, Last-Modified); a client's dates go through `parseAsNginx`.
    public static func parse<C: Collection<UInt8>>(_ value: C) -> Int64? {
        var s = DateScanner(Array(value))
        while let b = s.peek, b | 0x20 &- 97 < 26 { s.i += 1 }
        var c = CivilTime(year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0)
        if s.take(ASCII.comma) {
            guard s.take(ASCII.sp), let day = s.digits(2) else { return nil }
            c.day = day
            if s.take(ASCII.sp) {
                // IMF-fixdate
                guard let m = s.month(), s.take(ASCII.sp), let y = s.digits(4), s.take(ASCII.sp) else { return nil }
                c.month = m
                c.year = y
            } else {
                // RFC 850
                guard s.take(45), let m = s.month(), s.take(45), let y = s.digits(2), s.take(ASCII.sp) else {
                    return nil
                }
                c.month = m
                c.year = y + (y < 70 ? 2000 : 1900)
            }
            guard s.clock(&c), s.take(ASCII.sp), s.take(71), s.take(77), s.take(84), s.atEnd else { return nil }
        } else {
            // asctime: "Nov  6 08:49:37 1994"
            guard s.take(ASCII.sp), let m = s.month(), s.take(ASCII.sp) else { return nil }
            c.month = m
            if s.take(ASCII.sp) {
                guard let d = s.digits(1) else { return nil }
                c.day = d
            } else {
                guard let d = s.digits(2) else { return nil }
                c.day = d
            }
            guard s.take(ASCII.sp), s.clock(&c), s.take(ASCII.sp), let y = s.digits(4), s.atEnd else { return nil }
            c.year = y
        }
        guard c.year >= 1970, c.day >= 1, c.day <= CivilTime.daysInMonth(c.month, year: c.year), c.hour < 24,
            c.minute < 60, c.second < 60
        else { return nil }
        return c.unixTime
    }

    /// nginx's `ngx_parse_http_time`, for the dates a client sends (If-Modified-Since, If-Unmodified-Since,
    /// If-Range, a PUT's Date): nginx answers conditions by this reading, so a proxy in its place must read alike.
    /// What ends the first word tells the form (`,`: IMF-fixdate or RFC 850, a space: asctime); the weekday is not
    /// checked and spaces after it are skipped; a month is known by the letters nginx looks at (`Dxx` is December);
    /// reading stops after the time (asctime: after the year), so `… GMT; length=10240` (old IE), `… UTC`,
    /// `… +0000` or no zone at all are the same date. Refused as nginx refuses them: a one-digit day in the comma
    /// forms, a lowercase month, an hour, minute, second or day past its range (a day `00` is not refused: it is the
    /// last day of the month before). Unix seconds (before 1970 negative), or nil.
    public static func parseAsNginx(_ v: ArraySlice<UInt8>) -> Int64? {
        let base = v.startIndex, len = v.count
        func at(_ k: Int) -> UInt8 { k < len ? v[base + k] : 0 }   // nginx reads a NUL-terminated value
        func digits(_ k: Int, _ n: Int) -> Int? {
            var x = 0
            for i in k..<(k + n) {
                let b = at(i)
                guard b >= 48 && b <= 57 else { return nil }
                x = x * 10 + Int(b - 48)
            }
            return x
        }
        let sp: UInt8 = 32, dash: UInt8 = 45
        var p = 0
        var asctime = false
        while p < len && v[base + p] != ASCII.comma {
            if v[base + p] == sp { asctime = true; break }
            p += 1
        }
        p += 1
        while p < len && v[base + p] == sp { p += 1 }
        guard len - p >= 18 else { return nil }
        var c = CivilTime(year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0)
        var imf = false
        if !asctime {
            guard let d = digits(p, 2) else { return nil }
            c.day = d
            p += 2
            if at(p) == sp {
                guard len - p >= 18 else { return nil }
                imf = true
            } else if at(p) != dash {
                return nil
            }
            p += 1
        }
        switch at(p) {
        case 74: c.month = at(p + 1) == 97 ? 1 : at(p + 2) == 110 ? 6 : 7   // J: "Ja" Jan, "?n" Jun, else Jul
        case 70: c.month = 2                                                // F
        case 77: c.month = at(p + 2) == 114 ? 3 : 5                          // M: "??r" Mar, else May
        case 65: c.month = at(p + 1) == 112 ? 4 : 8                          // A: "Ap" Apr, else Aug
        case 83: c.month = 9                                                // S
        case 79: c.month = 10                                               // O
        case 78: c.month = 11                                               // N
        case 68: c.month = 12                                               // D
        default: return nil
        }
        p += 3
        if asctime {
            p += 1   // the byte after an asctime month is not looked at
            if at(p) == sp { p += 1 }
            guard let d = digits(p, 1) else { return nil }
            c.day = d
            p += 1
            if at(p) != sp {
                guard let d2 = digits(p, 1) else { return nil }
                c.day = c.day * 10 + d2
                p += 1
            }
            guard len - p >= 14 else { return nil }
        } else {
            guard at(p) == (imf ? sp : dash), let y = digits(p + 1, imf ? 4 : 2) else { return nil }
            c.year = imf ? y : y + (y < 70 ? 2000 : 1900)
            p += imf ? 5 : 3
        }
        guard at(p) == sp, let h = digits(p + 1, 2), at(p + 3) == ASCII.colon, let m = digits(p + 4, 2),
              at(p + 6) == ASCII.colon, let s = digits(p + 7, 2) else { return nil }
        c.hour = h
        c.minute = m
        c.second = s
        if asctime {
            guard at(p + 9) == sp, let y = digits(p + 10, 4) else { return nil }
            c.year = y
        }
        guard c.hour < 24, c.minute < 60, c.second < 60, c.day <= CivilTime.daysInMonth(c.month, year: c.year) else {
            return nil
        }
        return c.unixTime
    }

    // MARK: - writing helpers

    @inline(__always)
    private static func appendName(_ table: StaticString, _ index: Int, to out: inout [UInt8]) {
        let p = table.utf8Start + index * 3
        out.append(p[0])
        out.append(p[1])
        out.append(p[2])
    }

    @inline(__always)
    private static func append2(_ n: Int, to out: inout [UInt8]) {
        out.append(UInt8(n / 10 % 10) &+ 48)
        out.append(UInt8(n % 10) &+ 48)
    }

    @inline(__always)
    private static func append4(_ n: Int, to out: inout [UInt8]) {
        append2(n / 100, to: &out)
        append2(n % 100, to: &out)
    }

    private static func appendClock(_ c: CivilTime, to out: inout [UInt8]) {
        append2(c.hour, to: &out)
        out.append(ASCII.colon)
        append2(c.minute, to: &out)
        out.append(ASCII.colon)
        append2(c.second, to: &out)
    }

    private static func appendOffset(_ minutes: Int, colon: Bool, to out: inout [UInt8]) {
        out.append(minutes < 0 ? 45 : 43)
        let m = abs(minutes)
        append2(m / 60, to: &out)
        if colon { out.append(ASCII.colon) }
        append2(m % 60, to: &out)
    }
}

/// A cursor over date bytes for `HTTPDate.parse`.
private struct DateScanner {
    let b: [UInt8]
    var i = 0

    init(_ b: [UInt8]) { self.b = b }

    var peek: UInt8? { i < b.count ? b[i] : nil }
    var atEnd: Bool { i == b.count }

    mutating func take(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        i += 1
        return true
    }

    mutating func digits(_ n: Int) -> Int? {
        guard i + n <= b.count else { return nil }
        var v = 0
        for k in i..<(i + n) {
            guard ASCII.isDigit(b[k]) else { return nil }
            v = v * 10 + Int(b[k] - 48)
        }
        i += n
        return v
    }

    /// A three-letter month name, case-sensitive as the grammar says; 1...12.
    mutating func month() -> Int? {
        guard i + 3 <= b.count else { return nil }
        let names = CivilTime.monthNames.utf8Start
        for m in 0..<12 where names[m * 3] == b[i] && names[m * 3 + 1] == b[i + 1] && names[m * 3 + 2] == b[i + 2] {
            i += 3
            return m + 1
        }
        return nil
    }

    mutating func clock(_ c: inout CivilTime) -> Bool {
        guard let h = digits(2), take(ASCII.colon), let m = digits(2), take(ASCII.colon), let s = digits(2) else {
            return false
        }
        c.hour = h
        c.minute = m
        c.second = s
        return true
    }
}
