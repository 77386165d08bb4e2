/// HTTP dates (RFC 9110 §5.6.7) <-> Unix seconds, for `Expires`, `Last-Modified` and the `expires`
/// directive. Accepts the three formats nginx's `ngx_parse_http_time` accepts:
///
///     HTTPDate.parse(Array("Sun, 06 Nov 1994 08:49:37 GMT".utf8))   // 784111777
///     HTTPDate.parse(Array("Sunday, 06-Nov-94 08:49:37 GMT".utf8))  // RFC 850
///     HTTPDate.parse(Array("Sun Nov  6 08:49:37 1994".utf8))        // asctime
///     HTTPDate.format(784111777)  // "Sun, 06 Nov 1994 08:49:37 GMT"
public enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        .map { Array($0.utf8) }
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let dayNames = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday

    public static func parse(_ value: [UInt8]) -> Int64? {
        var s = Scanner(bytes: value)
        s.skipSpaces()
        // Day name: letters, then "," (RFC 1123/850) or " " (asctime).
        guard s.skipLetters() > 0 else { return nil }
        if s.take(UInt8(ascii: ",")) {
            s.skipSpaces()
            guard let day = s.number(maxDigits: 2) else { return nil }
            if s.take(UInt8(ascii: "-")) {  // RFC 850: 06-Nov-94
                guard let month = s.month(), s.take(UInt8(ascii: "-")), var year = s.number(maxDigits: 4) else { return nil }
                if year < 100 { year += year < 70 ? 2000 : 1900 }
                return s.timeAndZone(year: year, month: month, day: day)
            }
            s.skipSpaces()
            guard let month = s.month() else { return nil }
            s.skipSpaces()
            guard let year = s.number(maxDigits: 4) else { return nil }
            return s.timeAndZone(year: year, month: month, day: day)
        }
        s.skipSpaces()  // asctime: Sun Nov  6 08:49:37 1994
        guard let month = s.month() else { return nil }
        s.skipSpaces()
        guard let day = s.number(maxDigits: 2) else { return nil }
        s.skipSpaces()
        guard let (h, m, sec) = s.clock() else { return nil }
        s.skipSpaces()
        guard let year = s.number(maxDigits: 4) else { return nil }
        return epoch(year: year, month: month, day: day, hour: h, minute: m, second: sec)
    }

    public static func format(_ time: Int64) -> String {
        let days = floorDiv(time, 86_400)
        let secs = time - days * 86_400
        let (y, m, d) = civil(fromDays: days)
        let wd = Int(((days % 7) + 7) % 7)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(dayNames[wd]), \(two(d)) \(monthNames[Int(m) - 1]) \(y) "
            + "\(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60)) GMT"
    }

    static func epoch(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64? {
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61, year >= 1970
        else { return nil }
        return days(year: Int64(year), month: Int64(month), day: Int64(day)) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
    }

    // Howard Hinnant's days-from-civil / civil-from-days (proleptic Gregorian).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    private struct Scanner {
        let bytes: [UInt8]
        var i = 0
        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func skipSpaces() { while i < bytes.count, bytes[i] == UInt8(ascii: " ") { i += 1 } }
        mutating func take(_ b: UInt8) -> Bool {
            guard i < bytes.count, bytes[i] == b else { return false }
            i += 1
            return true
        }
        mutating func skipLetters() -> Int {
            let start = i
            while i < bytes.count, (bytes[i] | 0x20) >= UInt8(ascii: "a"), (bytes[i] | 0x20) <= UInt8(ascii: "z") { i += 1 }
            return i - start
        }
        mutating func number(maxDigits: Int) -> Int? {
            var n = 0
            var count = 0
            while i < bytes.count, count < maxDigits, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
                n = n * 10 + Int(bytes[i] - UInt8(ascii: "0"))
                i += 1
                count += 1
            }
            return count > 0 ? n : nil
        }
        mutating func month() -> Int? {
            guard i + 3 <= bytes.count else { return nil }
            let name = bytes[i..<i + 3].map { $0 | 0x20 }
            guard let idx = HTTPDate.months.firstIndex(of: name) else { return nil }
            i += 3
            return idx + 1
        }
        mutating func clock() -> (Int, Int, Int)? {
            guard let h = number(maxDigits: 2), take(UInt8(ascii: ":")), let m = number(maxDigits: 2),
                take(UInt8(ascii: ":")), let s = number(maxDigits: 2)
            else { return nil }
            return (h, m, s)
        }
        mutating func timeAndZone(year: Int, month: Int, day: Int) -> Int64? {
            skipSpaces()
            guard let (h, m, s) = clock() else { return nil }
            skipSpaces()
            // "GMT" is required by the grammar; nginx does not check it, neither do we.
            return HTTPDate.epoch(year: year, month: month, day: day, hour: h, minute: m, second: s)
        }
    }
}
