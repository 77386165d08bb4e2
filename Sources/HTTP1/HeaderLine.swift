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
    /// Unsafe code: reads through the base pointer, only inside `start..<end`, which the framer took from `buffer`.
    @inline(__always)
    static func parse(_ buffer: UnsafeRawBufferPointer, start: Int, end: Int) -> Parsed {
        guard start < end, let raw = buffer.baseAddress, end <= buffer.count else { return .invalid }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        var i = start
        if ASCII.isOWS(base[i]) { return .obsoleteFold }
        while i < end && ASCII.isTChar(base[i]) { i += 1 }
        guard i > start, i < end, base[i] == ASCII.colon else { return .invalid }
        let nameEnd = i
        i += 1
        while i < end && ASCII.isOWS(base[i]) { i += 1 }
        let valueStart = i
        // Eight bytes per step while none is a control byte or DEL (then check byte by byte: HTAB is allowed).
        while i + 8 <= end {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            let low = (w &- 0x2020_2020_2020_2020) & ~w & 0x8080_8080_8080_8080  // some byte < 0x20
            let d = w ^ 0x7f7f_7f7f_7f7f_7f7f
            let del = (d &- 0x0101_0101_0101_0101) & ~d & 0x8080_8080_8080_8080  // some byte == 0x7f
            if low | del != 0 { break }
            i += 8
        }
        while i < end {
            guard ASCII.isFieldValueByte(base[i]) else { return .invalid }
            i += 1
        }
        var valueEnd = end
        while valueEnd > valueStart && ASCII.isOWS(base[valueEnd - 1]) { valueEnd -= 1 }
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
