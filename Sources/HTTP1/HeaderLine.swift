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
    static func parse(_ buffer: UnsafeRawBufferPointer, start: Int, end: Int) -> Parsed {
        var i = start
        if i < end && ASCII.isOWS(buffer[i]) { return .obsoleteFold }
        while i < end && ASCII.isTChar(buffer[i]) { i += 1 }
        guard i > start, i < end, buffer[i] == ASCII.colon else { return .invalid }
        let nameEnd = i
        i += 1
        while i < end && ASCII.isOWS(buffer[i]) { i += 1 }
        let valueStart = i
        var valueEnd = i
        while i < end {
            let b = buffer[i]
            guard ASCII.isFieldValueByte(b) else { return .invalid }
            i += 1
            if !ASCII.isOWS(b) { valueEnd = i }
        }
        return .field(nameEnd: nameEnd, valueStart: valueStart, valueEnd: valueEnd)
    }

    /// Parses `HTTP/d.d` at `at` (exactly 8 bytes); nil if it is not that shape.
    @inline(__always)
    static func version(_ buffer: UnsafeRawBufferPointer, at i: Int) -> HTTPVersion? {
        guard i + 8 <= buffer.count,
            buffer[i] == 72, buffer[i + 1] == 84, buffer[i + 2] == 84, buffer[i + 3] == 80,  // HTTP
            buffer[i + 4] == ASCII.slash, ASCII.isDigit(buffer[i + 5]), buffer[i + 6] == ASCII.dot,
            ASCII.isDigit(buffer[i + 7])
        else { return nil }
        return HTTPVersion(major: buffer[i + 5] - 48, minor: buffer[i + 7] - 48)
    }
}
