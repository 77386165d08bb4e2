import ASCIIBytes
/// `method SP request-target SP HTTP-version` (RFC 9112 §3), parsed strictly: single spaces, nginx's method
/// alphabet (`A-Z`, `_`, `-`), and a target form that fits the method. Offsets are absolute in the buffer.
struct RequestLine {
    var method: HTTPMethod
    var methodEnd: Int
    var targetStart: Int
    var targetEnd: Int
    var form: RequestTargetForm
    var pathStart: Int
    var pathEnd: Int
    var queryStart: Int?  // after "?"
    var queryEnd: Int     // before a "#fragment", else targetEnd
    var version: HTTPVersion
    /// The authority of an absolute-form or authority-form target.
    var authority: (start: Int, end: Int)?

    static func parse(_ buffer: ByteView, start: Int, end: Int) throws(HTTPParseError) -> RequestLine {
        var i = start
        while i < end {
            let b = buffer[i]
            if b == ASCII.sp { break }
            guard b &- 65 < 26 || b == 95 || b == 45 else { throw .invalidMethod }
            i += 1
        }
        guard i > start, i < end else { throw i == start ? .invalidMethod : .invalidRequest }
        let methodEnd = i
        let method = HTTPMethod(buffer, start, methodEnd)
        i += 1
        let targetStart = i
        while i < end {
            let b = buffer[i]
            if b == ASCII.sp { break }
            // Visible ASCII and obs-text (nginx passes UTF-8 paths through); no controls, no DEL.
            guard b > 0x20 && b != 0x7f else { throw .invalidRequest }
            i += 1
        }
        // No target, no version (HTTP/0.9 is not served), or a second space.
        guard i > targetStart, i < end else { throw .invalidRequest }
        let targetEnd = i
        i += 1
        guard end - i == 8, let version = HeaderLine.version(buffer, at: i) else { throw .invalidRequest }
        guard version.major == 1 else { throw .unsupportedVersion }

        var line = RequestLine(
            method: method, methodEnd: methodEnd, targetStart: targetStart, targetEnd: targetEnd, form: .origin,
            pathStart: targetStart, pathEnd: targetEnd, queryStart: nil, queryEnd: targetEnd, version: version,
            authority: nil)
        try line.classifyTarget(buffer)
        return line
    }

    private mutating func classifyTarget(_ buffer: ByteView) throws(HTTPParseError) {
        let first = buffer[targetStart]
        if method == .connect {
            // CONNECT takes only host:port.
            guard first != ASCII.slash, isValidAuthority(buffer, targetStart, targetEnd) else { throw .invalidRequest }
            form = .authority
            authority = (targetStart, targetEnd)
            pathStart = targetEnd
            pathEnd = targetEnd
            return
        }
        if first == ASCII.slash {
            splitPathAndQuery(buffer, from: targetStart)
            return
        }
        if first == 42 && targetEnd - targetStart == 1 {  // *
            guard method == .options else { throw .invalidRequest }
            form = .asterisk
            return
        }
        // absolute-form: scheme "://" authority [path-abempty] ["?" query]
        var i = targetStart
        guard first | 0x20 &- 97 < 26 else { throw .invalidRequest }
        while i < targetEnd {
            let b = buffer[i]
            guard b | 0x20 &- 97 < 26 || ASCII.isDigit(b) || b == 43 || b == 45 || b == ASCII.dot else { break }
            i += 1
        }
        guard targetEnd - i >= 3, buffer[i] == ASCII.colon, buffer[i + 1] == ASCII.slash, buffer[i + 2] == ASCII.slash
        else { throw .invalidRequest }
        let authorityStart = i + 3
        i = authorityStart
        while i < targetEnd && buffer[i] != ASCII.slash && buffer[i] != ASCII.question && buffer[i] != Self.hash { i += 1 }
        guard isValidAuthority(buffer, authorityStart, i) else { throw .invalidRequest }
        form = .absolute
        authority = (authorityStart, i)
        splitPathAndQuery(buffer, from: i)
    }

    /// The path ends at `?` or `#`, the query at `#`: a fragment a client sent is not part of `$uri` or `$args`
    /// (nginx's parser stops there too).
    private mutating func splitPathAndQuery(_ buffer: ByteView, from: Int) {
        pathStart = from
        var i = from
        while i < targetEnd && buffer[i] != ASCII.question && buffer[i] != Self.hash { i += 1 }
        pathEnd = i
        guard i < targetEnd, buffer[i] == ASCII.question else { queryStart = nil; queryEnd = i; return }
        queryStart = i + 1
        i += 1
        while i < targetEnd && buffer[i] != Self.hash { i += 1 }
        queryEnd = i
    }

    private static let hash = UInt8(ascii: "#")

    /// host[:port] as nginx's request-line parser takes it: a name of letters, digits, `.` and `-`, or an IP
    /// literal in brackets, then an optional port of digits. Anything else (userinfo's `@`, `_`, `%`, NUL,
    /// obs-text) is a 400: this host picks the virtual server, so it must be one nginx would also accept.
    private func isValidAuthority(_ buffer: ByteView, _ start: Int, _ end: Int) -> Bool {
        var i = start
        if i < end && buffer[i] == 91 {  // [
            i += 1
            while i < end && buffer[i] != 93 {
                guard Self.isIPLiteralByte(buffer[i]) else { return false }
                i += 1
            }
            guard i < end else { return false }
            i += 1
        } else {
            i = buffer.scan(from: i, to: end, while: ASCII.isHostNameByte)
        }
        if i < end {
            guard buffer[i] == ASCII.colon,
                buffer.scan(from: i + 1, to: end, while: ASCII.isDigit) == end else { return false }
        }
        return HostName.isValid(buffer.slice(start, end))
    }

    /// Inside `[...]`: unreserved and sub-delims and `:` (nginx's sw_host_ip_literal).
    private static func isIPLiteralByte(_ b: UInt8) -> Bool {
        if ASCII.isNginxNameByte(b) { return true }
        switch b {
        case 58, 46, 95, 126, 33, 36, 38, 39, 40, 41, 42, 43, 44, 59, 61: return true  // : . _ ~ ! $ & ' ( ) * + , ; =
        default: return false
        }
    }
}
