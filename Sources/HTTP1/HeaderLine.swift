import ASCIIBytes
/// Syntax of one `field-name ":" OWS field-value OWS` line (RFC 9112 §5), stricter than nginx where
/// nginx would silently drop the line: a proxy must not forward what it did not understand.
enum HeaderLine {
    enum Parsed {
        case field(nameEnd: Int, valueStart: Int, valueEnd: Int)
        /// The line starts with SP/HTAB: obsolete line folding, refused (RFC 9112 §5.2).
        case obsoleteFold
        /// Bad name byte, whitespace before the colon, no colon, or a control byte in the value.
        case invalid
    }

    /// Parses `start..<end` of `buffer` (terminator already removed).
    @inline(__always)
    static func parse(_ buffer: ByteView, start: Int, end: Int) -> Parsed {
        guard start >= 0, start < end, end <= buffer.count else { return .invalid }
        if ASCII.isOWS(buffer[start]) { return .obsoleteFold }
        let nameEnd = buffer.scanToken(from: start, to: end)
        guard nameEnd > start, nameEnd < end, buffer[nameEnd] == ASCII.colon else { return .invalid }
        let valueStart = buffer.scan(from: nameEnd + 1, to: end, while: ASCII.isOWS)
        guard buffer.firstNonFieldValueByte(from: valueStart, to: end) == end else { return .invalid }
        var valueEnd = end
        while valueEnd > valueStart && ASCII.isOWS(buffer[valueEnd - 1]) { valueEnd -= 1 }
        return .field(nameEnd: nameEnd, valueStart: valueStart, valueEnd: valueEnd)
    }

    /// Parses `HTTP/d.d` at `at` (exactly 8 bytes); nil if it is not that shape.
    @inline(__always)
    static func version(_ buffer: ByteView, at i: Int) -> HTTPVersion? {
        guard i + 8 <= buffer.count,
            buffer[i] == 72, buffer[i + 1] == 84, buffer[i + 2] == 84, buffer[i + 3] == 80,  // HTTP
            buffer[i + 4] == ASCII.slash, ASCII.isDigit(buffer[i + 5]), buffer[i + 6] == ASCII.dot,
            ASCII.isDigit(buffer[i + 7])
        else { return nil }
        return HTTPVersion(major: buffer[i + 5] - 48, minor: buffer[i + 7] - 48)
    }
}
