public import ASCIIBytes
/// The one head writer: start line, header lines, final CRLF, appended to one byte array. No Strings, no
/// formatting machinery: literals are copied straight from the binary, numbers are written digit by digit, and
/// fields relayed from a parsed head are copied from its bytes by range (no slice, so no reference counting per
/// field). The proxy writes its upstream request heads and client response heads through it
/// (Proxy/UpstreamRequest.swift, Proxy/ResponseHeadBuilder.swift), into a buffer the request keeps across
/// keep-alive requests (`init(reusing:)`), so a head costs no allocation.
/// ```
/// var w = HeadWriter()
/// w.appendStatusLine(200)
/// w.appendHeader("Content-Length", 42)
/// w.appendHeader("Server", "switchyard")
/// w.appendEnd()
/// socket.write(w.bytes)
/// ```
public struct HeadWriter: Sendable {
    public var bytes: [UInt8]

    @inlinable
    public init(capacity: Int = 512) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Starts writing after existing bytes (e.g. to reuse an array's capacity).
    @inlinable
    public init(appendingTo bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Writes into `buffer`'s memory: its storage moves into the writer emptied (capacity kept) and `buffer` is
    /// left empty; hand `bytes` back when done. A buffer kept across requests makes each head without malloc;
    /// one with less than `minimumCapacity` grows once, here, instead of at several appends.
    @inlinable
    public init(reusing buffer: inout [UInt8], minimumCapacity: Int = 0) {
        bytes = []
        swap(&bytes, &buffer)
        bytes.removeAll(keepingCapacity: true)
        if bytes.capacity < minimumCapacity { bytes.reserveCapacity(minimumCapacity) }
    }

    @inlinable public var count: Int { bytes.count }

    // MARK: - Start lines

    /// `HTTP/1.1 404 Not Found\r\n`; a code with no known phrase gets `HTTP/1.1 599 \r\n`, as nginx writes it.
    @inlinable
    public mutating func appendStatusLine(_ status: Int, version: HTTPVersion = .http1_1) {
        if version.major == 1 && version.minor == 1, let line = StatusReason.line(for: status) {   // one copy
            bytes.append(contentsOf: line.buffer)
            return
        }
        appendVersion(version)
        bytes.append(ASCII.sp)
        appendStatusCode(status)
        bytes.append(ASCII.sp)
        if let phrase = StatusReason.phrase(for: status) { bytes.append(contentsOf: phrase.buffer) }
        appendCRLF()
    }

    /// A status line with the reason given as bytes (e.g. relaying an upstream's own phrase).
    @inlinable
    public mutating func appendStatusLine<R: Collection<UInt8>>(
        _ status: Int, reason: R, version: HTTPVersion = .http1_1
    ) {
        appendVersion(version)
        bytes.append(ASCII.sp)
        appendStatusCode(status)
        bytes.append(ASCII.sp)
        bytes.append(contentsOf: reason)
        appendCRLF()
    }

    /// `GET /path HTTP/1.1\r\n` with the method and target as bytes.
    @inlinable
    public mutating func appendRequestLine<M: Collection<UInt8>, T: Collection<UInt8>>(
        method: M, target: T, version: HTTPVersion = .http1_1
    ) {
        bytes.append(contentsOf: method)
        bytes.append(ASCII.sp)
        bytes.append(contentsOf: target)
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
        bytes.append(ASCII.sp)
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
        bytes.append(contentsOf: name.buffer)
        appendColonSpace()
        ASCIIDecimal.append(value, to: &bytes)
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
        bytes.append(contentsOf: name)
        appendColonSpace()
        bytes.append(contentsOf: value)
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
    /// two instead of four appends each. Call `flush` before writing anything else, and at the end.
    @inlinable
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
    @inlinable
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
        let lineStart = bytes.count
        bytes.append(contentsOf: name)
        appendColonSpace()
        return (lineStart, bytes.count)
    }

    /// Ends a field `beginField` started: CRLF after a value, or the line removed when nothing followed `Name: `.
    /// Returns whether the field was kept.
    @inlinable
    @discardableResult
    public mutating func endFieldUnlessEmpty(_ field: (lineStart: Int, valueStart: Int)) -> Bool {
        if bytes.count == field.valueStart {
            bytes.removeSubrange(field.lineStart...)
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
    public mutating func append(_ byte: UInt8) { bytes.append(byte) }

    /// A literal's bytes, copied from the binary (no temporary array).
    @inlinable @inline(__always)
    public mutating func append(_ literal: StaticString) { bytes.append(contentsOf: literal.buffer) }

    @inlinable @inline(__always)
    public mutating func append<C: Collection<UInt8>>(contentsOf c: C) { bytes.append(contentsOf: c) }

    /// `source[range]`, copied through a view: one memcpy and no slice (a slice would retain `source`).
    @inlinable @inline(__always)
    public mutating func append(_ source: [UInt8], _ range: ByteRange) {
        source.withByteView { v in bytes.append(contentsOf: v.slice(range.start, range.end)) }
    }

    @inlinable @inline(__always)
    public mutating func appendDecimal(_ value: Int64) { ASCIIDecimal.append(value, to: &bytes) }

    /// Two single-byte appends (a literal array would be built and walked).
    @inlinable @inline(__always)
    public mutating func appendCRLF() {
        bytes.append(ASCII.cr)
        bytes.append(ASCII.lf)
    }

    @inlinable @inline(__always)
    public mutating func appendColonSpace() {
        bytes.append(ASCII.colon)
        bytes.append(ASCII.sp)
    }

    @inlinable @inline(__always)
    mutating func appendVersion(_ version: HTTPVersion) {
        let prefix: StaticString = "HTTP/"
        bytes.append(contentsOf: prefix.buffer)
        bytes.append(48 &+ version.major)
        bytes.append(ASCII.dot)
        bytes.append(48 &+ version.minor)
    }

    /// Always three digits, like nginx's `%03ui`.
    @inlinable @inline(__always)
    mutating func appendStatusCode(_ status: Int) {
        let s = max(0, min(status, 999))
        bytes.append(UInt8(s / 100) &+ 48)
        bytes.append(UInt8(s / 10 % 10) &+ 48)
        bytes.append(UInt8(s % 10) &+ 48)
    }
}
