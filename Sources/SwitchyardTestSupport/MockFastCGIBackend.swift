import EventLoop
public import HTTP1
import Glibc
import Locking
import Synchronization

/// What a FastCGI application got: its parameters, its stdin, and whether the request asked it to keep the
/// connection (FCGI_KEEP_CONN).
public struct FastCGISeen: Sendable {
    public let params: [(name: String, value: String)]
    public let stdin: [UInt8]
    public let keepConn: Bool
    /// The FCGI_STDIN records' content lengths, in order (the empty one that ends the stream included).
    public let stdinRecords: [Int]
    /// Which connection (1, 2, …, in accept order) carried the request.
    public let connection: Int

    /// The last value of a parameter (a PHP application reads `$_SERVER` so).
    public func param(_ name: String) -> String? { params.last { $0.name == name }?.value }
    public var stdinText: String { String(decoding: stdin, as: UTF8.self) }
}

/// How the mock application answers one request.
public struct FastCGIReply: Sendable {
    /// What the application writes to stdout: the CGI head (`Status: …`, fields, a blank line), then the body.
    public var stdout: [UInt8]
    /// FCGI_STDERR messages, sent before stdout.
    public var stderr: [String]
    /// stdout is cut into records of this many bytes (at most 65535).
    public var recordSize: Int
    /// Bytes sent as they are instead of records (a broken application), then the connection closes.
    public var raw: [UInt8]?
    /// Never answer (for read timeouts).
    public var hang: Bool
    /// Close the connection without answering.
    public var close: Bool

    public init(stdout: [UInt8], stderr: [String] = [], recordSize: Int = 8192, raw: [UInt8]? = nil,
                hang: Bool = false, close: Bool = false) {
        self.stdout = stdout; self.stderr = stderr; self.recordSize = recordSize; self.raw = raw
        self.hang = hang; self.close = close
    }

    /// A CGI answer: `Status` when given, the fields, a blank line, the body.
    public static func cgi(status: String? = nil, headers: [(String, String)] = [("Content-Type", "text/html")],
                           body: [UInt8], stderr: [String] = [], recordSize: Int = 8192) -> FastCGIReply {
        var out: [UInt8] = []
        if let status { out += Array("Status: \(status)\r\n".utf8) }
        for (n, v) in headers { out += Array("\(n): \(v)\r\n".utf8) }
        out += [13, 10]
        out += body
        return FastCGIReply(stdout: out, stderr: stderr, recordSize: recordSize)
    }

    public static func cgi(status: String? = nil, headers: [(String, String)] = [("Content-Type", "text/html")],
                           text: String, stderr: [String] = []) -> FastCGIReply {
        cgi(status: status, headers: headers, body: Array(text.utf8), stderr: stderr)
    }
}

/// A FastCGI responder for tests (php-fpm's side of `fastcgi_pass`): it reads FCGI_BEGIN_REQUEST, FCGI_PARAMS and
/// FCGI_STDIN as an application does, records them, and answers as the test's handler says, in FCGI_STDOUT,
/// FCGI_STDERR and FCGI_END_REQUEST records written here byte by byte (not with the proxy's encoder). A
/// connection stays open after a request only when the request set FCGI_KEEP_CONN, as php-fpm does. One thread
/// accepts, one thread serves each connection, with blocking sockets.
public final class MockFastCGIBackend: @unchecked Sendable {
    public typealias Handler = @Sendable (FastCGISeen) -> FastCGIReply
    public let port: UInt16
    /// `127.0.0.1:PORT` or `unix:/path`: what `fastcgi_pass` or a `server` line names.
    public let address: String
    private let listener: MockListener
    private let handler: Lock<Handler>
    private let seen = Lock<[FastCGISeen]>([])
    private let stdinCount = Atomic<Int>(0)

    public convenience init(port requested: UInt16 = 0, handler: @escaping Handler) throws {
        let port = requested == 0 ? freePort() : requested
        try self.init(listening: SocketAddress(family: .v4, bytes: [127, 0, 0, 1], port: port), handler: handler)
    }

    public convenience init(unixPath: String, handler: @escaping Handler) throws {
        try self.init(listening: SocketAddress(unixPath: unixPath), handler: handler)
    }

    private init(listening: SocketAddress, handler: @escaping Handler) throws {
        self.handler = Lock(handler)
        listener = try MockListener(listening)
        port = listener.port
        address = listener.address
        let me = UncheckedSendable(self)
        listener.start { fd, n in me.value.serve(fd, connection: n) }
    }

    /// Every request received, in order.
    public var requests: [FastCGISeen] { seen.withLock { $0 } }
    /// FCGI_STDIN bytes read so far, over all requests (a streamed body shows up here before it ends).
    public var stdinBytesReceived: Int { stdinCount.load(ordering: .relaxed) }
    /// Connections accepted so far.
    public var connections: Int { listener.connections }

    public func setHandler(_ h: @escaping Handler) { handler.withLock { $0 = h } }

    /// Stops accepting and closes every connection.
    public func stop() { listener.stop() }

    deinit { stop() }

    // MARK: - One connection

    private struct Reader {
        let fd: Int32
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)

        /// The next record: type, flags-or-content; nil at EOF or on a broken record.
        mutating func record() -> (type: UInt8, content: [UInt8])? {
            guard fill(8) else { return nil }
            let type = buffer[1]
            let length = Int(buffer[4]) << 8 | Int(buffer[5]), padding = Int(buffer[6])
            guard buffer[0] == 1, fill(8 + length + padding) else { return nil }
            let content = Array(buffer[8..<8 + length])
            buffer.removeFirst(8 + length + padding)
            return (type, content)
        }

        private mutating func fill(_ n: Int) -> Bool {
            while buffer.count < n {
                guard case .done(let k) = Syscall.read(fd, into: &chunk, count: chunk.count), k > 0 else { return false }
                buffer += chunk[0..<k]
            }
            return true
        }
    }

    private func serve(_ fd: Int32, connection: Int) {
        var reader = Reader(fd: fd)
        while true {
            guard let begin = reader.record(), begin.type == 1, begin.content.count == 8 else { return }
            let keepConn = begin.content[2] & 1 == 1
            var params: [UInt8] = []
            while true {
                guard let r = reader.record(), r.type == 4 else { return }
                if r.content.isEmpty { break }
                params += r.content
            }
            var stdin: [UInt8] = []
            var sizes: [Int] = []
            while true {
                guard let r = reader.record(), r.type == 5 else { return }
                sizes.append(r.content.count)
                stdinCount.add(r.content.count, ordering: .relaxed)
                if r.content.isEmpty { break }
                stdin += r.content
            }
            guard let pairs = FastCGI.decodePairs(params) else { return }
            let request = FastCGISeen(
                params: pairs.map { (String(decoding: $0.name, as: UTF8.self), String(decoding: $0.value, as: UTF8.self)) },
                stdin: stdin, keepConn: keepConn, stdinRecords: sizes, connection: connection)
            seen.withLock { $0.append(request) }
            let reply = handler.withLock { $0 }(request)
            if reply.hang {
                var sink = [UInt8](repeating: 0, count: 1024)
                while case .done(let k) = Syscall.read(fd, into: &sink, count: sink.count), k > 0 {}
                return
            }
            if reply.close { return }
            if let raw = reply.raw { _ = Syscall.writeAll(fd, raw); return }
            var out: [UInt8] = []
            for message in reply.stderr { Self.appendRecord(7, Array(message.utf8), to: &out) }
            var at = 0
            while at < reply.stdout.count {
                let n = min(reply.recordSize, reply.stdout.count - at, 65535)
                Self.appendRecord(6, Array(reply.stdout[at..<at + n]), to: &out)
                at += n
            }
            Self.appendRecord(6, [], to: &out)
            Self.appendRecord(3, [0, 0, 0, 0, 0, 0, 0, 0], to: &out)   // appStatus 0, FCGI_REQUEST_COMPLETE
            guard Syscall.writeAll(fd, out), keepConn else { return }
        }
    }

    /// A record with request id 1, padded to 8 as php-fpm pads.
    private static func appendRecord(_ type: UInt8, _ content: [UInt8], to out: inout [UInt8]) {
        let padding = (8 - content.count % 8) % 8
        out += [1, type, 0, 1, UInt8(content.count >> 8), UInt8(content.count & 0xff), UInt8(padding), 0]
        out += content
        out += [UInt8](repeating: 0, count: padding)
    }
}
