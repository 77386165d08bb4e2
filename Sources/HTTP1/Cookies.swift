import ASCIIBytes
/// Cookie lookups with nginx's `$cookie_NAME` semantics: pairs separated by `;`, the name matched ASCII
/// case-insensitively at the start of a pair, spaces allowed around `=`, the value running to the next `;`.
/// Spaces around the value are trimmed (nginx keeps trailing ones; nothing sane sends them).
/// ```
/// Cookies.value(named: Array("JSESSIONID".utf8), in: head.firstHeader("cookie")!)   // "8F3A.tomcat1"
/// head.cookie(named: Array("JSESSIONID".utf8))                                    // across all Cookie headers
/// ```
public enum Cookies {
    /// The value of the first cookie called `name` in one Cookie header value, or nil.
    public static func value<N: Collection<UInt8>>(named name: N, in header: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        var found: ArraySlice<UInt8>?
        scan(header) { n, v in
            guard ASCII.equalsIgnoringCase(n, name) else { return false }
            found = v
            return true
        }
        return found
    }

    /// `value(named:in:)` over a range of `b`: the value's range, spaces trimmed. One pass: at each pair's
    /// start the name is compared in place, and a pair that does not match is skipped to its `;` (sticky
    /// routing asks this on every request, and a cookie header usually holds several pairs).
    public static func valueRange(named name: [UInt8], in b: [UInt8], _ header: ByteRange) -> ByteRange? {
        b.withByteView { v in name.withByteView { valueRange(named: $0, in: v, header.start, header.end) } }
    }

    /// Over views: a pair that does not match is skipped to its `;` eight bytes a step (a browser's Cookie header
    /// holds dozens of pairs), and the value's end found the same way.
    private static func valueRange(named name: ByteView, in b: ByteView, _ start: Int, _ end: Int) -> ByteRange? {
        let n = name.count
        var i = start
        while i < end {
            i = b.scan(from: i, to: end, while: ASCII.isOWS)
            var j = i
            let nameEnd = i + n
            if nameEnd <= end {
                if b.matches(name, at: i) { j = nameEnd }   // the exact case, word by word
                while j < nameEnd {
                    let c = b[j], m = name[j &- i]
                    if c != m && ASCII.lower(c) != ASCII.lower(m) { break }   // the exact case is the usual one
                    j += 1
                }
                if j == nameEnd {
                    j = b.scan(from: j, to: end, while: ASCII.isOWS)
                    if j < end && b[j] == ASCII.equals {
                        let vs = b.scan(from: j + 1, to: end, while: ASCII.isOWS)
                        var ve = b.firstIndex(of: ASCII.semicolon, from: vs, to: end)
                        while ve > vs && ASCII.isOWS(b[ve - 1]) { ve -= 1 }
                        return ByteRange(start: vs, end: ve)
                    }
                }
            }
            i = b.firstIndex(of: ASCII.semicolon, from: j, to: end) + 1
        }
        return nil
    }

    /// Calls `body` with each `name=value` pair of one Cookie header value, in order. Pairs without `=` are skipped.
    public static func forEach(
        in header: ArraySlice<UInt8>, _ body: (_ name: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) -> Void
    ) {
        scan(header) { n, v in body(n, v); return false }
    }

    /// The pairs in order until `body` returns true (a lookup stops at its first match).
    @inline(__always)
    static func scan(_ header: ArraySlice<UInt8>, _ body: (_ name: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) -> Bool) {
        var i = header.startIndex
        let end = header.endIndex
        while i < end {
            let pairEnd = header[i...].firstIndex(of: ASCII.semicolon) ?? end
            let pair = ASCII.trim(header[i..<pairEnd])
            if let eq = pair.firstIndex(of: ASCII.equals), body(ASCII.trim(pair[..<eq]), ASCII.trim(pair[(eq + 1)...])) {
                return
            }
            i = pairEnd < end ? pairEnd + 1 : end
        }
    }
}

extension RequestHead {
    /// The first cookie called `name` across all Cookie headers, in order (nginx's `$cookie_NAME`).
    public func cookie<N: Collection<UInt8>>(named name: N) -> ArraySlice<UInt8>? {
        for field in headers where ASCII.equalsLowercased(bytes(field.name), "cookie") {
            if let v = Cookies.value(named: name, in: bytes(field.value)) { return v }
        }
        return nil
    }

    /// Where the first cookie called `name` (case-insensitive) sits in `bytes`, across all Cookie headers: the
    /// same answer as `cookie(named:)`, found over indices (no slices, no closures) because sticky routing asks
    /// it on every request.
    public func cookieRange(named name: [UInt8]) -> ByteRange? {
        let b = bytes
        for f in headers where f.name.end - f.name.start == 6 && Self.isCookie(b, f.name.start) {
            if let r = Cookies.valueRange(named: name, in: b, f.value) { return r }
        }
        return nil
    }

    private static func isCookie(_ b: [UInt8], _ i: Int) -> Bool {
        b[i] | 0x20 == 99 && b[i + 1] | 0x20 == 111 && b[i + 2] | 0x20 == 111 && b[i + 3] | 0x20 == 107
            && b[i + 4] | 0x20 == 105 && b[i + 5] | 0x20 == 101   // "cookie"
    }

    /// Calls `body` with every cookie of every Cookie header, in order.
    public func forEachCookie(_ body: (_ name: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) -> Void) {
        for field in headers where ASCII.equalsLowercased(bytes(field.name), "cookie") {
            Cookies.forEach(in: bytes(field.value), body)
        }
    }
}
