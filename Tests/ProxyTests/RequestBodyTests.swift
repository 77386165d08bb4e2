import EventLoop
import Glibc
import HTTP1
import Synchronization
import SwitchyardTestSupport
import Testing

/// Request bodies as nginx handles them (issue 15): where a body is kept, `$request_body` and
/// `$request_body_file`, bodies nothing reads, `proxy_pass_request_*`, and streaming with
/// `proxy_request_buffering off`.
@Suite(.serialized) struct RequestBodyTests {
    private static func echo() throws -> MockBackend {
        try MockBackend(name: "echo") { req in
            MockResponse(headers: [("X-Seen-Length", req.header("Content-Length") ?? "none"),
                                   ("X-Seen-Header", req.header("X-Header") ?? "none")], body: req.body)
        }
    }

    private static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    private static func post(_ path: String, _ body: String, last: Bool = false) -> String {
        "POST \(path) HTTP/1.1\r\nHost: x\r\n\(last ? "Connection: close\r\n" : "")Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    /// `client_body_in_file_only on`: the body goes to a file named by `$request_body_file` that stays after the
    /// request (an upload handler reads it), not in `$request_body`. Before: the file was unlinked at once.
    @Test func inFileOnlyOnKeepsTheNamedFile() throws {
        let backend = try Self.echo()
        defer { backend.stop() }
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT;
                     location / { client_body_in_file_only on; add_header X-Body "[$request_body]";
                                  add_header X-Body-File $request_body_file; proxy_pass http://\(backend.address); } }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send(Self.post("/", "0123456789"))
        let r = try c.readResponse()
        #expect(r.text == "0123456789")
        #expect(r.header("X-Body") == "[]")
        let path = try #require(r.header("X-Body-File"))
        #expect(path.hasPrefix(f.proxy.prefix + "/client_body_temp/"), "\(path)")
        #expect((try? TempDir.read(path)) == "0123456789")
        #expect(f.errorLog().contains("[notice]") && f.errorLog().contains("a client request body is buffered to a temporary file \(path)"))
    }

    /// `clean` removes the file when the request ends; `off` spools only what exceeds client_body_buffer_size,
    /// to a file unlinked at once (its name is still given).
    @Test func inFileOnlyCleanAndOffLeaveNoFile() throws {
        let backend = try Self.echo()
        defer { backend.stop() }
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; client_body_buffer_size 1k; add_header X-Body-File $request_body_file;
                     location /clean { client_body_in_file_only clean; proxy_pass http://\(backend.address); }
                     location / { proxy_pass http://\(backend.address); } }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send(Self.post("/clean", "small"))
        let clean = try c.readResponse()
        #expect(clean.text == "small")
        let cleanPath = try #require(clean.header("X-Body-File"))
        #expect(eventually { !Self.exists(cleanPath) }, "\(cleanPath)")
        try c.send(Self.post("/", "tiny"))
        #expect(try c.readResponse().header("X-Body-File") == nil)   // in memory: no file
        let big = String(repeating: "0123456789", count: 300)
        try c.send(Self.post("/", big))
        let spooled = try c.readResponse()
        #expect(spooled.text == big)
        let spoolPath = try #require(spooled.header("X-Body-File"))
        #expect(!Self.exists(spoolPath))
    }

    /// A body nothing reads (`return`) is skipped, whether it is already here or still coming, so the requests
    /// behind it are served. Before: its bytes were parsed as the next request head (400).
    @Test func unreadBodiesAreSkippedBeforeTheNextRequest() throws {
        let f = try Fixture(http: "server { listen 127.0.0.1:PORT; location / { return 200 \"TEST\"; } }")
        defer { f.proxy.stop() }
        let c = try f.client()
        let big = String(repeating: "0123456789", count: 5000)
        let chunked = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
        try c.send(Self.post("/", "0123456789") + chunked + Self.post("/", big))
        for _ in 0..<3 { #expect(try c.readResponse().text == "TEST") }
        // The response goes out before the body is all here; the rest is skipped as it comes.
        try c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234")
        #expect(try c.readResponse().text == "TEST")
        try c.send("56789" + "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let last = try c.readResponse()
        #expect(last.text == "TEST" && last.header("Connection") == "close")
    }

    /// Bad chunked framing in a body nothing reads is a 400, as nginx finds it before answering, and the line is
    /// at error, nginx's level (it was at info, below the usual `error_log … error`).
    @Test func badChunkedBodyOnReturnIs400() throws {
        let f = try Fixture(http: "server { listen 127.0.0.1:PORT; location / { return 200 \"TEST\"; } }")
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nSEE-THIS\r\n0\r\n\r\n")
        let r = try c.readResponse()
        #expect(r.status == 400)
        #expect(c.isClosedByPeer())
        let log = f.logFile("logs/error.log", containing: "invalid chunked body")
        #expect(log.contains("[error]") && log.contains("client sent invalid chunked body"), "\(log)")
    }

    /// A chunked body streamed upstream (proxy_request_buffering off) whose first chunk, already read with the head,
    /// is over client_max_body_size or badly framed is answered before any server is contacted, as nginx checks
    /// the body it read with the head first. The server got the request head, then a closed connection.
    @Test func aStreamedBodyBadFromItsFirstChunkNeverReachesTheServer() throws {
        let backend = try Self.echo()
        defer { backend.stop() }
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; client_max_body_size 1k;
                     location / { proxy_pass http://\(backend.address); proxy_http_version 1.1; proxy_request_buffering off; } }
            """)
        defer { f.proxy.stop() }
        for (chunk, status) in [("fffffff\r\nabc", 413), ("zz\r\nabc", 400)] {
            let c = try f.client()
            try c.send("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk)
            #expect(try c.readResponse().status == status, "\(chunk)")
        }
        #expect(try f.get("/fine").status == 200)
        #expect(backend.connections == 1, "the server was contacted for a body refused from its first chunk")
        // nginx's numbers: the chunks before (none), then the size announced, not what of it came with the line.
        #expect(f.logFile("logs/error.log", containing: "too large").contains(
            "client intended to send too large chunked body: 0+268435455 bytes"))
    }

    /// `proxy_pass_request_headers off` sends only the proxy_set_header list (the body still goes with its
    /// length); `proxy_pass_request_body off` reads the body and sends neither it nor its length. Before: both
    /// were accepted with no effect.
    @Test func passRequestHeadersAndBodyOff() throws {
        let backend = try Self.echo()
        defer { backend.stop() }
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT;
                     location /headers { proxy_pass_request_headers off; proxy_pass http://\(backend.address); }
                     location /body { proxy_pass_request_body off; proxy_pass http://\(backend.address); } }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("POST /headers HTTP/1.1\r\nHost: x\r\nX-Header: foo\r\nContent-Length: 3\r\n\r\nbar")
        let headers = try c.readResponse()
        #expect(headers.text == "bar")
        #expect(headers.header("X-Seen-Header") == "none" && headers.header("X-Seen-Length") == "3")
        try c.send("POST /body HTTP/1.1\r\nHost: x\r\nX-Header: foo\r\nContent-Length: 3\r\n\r\nbar"
                   + "GET /body HTTP/1.1\r\nHost: x\r\n\r\n")
        let body = try c.readResponse()
        #expect(body.text == "")
        #expect(body.header("X-Seen-Header") == "foo" && body.header("X-Seen-Length") == "none")
        #expect(try c.readResponse().status == 200)   // the body was read, not taken for the next request
    }

    /// A streamed body (`proxy_request_buffering off`) that fits client_body_buffer_size is still `$request_body`
    /// once it went upstream, as nginx's buffers still hold it. Before: empty.
    @Test(arguments: ["Content-Length: 10\r\n\r\n0123456789", "Transfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n0\r\n\r\n"])
    func streamedBodyIsRequestBody(framing: String) throws {
        let backend = try Self.echo()
        defer { backend.stop() }
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; proxy_request_buffering off; proxy_http_version 1.1;
                     location / { add_header X-Body "[$request_body]"; proxy_pass http://\(backend.address); } }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("POST / HTTP/1.1\r\nHost: x\r\n\(framing)")
        let r = try c.readResponse()
        #expect(r.text == "0123456789")
        #expect(r.header("X-Body") == "[0123456789]")
    }

    /// A chunked body streamed to an HTTP/1.1 upstream goes up as one chunk per client read, however the client
    /// cut it, and in the head's segment (nginx does both). Before: each client chunk was framed again.
    @Test func streamedChunksOfOneReadGoUpAsOneChunk() throws {
        let backend = try RawBackend()
        defer { backend.stop() }
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; proxy_request_buffering off; proxy_http_version 1.1;
                     location / { proxy_pass http://127.0.0.1:\(backend.port); } }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n4\r\nmany\r\n0\r\n\r\n")
        #expect(try c.readResponse().status == 200)
        let seen = String(decoding: backend.received, as: UTF8.self)
        #expect(seen.hasSuffix("\r\n\r\n9\r\n01234many\r\n0\r\n\r\n"), "\(seen)")
        #expect(seen.contains("Transfer-Encoding: chunked\r\n"))
    }
}

/// A client that goes away, or goes quiet, while its request body is read: nginx 1.22.1 logs the request (400, or
/// 408 at client_body_timeout) with nothing sent, and writes its info line for a close or a reset. Checked side by
/// side with nginx 1.22.1 (audit F, finding 1): switchyard logged no access line for a close or a reset, and no
/// error line for a close.
extension RequestBodyTests {
    /// How the client ends: a FIN, or a RST (SO_LINGER 0).
    enum ClientEnd: String, CaseIterable { case close, reset }

    private static let aborting = "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + String(repeating: "a", count: 5000)

    /// A proxy logging `$status $body_bytes_sent "$request" $request_length [$upstream_addr] [$upstream_status]` to
    /// `dir`/access.log: `/up` buffers the body (the default), `/stream/` streams it (proxy_request_buffering off).
    private static func logged(_ dir: String, _ backend: MockBackend, _ extra: String = "") throws -> Fixture {
        try Fixture(http: """
            log_format body '$status $body_bytes_sent "$request" $request_length [$upstream_addr] [$upstream_status]';
            \(extra)
            server {
                listen 127.0.0.1:PORT;
                access_log \(dir)/access.log body;
                location / { proxy_pass http://\(backend.address); }
                location /stream/ { proxy_pass http://\(backend.address); proxy_http_version 1.1; proxy_request_buffering off; }
                location = /ret { return 200 "r"; }
            }
            """)
    }

    private static func end(_ c: TestClient, _ how: ClientEnd) {
        if how == .reset {
            var l = linger(l_onoff: 1, l_linger: 0)
            setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
        }
        c.close()
    }

    /// The error log's lines that name `request`, without their time and pid.
    private static func lines(_ f: Fixture, naming request: String) -> [String] {
        f.errorLog().split(separator: "\n").filter { $0.contains("request: \"\(request)\"") }.map { line in
            guard let bracket = line.range(of: "[") else { return String(line) }
            return String(line[bracket.lowerBound...])
        }
    }

    /// The upload is buffered (nothing went upstream yet): 400 with no bytes sent, `client prematurely closed
    /// connection` or `recv() failed (104: …)` at info with no phase named, and the backend never contacted.
    @Test(arguments: ClientEnd.allCases) func aBufferedUploadTheClientAbandonsIsLoggedAs400(how: ClientEnd) throws {
        let backend = try MockBackend(name: "b") { _ in MockResponse(text: "ok") }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try Self.logged(dir, backend)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send(Self.aborting)
        usleep(300_000)   // the head and the first body bytes are read
        Self.end(c, how)
        #expect(eventually { ((try? TempDir.read(dir + "/access.log")) ?? "").contains("\n") })
        #expect(try TempDir.read(dir + "/access.log") == "400 0 \"POST /up HTTP/1.1\" 5054 [-] [-]\n")
        let message = how == .close ? "client prematurely closed connection" : "recv() failed (104: Connection reset by peer)"
        let seen = Self.lines(f, naming: "POST /up HTTP/1.1")
        #expect(seen.count == 1 && seen[0].hasPrefix("[info] ") && seen[0].contains(" \(message), client: 127.0.0.1, server: "),
                "\(seen)")
        #expect(backend.connections == 0)
    }

    /// The body streams upstream (proxy_request_buffering off): still 400 with nothing sent to the client, the
    /// upstream try in the log, and nginx's line names the upstream phase ("while sending request to upstream").
    @Test(arguments: ClientEnd.allCases) func aStreamedUploadTheClientAbandonsIsLoggedAs400(how: ClientEnd) throws {
        let backend = try MockBackend(name: "b") { _ in MockResponse(text: "ok") }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try Self.logged(dir, backend)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send(Self.aborting.replacingOccurrences(of: "/up", with: "/stream/up"))
        #expect(eventually { backend.connections == 1 })
        usleep(200_000)
        Self.end(c, how)
        #expect(eventually { ((try? TempDir.read(dir + "/access.log")) ?? "").contains("\n") })
        #expect(try TempDir.read(dir + "/access.log") == "400 0 \"POST /stream/up HTTP/1.1\" 5061 [\(backend.address)] [-]\n")
        let message = how == .close ? "client prematurely closed connection" : "recv() failed (104: Connection reset by peer)"
        let seen = Self.lines(f, naming: "POST /stream/up HTTP/1.1")
        #expect(seen.count == 1 && seen[0].hasPrefix("[info] ")
                && seen[0].contains(" \(message) while sending request to upstream, client: 127.0.0.1, server: ")
                && seen[0].contains(", upstream: \"http://\(backend.address)/stream/up\""), "\(seen)")
        #expect(eventually { backend.openConnections == 0 })   // the upstream connection is closed, not kept
        #expect(backend.requests == 0)
    }

    /// client_body_timeout: 408 with nothing sent, and, as nginx 1.22.1 (ngx_http_read_client_request_body_handler
    /// logs nothing), no error log line; buffered, the backend is never contacted.
    @Test func anUploadThatTimesOutIsLoggedAs408WithNoErrorLine() throws {
        let backend = try MockBackend(name: "b") { _ in MockResponse(text: "ok") }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try Self.logged(dir, backend, "client_body_timeout 300ms;")
        defer { f.proxy.stop() }
        let buffered = try f.client()
        try buffered.send(Self.aborting)
        #expect(buffered.closedByServer(reset: false))
        #expect(backend.connections == 0)
        let streamed = try f.client()
        try streamed.send(Self.aborting.replacingOccurrences(of: "/up", with: "/stream/up"))
        #expect(streamed.closedByServer(reset: false))
        #expect(eventually { ((try? TempDir.read(dir + "/access.log")) ?? "").split(separator: "\n").count == 2 })
        #expect(try TempDir.read(dir + "/access.log") == """
            408 0 "POST /up HTTP/1.1" 5054 [-] [-]
            408 0 "POST /stream/up HTTP/1.1" 5061 [\(backend.address)] [-]

            """)
        #expect(Self.lines(f, naming: "POST /up HTTP/1.1").isEmpty, "\(f.errorLog())")
        #expect(Self.lines(f, naming: "POST /stream/up HTTP/1.1").isEmpty, "\(f.errorLog())")
        #expect(backend.requests == 0)
    }

    /// A connection closed between requests logs nothing more, and a request answered before the client went
    /// away (its body left unread) is logged once, as itself (nginx's lines).
    @Test func aCloseAfterAnAnswerLogsNothingMore() throws {
        let backend = try MockBackend(name: "b") { _ in MockResponse(text: "ok") }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try Self.logged(dir, backend, "")
        defer { f.proxy.stop() }
        for how in ClientEnd.allCases {
            let c = try f.client()
            try c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try c.readResponse().status == 200)
            Self.end(c, how)
            let unread = try f.client()
            try unread.send(Self.aborting.replacingOccurrences(of: "/up", with: "/ret"))
            #expect(try unread.readResponse().status == 200)
            Self.end(unread, how)
        }
        // A kept-alive connection: its second request, cut mid-body, is logged as well (as a request of its own).
        let kept = try f.client()
        try kept.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try kept.readResponse().status == 200)
        try kept.send(Self.aborting)
        usleep(300_000)
        kept.close()
        #expect(eventually { ((try? TempDir.read(dir + "/access.log")) ?? "").split(separator: "\n").count == 6 })
        usleep(300_000)   // time for a second line, were one written
        #expect(try TempDir.read(dir + "/access.log") == """
            200 2 "GET /a HTTP/1.1" 28 [\(backend.address)] [200]
            200 1 "POST /ret HTTP/1.1" 55 [-] [-]
            200 2 "GET /a HTTP/1.1" 28 [\(backend.address)] [200]
            200 1 "POST /ret HTTP/1.1" 55 [-] [-]
            200 2 "GET /a HTTP/1.1" 28 [\(backend.address)] [200]
            400 0 "POST /up HTTP/1.1" 5054 [-] [-]

            """)
    }
}

/// An upstream that keeps the bytes of one request (up to its last chunk) and answers 200.
final class RawBackend: @unchecked Sendable {
    let port: UInt16
    private let listenFD: Int32
    private let running = Atomic<Bool>(true)
    private let ready = Atomic<Bool>(false)
    private var bytes: [UInt8] = []   // written once before `ready` is set, read after
    private var thread: WorkerThread?

    /// The request's bytes, once they all came (empty if they did not within ten seconds).
    var received: [UInt8] { eventually { ready.load(ordering: .acquiring) } ? bytes : [] }

    init() throws {
        listenFD = try Socket.listen(SocketAddress.parse("127.0.0.1:0")!, backlog: 8, reusePort: false)
        port = Socket.localAddress(listenFD)!.port
        let me = RawBox(self)
        thread = WorkerThread.spawn { me.value.serve() }
    }

    private func serve() {
        var fd: Int32 = -1
        for _ in 0..<20_000 where running.load(ordering: .relaxed) {   // bounded: 20 s
            if case .accepted(let a, _) = Socket.accept(listenFD) { fd = a; break }
            usleep(1000)
        }
        guard fd >= 0 else { return }
        var seen: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        reading: for _ in 0..<20_000 where running.load(ordering: .relaxed) {
            switch Syscall.read(fd, into: &chunk, count: chunk.count) {
            case .done(let n): seen.append(contentsOf: chunk[0..<n])
            case .wouldBlock: usleep(1000)
            case .eof, .error: break reading
            }
            if seen.count >= 5 && Array(seen.suffix(5)) == Array("0\r\n\r\n".utf8) { break }
        }
        bytes = seen
        ready.store(true, ordering: .releasing)
        _ = Syscall.writeAll(fd, Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
        Syscall.close(fd)
    }

    func stop() {
        running.store(false, ordering: .relaxed)
        thread?.join()
        thread = nil
        Syscall.close(listenFD)
    }
}

private struct RawBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
