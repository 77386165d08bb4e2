import ASCIIBytes
/// Builds a head into one growing byte array: start line, header lines, final CRLF. No Strings, no formatting
/// machinery: literals are copied straight from the binary and numbers are written digit by digit.
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

    public init(capacity: Int = 512) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Starts writing after existing bytes (e.g. to reuse an array's capacity).
    public init(appendingTo bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// `HTTP/1.1 404 Not Found\r\n`; a code with no known phrase gets `HTTP/1.1 599 \r\n`, as nginx writes it.
    public mutating func appendStatusLine(_ status: Int, version: HTTPVersion = .http1_1) {
        appendVersion(version)
        bytes.append(ASCII.sp)
        appendStatusCode(status)
        bytes.append(ASCII.sp)
        if let phrase = StatusReason.phrase(for: status) { bytes.append(contentsOf: phrase.buffer) }
        appendCRLF()
    }

    /// A status line with the reason given as bytes (e.g. relaying an upstream's own phrase).
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
    public mutating func appendRequestLine<M: Collection<UInt8>, T: Collection<UInt8>>(
        method: M, target: T, version: HTTPVersion = .http1_1
    ) {
        bytes.append(contentsOf: method)
        bytes.append(ASCII.sp)
        bytes.append(contentsOf: target)
        bytes.append(ASCII.sp)
        appendVersion(version)
        appendCRLF()
    }

    /// `GET /path HTTP/1.1\r\n` for a known method.
    public mutating func appendRequestLine<T: Collection<UInt8>>(
        method: StaticString, target: T, version: HTTPVersion = .http1_1
    ) {
        appendRequestLine(method: method.buffer, target: target, version: version)
    }

    public mutating func appendHeader(_ name: StaticString, _ value: StaticString) {
        appendHeader(name.buffer, value.buffer)
    }

    public mutating func appendHeader<V: Collection<UInt8>>(_ name: StaticString, _ value: V) {
        appendHeader(name.buffer, value)
    }

    /// `Name: 123\r\n`
    public mutating func appendHeader(_ name: StaticString, _ value: Int64) {
        bytes.append(contentsOf: name.buffer)
        bytes.append(ASCII.colon)
        bytes.append(ASCII.sp)
        ASCIIDecimal.append(value, to: &bytes)
        appendCRLF()
    }

    /// `Name: 123\r\n`
    public mutating func appendHeader(_ name: StaticString, _ value: Int) {
        appendHeader(name, Int64(value))
    }

    /// `Name: value\r\n`. The caller guarantees both are valid (no CR/LF): values relayed from a parsed head are.
    public mutating func appendHeader<N: Collection<UInt8>, V: Collection<UInt8>>(_ name: N, _ value: V) {
        bytes.append(contentsOf: name)
        bytes.append(ASCII.colon)
        bytes.append(ASCII.sp)
        bytes.append(contentsOf: value)
        appendCRLF()
    }

    /// Copies header `index` of a parsed head as it was received (name spelling kept).
    public mutating func appendHeader(from head: some HTTPHead, at index: Int) {
        let field = head.headers[index]
        appendHeader(head.bytes(field.name), head.bytes(field.value))
    }

    /// The empty line that ends the head.
    public mutating func appendEnd() {
        appendCRLF()
    }

    @inline(__always)
    private mutating func appendCRLF() {
        bytes.append(ASCII.cr)
        bytes.append(ASCII.lf)
    }

    @inline(__always)
    private mutating func appendVersion(_ version: HTTPVersion) {
        let prefix: StaticString = "HTTP/"
        bytes.append(contentsOf: prefix.buffer)
        bytes.append(48 &+ version.major)
        bytes.append(ASCII.dot)
        bytes.append(48 &+ version.minor)
    }

    /// Always three digits, like nginx's `%03ui`.
    @inline(__always)
    private mutating func appendStatusCode(_ status: Int) {
        let s = max(0, min(status, 999))
        bytes.append(UInt8(s / 100) &+ 48)
        bytes.append(UInt8(s / 10 % 10) &+ 48)
        bytes.append(UInt8(s % 10) &+ 48)
    }
}
