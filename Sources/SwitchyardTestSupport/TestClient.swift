import EventLoop
public import HTTP1
import Glibc

/// A response as a test client received it.
public struct TestResponse: Sendable {
    public let head: ResponseHead
    public let body: [UInt8]
    public var status: Int { head.status }
    public var text: String { String(decoding: body, as: UTF8.self) }
    public func header(_ name: String) -> String? {
        head.firstHeader(Array(name.lowercased().utf8)).map { String(decoding: $0, as: UTF8.self) }
    }
    public func headers(_ name: String) -> [String] {
        var out: [String] = []
        head.forEachHeader(named: Array(name.lowercased().utf8)) { out.append(String(decoding: $0, as: UTF8.self)) }
        return out
    }
}

public struct TestClientError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// A blocking HTTP/1.1 client for tests: one TCP connection, raw bytes out, parsed responses in, every read
/// bounded by a timeout so a hung server fails the test instead of hanging it.
public final class TestClient {
    /// The socket; -1 once `close()` ran.
    public private(set) var fd: Int32
    private var buffer: [UInt8] = []
    private let chunk = IOBuffer(initialCapacity: 65536)

    /// `source` is the client's own address, any of 127/8 (e.g. "127.0.3.1"): loopback accepts them all, so
    /// one test can be many clients to `ip_hash` or `$remote_addr`. `host` is the server's address (an IPv4 or
    /// IPv6 literal; any of 127/8 reaches a server listening on `*:port`).
    public init(port: UInt16, host: String = "127.0.0.1", from source: String? = nil, timeoutSeconds: Int = 10) throws {
        var local: SocketAddress?
        if let source {
            guard let a = SocketAddress.parse(source + ":0") else { throw TestClientError("bad source address \(source)") }
            local = a
        }
        guard let server = SocketAddress.literal(host: host, port: port) else { throw TestClientError("bad host \(host)") }
        switch Socket.connectBlocking(server, from: local, timeoutSeconds: timeoutSeconds) {
        case .success(let fd): self.fd = fd
        case .failure(let f): throw TestClientError("connect to \(server): \(f)")
        }
    }

    /// A client of a `listen unix:/path` socket.
    public init(unixPath: String, timeoutSeconds: Int = 10) throws {
        switch Socket.connectBlocking(SocketAddress(unixPath: unixPath), timeoutSeconds: timeoutSeconds) {
        case .success(let fd): self.fd = fd
        case .failure(let f): throw TestClientError("connect to unix:\(unixPath): \(f)")
        }
    }

    /// Closes the connection now (a client that goes away mid-request). Closing twice would close whatever
    /// socket another test's thread has been given the number since, so the descriptor is forgotten here and
    /// `deinit` closes nothing more.
    public func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    deinit { close() }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            guard case .done(let n) = Syscall.write(fd, bytes, from: off), n > 0 else {
                throw TestClientError("send failed: \(errno)")
            }
            off += n
        }
    }

    /// Reads one more block; false on EOF. Throws on timeout.
    private func fill() throws -> Bool {
        switch chunk.read(from: fd, chunk: 65536) {
        case .done:
            buffer.append(contentsOf: ByteView(chunk.readable))
            chunk.clear()
            return true
        case .eof: return false
        case .wouldBlock, .error: throw TestClientError("recv failed or timed out (errno \(errno))")
        }
    }

    /// Reads an interim (1xx) response head and returns its status.
    public func readInterim() throws -> Int {
        var parser = ResponseHeadParser()
        while true {
            switch buffer.withByteView({ parser.parse($0) }) {
            case .failed(let e): throw TestClientError("bad response head: \(e)")
            case .incomplete: if try !fill() { throw TestClientError("closed before a response head") }
            case .complete(let head, let consumed):
                buffer.removeFirst(consumed)
                return head.status
            }
        }
    }

    /// Reads one response; `method` decides whether a body follows (HEAD).
    public func readResponse(method: HTTPMethod = .get) throws -> TestResponse {
        var parser = ResponseHeadParser()
        while true {
            let r = buffer.withByteView { parser.parse($0) }
            switch r {
            case .failed(let e): throw TestClientError("bad response head: \(e)")
            case .incomplete:
                if try !fill() { throw TestClientError("connection closed before a response head") }
            case .complete(let head, let consumed):
                buffer.removeFirst(consumed)
                if head.isInterim { parser.reset(); continue }
                return TestResponse(head: head, body: try readBody(head.bodyFraming(requestMethod: method)))
            }
        }
    }

    private func readBody(_ framing: BodyFraming) throws -> [UInt8] {
        switch framing {
        case .none: return []
        case .length(let n):
            while buffer.count < Int(n) { if try !fill() { throw TestClientError("closed mid-body (\(buffer.count)/\(n))") } }
            let body = Array(buffer[0..<Int(n)]); buffer.removeFirst(Int(n)); return body
        case .chunked:
            var d = ChunkedDecoder()
            var body: [UInt8] = []
            while true {
                let (used, done) = try buffer.withByteView { try d.decode($0) { body.append(contentsOf: $0) } }
                buffer.removeFirst(used)
                if done { return body }
                if try !fill() { throw TestClientError("closed mid-chunked-body") }
            }
        case .untilClose:
            while try fill() {}
            let body = buffer; buffer = []; return body
        }
    }

    /// True when the server closed the connection (reads EOF within the timeout).
    public func isClosedByPeer() -> Bool {
        if !buffer.isEmpty { return false }
        return (try? fill()) == false
    }

    /// True when the server has already closed this connection while it was idle (nothing unread, EOF or
    /// reset pending); never waits. A client checks this before reusing a kept-alive connection: a request
    /// written after that is one the server may have read, and losing it is a failure.
    public func closedWhileIdle() -> Bool {
        if !buffer.isEmpty { return false }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 0) == 1 else { return false }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)
    }

    /// One request on a fresh connection.
    public static func get(port: UInt16, _ path: String, host: String = "localhost", headers: [String: String] = [:]) throws -> TestResponse {
        try get(client: TestClient(port: port), path, host: host, headers: headers)
    }

    /// One GET on `client`'s connection, with `Connection: close`.
    public static func get(client c: TestClient, _ path: String, host: String = "localhost",
                           headers: [String: String] = [:]) throws -> TestResponse {
        var req = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n"
        for (k, v) in headers.sorted(by: { $0.key < $1.key }) { req += "\(k): \(v)\r\n" }
        try c.send(req + "\r\n")
        return try c.readResponse()
    }
}
