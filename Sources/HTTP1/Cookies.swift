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
        forEach(in: header) { n, v in
            if found == nil && ASCII.equalsIgnoringCase(n, name) { found = v }
        }
        return found
    }

    /// Calls `body` with each `name=value` pair of one Cookie header value, in order. Pairs without `=` are skipped.
    public static func forEach(
        in header: ArraySlice<UInt8>, _ body: (_ name: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) -> Void
    ) {
        var i = header.startIndex
        let end = header.endIndex
        while i < end {
            let pairEnd = header[i...].firstIndex(of: ASCII.semicolon) ?? end
            let pair = trimSpaces(header[i..<pairEnd])
            if let eq = pair.firstIndex(of: ASCII.equals) {
                body(trimSpaces(pair[..<eq]), trimSpaces(pair[(eq + 1)...]))
            }
            i = pairEnd < end ? pairEnd + 1 : end
        }
    }

    @inline(__always)
    static func trimSpaces(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var lo = s.startIndex
        var hi = s.endIndex
        while lo < hi && ASCII.isOWS(s[lo]) { lo += 1 }
        while hi > lo && ASCII.isOWS(s[hi - 1]) { hi -= 1 }
        return s[lo..<hi]
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

    /// Calls `body` with every cookie of every Cookie header, in order.
    public func forEachCookie(_ body: (_ name: ArraySlice<UInt8>, _ value: ArraySlice<UInt8>) -> Void) {
        for field in headers where ASCII.equalsLowercased(bytes(field.name), "cookie") {
            Cookies.forEach(in: bytes(field.value), body)
        }
    }
}
