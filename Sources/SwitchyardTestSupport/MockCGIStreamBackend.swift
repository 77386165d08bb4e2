import EventLoop
public import HTTP1
import Glibc
import Locking
import Synchronization

/// What a uwsgi or SCGI application got: its vars, its body, and (uwsgi) the packet's modifiers.
public struct CGIStreamSeen: Sendable {
    public let vars: [(name: String, value: String)]
    public let body: [UInt8]
    public let modifier1: UInt8
    public let modifier2: UInt8
    /// Which connection (1, 2, …, in accept order) carried the request.
    public let connection: Int

    /// The last value of a var (a WSGI application's environ keeps the last).
    public func value(_ name: String) -> String? { vars.last { $0.name == name }?.value }
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// How the mock application answers one request: bytes written as they are, then the connection closes.
public struct CGIStreamReply: Sendable {
    public var bytes: [UInt8]
    /// Never answer (for read timeouts).
    public var hang: Bool

    public init(bytes: [UInt8], hang: Bool = false) { self.bytes = bytes; self.hang = hang }

    /// An HTTP status line, the fields, a blank line, the body (uWSGI's answer).
    public static func http(_ status: String = "200 OK", headers: [(String, String)] = [("Content-Type", "text/plain")],
                            text: String) -> CGIStreamReply {
        var out = "HTTP/1.1 \(status)\r\n"
        for (n, v) in headers { out += "\(n): \(v)\r\n" }
        return CGIStreamReply(bytes: Array((out + "\r\n" + text).utf8))
    }

    /// A CGI head: `Status` when given, the fields, a blank line, the body (an SCGI application's usual answer).
    public static func cgi(status: String? = nil, headers: [(String, String)] = [("Content-Type", "text/plain")],
                           text: String) -> CGIStreamReply {
        var out = status.map { "Status: \($0)\r\n" } ?? ""
        for (n, v) in headers { out += "\(n): \(v)\r\n" }
        return CGIStreamReply(bytes: Array((out + "\r\n" + text).utf8))
    }
}

/// A uwsgi or SCGI application for tests (uWSGI's or an SCGI server's side of `uwsgi_pass` / `scgi_pass`): it
/// reads the request packet (decoded with the codec's own decoders, which the codec tests check against bytes
/// written by hand) and CONTENT_LENGTH bytes of body, records them, answers as the test's handler says and
/// closes the connection, as such applications do. One thread accepts, one thread serves each connection,
/// with blocking sockets.
public final class MockCGIStreamBackend: @unchecked Sendable {
    public enum Wire: Sendable { case uwsgi, scgi }
    public typealias Handler = @Sendable (CGIStreamSeen) -> CGIStreamReply
    public let wire: Wire
    public let port: UInt16
    /// `127.0.0.1:PORT` or `unix:/path`: what `uwsgi_pass` / `scgi_pass` or a `server` line names.
    public let address: String
    private let listener: MockListener
    private let handler: Lock<Handler>
    private let seen = Lock<[CGIStreamSeen]>([])
    private let packetCount = Atomic<Int>(0)

    public convenience init(_ wire: Wire, handler: @escaping Handler) throws {
        try self.init(wire, listening: SocketAddress(family: .v4, bytes: [127, 0, 0, 1], port: freePort()), handler: handler)
    }

    public convenience init(_ wire: Wire, unixPath: String, handler: @escaping Handler) throws {
        try self.init(wire, listening: SocketAddress(unixPath: unixPath), handler: handler)
    }

    private init(_ wire: Wire, listening: SocketAddress, handler: @escaping Handler) throws {
        self.wire = wire
        self.handler = Lock(handler)
        listener = try MockListener(listening)
        port = listener.port
        address = listener.address
        let me = UncheckedSendable(self)
        listener.start { fd, n in me.value.serve(fd, connection: n) }
    }

    /// Every request received, in order.
    public var requests: [CGIStreamSeen] { seen.withLock { $0 } }
    /// Request packets (netstrings) read whole so far: a streamed body's request counts before its body is in.
    public var packetsRead: Int { packetCount.load(ordering: .relaxed) }
    /// Connections accepted so far.
    public var connections: Int { listener.connections }

    /// Stops accepting and closes every connection.
    public func stop() { listener.stop() }

    deinit { stop() }

    private func serve(_ fd: Int32, connection: Int) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        func more() -> Bool {
            guard case .done(let k) = Syscall.read(fd, into: &chunk, count: chunk.count), k > 0 else { return false }
            buffer += chunk[0..<k]
            return true
        }
        // The request's vars: read until the packet (netstring) is whole.
        var vars: [(name: [UInt8], value: [UInt8])] = []
        var m1: UInt8 = 0, m2: UInt8 = 0
        while true {
            if wire == .uwsgi, let p = UWSGIPacket.decode(buffer) {
                vars = p.vars; m1 = p.modifier1; m2 = p.modifier2; buffer.removeFirst(p.consumed); break
            }
            if wire == .scgi, let p = SCGIHeaders.decode(buffer) { vars = p.pairs; buffer.removeFirst(p.consumed); break }
            guard more() else { return }
        }
        packetCount.add(1, ordering: .relaxed)
        let named = vars.map { (String(decoding: $0.name, as: UTF8.self), String(decoding: $0.value, as: UTF8.self)) }
        let length = Int(named.last { $0.0 == "CONTENT_LENGTH" }?.1 ?? "") ?? 0
        while buffer.count < length { guard more() else { return } }
        let request = CGIStreamSeen(vars: named, body: Array(buffer.prefix(length)), modifier1: m1, modifier2: m2,
                                    connection: connection)
        seen.withLock { $0.append(request) }
        let reply = handler.withLock { $0 }(request)
        if reply.hang {
            while more() {}
            return
        }
        _ = Syscall.writeAll(fd, reply.bytes)
    }
}
