public import ASCIIBytes
/// The lines of an HTTP/1 head, written through HeadWriter's raw appends (HeadWriter-unsafe.swift).
extension HeadWriter {
    // MARK: - Start lines

    /// `HTTP/1.1 404 Not Found\r\n`; a code with no known phrase gets `HTTP/1.1 599 \r\n`, as nginx writes it.
    @inlinable
    public mutating func appendStatusLine(_ status: Int, version: HTTPVersion = .http1_1) {
        if version.major == 1 && version.minor == 1, let line = StatusReason.line(for: status) {   // one copy
            append(line)
            return
        }
        appendVersion(version)
        append(ASCII.sp)
        appendStatusCode(status)
        append(ASCII.sp)
        if let phrase = StatusReason.phrase(for: status) { append(phrase) }
        appendCRLF()
    }

    /// A status line with the reason given as bytes (e.g. relaying an upstream's own phrase).
    @inlinable
    public mutating func appendStatusLine<R: Collection<UInt8>>(
        _ status: Int, reason: R, version: HTTPVersion = .http1_1
    ) {
        appendVersion(version)
        append(ASCII.sp)
        appendStatusCode(status)
        append(ASCII.sp)
        append(contentsOf: reason)
        appendCRLF()
    }

    /// `GET /path HTTP/1.1\r\n` with the method and target as bytes.
    @inlinable
    public mutating func appendRequestLine<M: Collection<UInt8>, T: Collection<UInt8>>(
        method: M, target: T, version: HTTPVersion = .http1_1
    ) {
        append(contentsOf: method)
        append(ASCII.sp)
        append(contentsOf: target)
        appendRequestLineEnd(version)
    }

    /// `GET /path HTTP/1.1\r\n` for a known method.
    @inlinable
    public mutating func appendRequestLine<T: Collection<UInt8>>(
        method: StaticString, target: T, version: HTTPVersion = .http1_1
    ) {
        appendRequestLine(method: method.buffer, target: target, version: version)
    }

    /// ` HTTP/1.1\r\n`: the end of a request line whose method and target the caller wrote (an evaluated
    /// method, a rewritten and escaped URI).
    @inlinable
    public mutating func appendRequestLineEnd(_ version: HTTPVersion) {
        if version.major == 1 && version.minor <= 1 {   // one literal copy
            let end: StaticString = version.minor == 1 ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n"
            append(end)
            return
        }
        append(ASCII.sp)
        appendVersion(version)
        appendCRLF()
    }

    // MARK: - Header lines

    @inlinable
    public mutating func appendHeader(_ name: StaticString, _ value: StaticString) {
        appendHeader(name.buffer, value.buffer)
    }

    @inlinable
    public mutating func appendHeader<V: Collection<UInt8>>(_ name: StaticString, _ value: V) {
        appendHeader(name.buffer, value)
    }

    /// `Name: 123\r\n`
    @inlinable
    public mutating func appendHeader(_ name: StaticString, _ value: Int64) {
        append(name)
        appendColonSpace()
        appendDecimal(value)
        appendCRLF()
    }

    /// `Name: 123\r\n`
    @inlinable
    public mutating func appendHeader(_ name: StaticString, _ value: Int) {
        appendHeader(name, Int64(value))
    }

    /// `Name: value\r\n`. The caller guarantees both are valid (no CR/LF): values relayed from a parsed head are.
    @inlinable
    public mutating func appendHeader<N: Collection<UInt8>, V: Collection<UInt8>>(_ name: N, _ value: V) {
        append(contentsOf: name)
        appendColonSpace()
        append(contentsOf: value)
        appendCRLF()
    }

    /// Copies header `index` of a parsed head as it was received (name spelling kept).
    @inlinable
    public mutating func appendHeader(from head: some HTTPHead, at index: Int) {
        let field = head.headers[index]
        appendField(of: head.bytes, name: field.name, value: field.value)
    }

    /// `Name: value\r\n` from ranges of a head's `bytes` (a parsed field relayed as received).
    @inlinable
    public mutating func appendField(of source: [UInt8], name: ByteRange, value: ByteRange) {
        appendName(of: source, name)
        append(source, value)
        appendCRLF()
    }

    /// Fields of one source head relayed as received, joined into runs: see `relayField`.
    public struct FieldRun {
        @usableFromInline var start: Int
        @usableFromInline var end: Int
        @inlinable public init() { start = 0; end = 0 }
    }

    /// Relays `field` of `source` (a parsed head's bytes) as `appendField` would write it. A field whose line
    /// already reads `Name: value\r\n` joins the run of such lines right before it in `source`, and a run is
    /// copied in one piece when something else is written (`flush`): a response's kept fields cost a copy or
    /// two instead of four appends each. Call `flush` before writing anything else, and at the end. Always
    /// inlined, with `flush`: once per field of every proxied head.
    @inlinable @inline(__always)
    public mutating func relayField(of source: [UInt8], _ field: HeaderField, run: inout FieldRun) {
        let n = field.name.end, v = field.value.end
        if field.value.start == n &+ 2, v &+ 2 <= source.count, source[n] == ASCII.colon, source[n &+ 1] == ASCII.sp,
            source[v] == ASCII.cr, source[v &+ 1] == ASCII.lf
        {
            if run.end > run.start && run.end == field.name.start {
                run.end = v &+ 2
                return
            }
            flush(source, run: &run)
            run.start = field.name.start
            run.end = v &+ 2
            return
        }
        flush(source, run: &run)
        appendField(of: source, name: field.name, value: field.value)
    }

    /// Copies the pending run of relayed lines, if any.
    @inlinable @inline(__always)
    public mutating func flush(_ source: [UInt8], run: inout FieldRun) {
        guard run.end > run.start else { return }
        append(source, ByteRange(start: run.start, end: run.end))
        run = FieldRun()
    }

    /// `Name: ` from a range of a head's bytes; the caller writes the value and ends the line (`appendCRLF`).
    @inlinable
    public mutating func appendName(of source: [UInt8], _ name: ByteRange) {
        append(source, name)
        appendColonSpace()
    }

    /// `Name: ` with the name as bytes; the caller writes the value. With `endFieldUnlessEmpty` a value that came
    /// out empty drops the whole line (nginx sends no field whose value evaluates empty).
    @inlinable
    public mutating func beginField<N: Collection<UInt8>>(_ name: N) -> (lineStart: Int, valueStart: Int) {
        let lineStart = count
        append(contentsOf: name)
        appendColonSpace()
        return (lineStart, count)
    }

    /// Ends a field `beginField` started: CRLF after a value, or the line removed when nothing followed `Name: `.
    /// Returns whether the field was kept.
    @inlinable
    @discardableResult
    public mutating func endFieldUnlessEmpty(_ field: (lineStart: Int, valueStart: Int)) -> Bool {
        if count == field.valueStart {
            truncate(to: field.lineStart)
            return false
        }
        appendCRLF()
        return true
    }

    /// The empty line that ends the head.
    @inlinable
    public mutating func appendEnd() {
        appendCRLF()
    }

    // MARK: - Pieces

    @inlinable @inline(__always)
    public mutating func appendDecimal(_ value: Int) { appendDecimal(Int64(value)) }

    @inlinable @inline(__always)
    public mutating func appendCRLF() { append(ASCII.cr, ASCII.lf) }

    @inlinable @inline(__always)
    public mutating func appendColonSpace() { append(ASCII.colon, ASCII.sp) }

    @inlinable @inline(__always)
    mutating func appendVersion(_ version: HTTPVersion) {
        append("HTTP/")
        append(48 &+ version.major)
        append(ASCII.dot)
        append(48 &+ version.minor)
    }

    /// Always three digits, like nginx's `%03ui`.
    @inlinable @inline(__always)
    mutating func appendStatusCode(_ status: Int) {
        let s = max(0, min(status, 999))
        append(UInt8(s / 100) &+ 48)
        append(UInt8(s / 10 % 10) &+ 48)
        append(UInt8(s % 10) &+ 48)
    }
}
