import Glibc
import EventLoop
import SwitchyardTestSupport
import Testing

/// Strictness: every malformed request gets its status and the connection is closed.
@Suite(.serialized) struct ProxyErrorsTests {
    static let rows: [(String, String, Int)] = [
        ("CL and TE", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("duplicate CL", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400),
        ("obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n  b\r\n\r\n", 400),
        ("space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
        ("no Host in 1.1", "GET / HTTP/1.1\r\n\r\n", 400),
        ("bare CR", "GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", 400),
        ("unknown coding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        ("HTTP/2.0 on 1.x", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        ("too long URI", "GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        ("too long header", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "b", count: 9000) + "\r\n\r\n", 431),
        ("too large body", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", 413),
    ]

    @Test func malformedRequestsAreRejectedAndClosed() throws {
        let backend = try MockBackend(name: "b") { _ in MockResponse(text: "must not be reached") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            client_max_body_size 1m;
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://\(backend.address); } }
            """)
        defer { f.proxy.stop() }
        for (name, raw, status) in Self.rows {
            let c = try f.client()
            try c.send(raw)
            let r = try c.readResponse()
            #expect(r.status == status, "\(name)")
            #expect(r.header("Connection") == "close", "\(name)")
            #expect(c.isClosedByPeer(), "\(name)")
        }
        #expect(backend.requests == 0)
        #expect(f.errorLog().contains("[info]"))
    }

    /// nginx sends nothing to a client whose head or body times out: the connection closes (a RST with
    /// reset_timedout_connection on) and the access log has the request as 408.
    @Test func aSlowClientIsClosedAndLoggedAs408() throws {
        let dir = try TempDir.make()
        let reset = freePort()
        let f = try Fixture(http: """
            client_header_timeout 200ms; client_body_timeout 200ms;
            log_format timed '$status "$request"';
            access_log \(dir)/access.log timed;
            server { listen 127.0.0.1:PORT; location / { return 200 "ok"; } location /body { proxy_pass http://127.0.0.1:1; } }
            server {
                listen 127.0.0.1:\(reset); reset_timedout_connection on;
                location / { return 200 "ok"; } location /close { return 444; }
            }
            """)
        defer { f.proxy.stop() }
        let head = try f.client()
        try head.send("GET /slow HTTP/1.1\r\nHost: x\r\n")   // never finished
        #expect(head.closedByServer(reset: false))
        let body = try f.client()
        try body.send("POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab")
        #expect(body.closedByServer(reset: false))
        let idle = try f.client()   // nothing sent: closed, and no request to log
        #expect(idle.closedByServer(reset: false))
        let resetHead = try TestClient(port: reset)
        try resetHead.send("GET /slow HTTP/1.1\r\nHost: x\r\n")
        #expect(resetHead.closedByServer(reset: true))
        let closed = try TestClient(port: reset)
        try closed.send("GET /close HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(closed.closedByServer(reset: true))
        let log = try TempDir.read(dir + "/access.log")
        #expect(log.split(separator: "\n").filter { $0 == "408 \"GET /slow HTTP/1.1\"" }.count == 2, "\(log)")
        #expect(log.contains("408 \"POST /body HTTP/1.1\"\n"))
        #expect(log.contains("444 \"GET /close HTTP/1.1\"\n"))
        #expect(log.split(separator: "\n").count == 4)
    }
}

extension ProxyErrorsTests {
    /// A backend that answers after 1.5 s, behind a proxy with `timeout` (a timeout directive) at the http level.
    private static func slowlyAnswered(_ timeout: String) throws -> (MockBackend, Fixture) {
        let backend = try MockBackend(name: "slow") { req in
            usleep(1_500_000)
            return MockResponse(text: "took a while for \(req.body.count) bytes")
        }
        do {
            let f = try Fixture(http: """
                \(timeout)
                server { listen 127.0.0.1:PORT; location / { proxy_pass http://\(backend.address); } }
                """)
            return (backend, f)
        } catch {
            backend.stop()
            throw error
        }
    }

    /// Once a request's body is read, nothing times the client while the upstream works (nginx sets no client
    /// read timer then): a POST whose answer takes longer than client_header_timeout still gets it. The
    /// connection used to close silently at client_header_timeout.
    @Test func aSlowAnswerToAPostIsNotCutByTheHeadTimeout() throws {
        let (backend, f) = try Self.slowlyAnswered("client_header_timeout 500ms;")
        defer { backend.stop(); f.proxy.stop() }
        let c = try f.client()
        try c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
        let r = try c.readResponse()
        #expect(r.status == 200)
        #expect(r.text == "took a while for 5 bytes")
    }

    /// The same once the connection has waited between requests: the keep-alive timeout it was watched with is
    /// gone when the next request is under way. The reader's libevent timeout stayed (re-armed without one, a
    /// persistent event keeps it and adds it again at every wake-up), and a second request whose answer took
    /// longer than keepalive_timeout was cut with nothing sent.
    @Test func aSlowAnswerOnAKeptAliveConnectionIsNotCutByTheKeepAliveTimeout() throws {
        let (backend, f) = try Self.slowlyAnswered("keepalive_timeout 600ms;")
        defer { backend.stop(); f.proxy.stop() }
        let c = try f.client()
        for _ in 0..<2 {
            try c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            let r = try c.readResponse()
            #expect(r.status == 200 && r.text == "took a while for 0 bytes")
        }
    }

    /// And once a body that came after the head is read: client_body_timeout times the reads of the body, not
    /// the wait for the answer (the same leftover timeout closed the connection after it).
    @Test func aSlowAnswerIsNotCutByTheBodyTimeout() throws {
        let (backend, f) = try Self.slowlyAnswered("client_body_timeout 600ms;")
        defer { backend.stop(); f.proxy.stop() }
        let c = try f.client()
        try c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n")
        usleep(200_000)   // the body in a read of its own: the reader waits for it with client_body_timeout
        try c.send("hello")
        let r = try c.readResponse()
        #expect(r.status == 200 && r.text == "took a while for 5 bytes")
    }
}

/// A host that is down, or behind a firewall that drops: a listening socket whose accept queue is full, so the
/// kernel drops every further SYN and a connect to it neither succeeds nor fails.
private final class BlackHole {
    let address: String
    private var fds: [Int32] = []

    init() throws {
        let listen = try Socket.listen(SocketAddress.parse("127.0.0.1:0")!, backlog: 0, reusePort: false)
        fds.append(listen)
        let at = Socket.localAddress(listen)!
        address = "127.0.0.1:\(at.port)"
        for _ in 0..<4 {   // the first fills the queue; the rest wait on their SYNs, as the proxy's will
            if case .inProgress(let fd) = Socket.connect(at) { fds.append(fd) }
        }
    }

    func close() { for fd in fds { Syscall.close(fd) } }
}

extension ProxyErrorsTests {
    /// proxy_connect_timeout bounds a connect that never completes: the request goes on to the next server (a
    /// node that died without a word, the failover case; a session of that node's too), or is a 504 with nginx's
    /// log line when there is none; over TLS too. The connect timeout was swallowed: such a request waited until
    /// the kernel gave up (minutes).
    @Test func aConnectThatNeverCompletesTimesOutAndFailsOver() throws {
        let hole = try BlackHole()
        defer { hole.close() }
        let backend = try MockBackend(name: "alive") { _ in MockResponse(text: "from the live node") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            proxy_connect_timeout 300ms;
            upstream pair { server \(hole.address); server \(backend.address); }
            upstream cluster {
                jvm_route $cookie_JSESSIONID reverse;
                server \(hole.address) srun_id=tomcat1; server \(backend.address) srun_id=tomcat2;
            }
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://pair; }
                location /app { proxy_pass http://cluster; }
                location /alone { proxy_pass http://\(hole.address); }
                location /tls { proxy_pass https://\(hole.address); }
            }
            """)
        defer { f.proxy.stop() }
        for _ in 0..<2 {
            let r = try f.get("/")
            #expect(r.status == 200 && r.text == "from the live node")
        }
        let session = try f.get("/app", headers: ["Cookie": "JSESSIONID=ABC.tomcat1"])
        #expect(session.status == 200 && session.text == "from the live node")
        for path in ["/alone", "/tls"] {
            let start = Clock.monotonicNanos()
            let r = try f.get(path)
            let took = (Clock.monotonicNanos() - start) / 1_000_000
            #expect(r.status == 504, "\(path)")
            #expect(took >= 300 && took < 3_000, "\(path) took \(took) ms")
        }
        let timedOut = f.errorLog().split(separator: "\n").filter {
            $0.contains("upstream timed out (110: Connection timed out) while connecting to upstream")
        }
        #expect(timedOut.count == 4, "\(f.errorLog())")
    }
}

extension ProxyErrorsTests {
    /// Bytes after the end of a body (more than Content-Length says, or after the last chunk) get nginx's warning,
    /// and the connection is not used again: each next request gets its own answer, never the extra bytes.
    @Test func extraBytesAfterABodyAreWarnedAndTheConnectionIsNotReused() throws {
        let forged = Array("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged".utf8)
        let backend = try MockBackend(name: "sloppy") { req in
            var r = MockResponse(body: Array("hello \(req.target)".utf8), chunked: req.target == "/chunked")
            if req.target != "/clean" { r.trailing = forged }
            return r
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            upstream app { server \(backend.address); keepalive 4; }
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; }
            }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        for path in ["/length", "/clean", "/chunked", "/clean"] {
            try c.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
            let r = try c.readResponse()
            #expect(r.status == 200 && r.text == "hello \(path)")
        }
        let warnings = f.errorLog().split(separator: "\n").filter { $0.contains("[warn]") }
        #expect(warnings.count == 2, "\(f.errorLog())")
        #expect(warnings.first?.contains("upstream sent more data than specified in \"Content-Length\" header while reading upstream") == true)
        #expect(warnings.last?.contains("upstream sent data after final chunk while reading upstream") == true)
    }
}

extension ProxyErrorsTests {
    /// A request's error lines end as nginx's do (ngx_http_log_error): client, server, request, upstream, host
    /// and referrer, so a line names its backend and fail2ban's filters (`limiting requests, … client: <HOST>,`)
    /// match; before a request there is only the client and the listening address. The lines ended at the
    /// message.
    @Test func errorLinesCarryNginxsRequestContext() throws {
        let dead = deadPort()
        let f = try Fixture(http: """
            limit_req_zone $binary_remote_addr zone=one:1m rate=1r/m;
            upstream grp { server 127.0.0.1:\(dead); }
            server {
                listen 127.0.0.1:PORT;
                server_name example.com www.example.com;
                client_header_timeout 200ms;
                location / { proxy_pass http://grp; }
                location /unix { proxy_pass http://unix:/nonexistent.sock; }
                location /limited { limit_req zone=one; proxy_pass http://grp; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try TestClient.get(port: f.port, "/a?b=1", host: "x", headers: ["Referer": "http://ref/"]).status == 502)
        #expect(try TestClient.get(port: f.port, "/unix/p", host: "x").status == 502)
        #expect(try TestClient.get(port: f.port, "/limited", host: "x").status == 502)   // passed the limit
        #expect(try TestClient.get(port: f.port, "/limited", host: "x").status == 503)
        let idle = try f.client()   // sends nothing: client_header_timeout, logged before any request
        defer { idle.close() }
        let log = f.logFile("logs/error.log", containing: "while waiting for request")
        let refused = "connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, "
            + "server: example.com, request: \"GET /a?b=1 HTTP/1.1\", upstream: \"http://127.0.0.1:\(dead)/a?b=1\", "
            + "host: \"x\", referrer: \"http://ref/\"\n"
        #expect(log.contains(refused), "\(log)")
        #expect(log.contains("while connecting to upstream, client: 127.0.0.1, server: example.com, request: \"GET /unix/p HTTP/1.1\", "
            + "upstream: \"http://unix:/nonexistent.sock:/unix/p\", host: \"x\"\n"), "\(log)")
        #expect(log.contains("limiting requests, excess: 1.000 by zone \"one\", client: 127.0.0.1, server: example.com, "
            + "request: \"GET /limited HTTP/1.1\", host: \"x\"\n"), "\(log)")
        #expect(log.contains("client timed out (110: Connection timed out) while waiting for request, "
            + "client: 127.0.0.1, server: 127.0.0.1:\(f.port)\n"), "\(log)")
    }
}

extension ProxyErrorsTests {
    /// A failure that takes a server to max_fails is warned as nginx warns it, with the request's context; a lone
    /// server is never counted, so never warned. There was no such line: a server left the rotation silently.
    @Test func aServerTakenOutByItsFailuresIsWarned() throws {
        let dead = deadPort()
        let backend = try MockBackend(name: "alive") { _ in MockResponse(text: "alive") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            upstream pair { server 127.0.0.1:\(dead); server \(backend.address); }
            upstream lone { server 127.0.0.1:\(dead); }
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://pair; }
                location /lone { proxy_pass http://lone; }
            }
            """)
        defer { f.proxy.stop() }
        for _ in 0..<2 { #expect(try f.get("/").text == "alive") }
        #expect(try f.get("/lone").status == 502)
        let warnings = f.errorLog().split(separator: "\n").filter { $0.contains("[warn]") }
        #expect(warnings.count == 1, "\(f.errorLog())")
        #expect(warnings.first?.contains("upstream server temporarily disabled while connecting to upstream, client: 127.0.0.1, "
            + "server: , request: \"GET / HTTP/1.1\", upstream: \"http://127.0.0.1:\(dead)/\"") == true, "\(f.errorLog())")
    }
}

extension ProxyErrorsTests {
    /// A NUL a client sends (quoted back in the line's `request: "…"`) is written like any byte: each error line
    /// ends with its own line feed. The line ended at the NUL, without one, and the next was glued onto it.
    @Test func aNulInARequestLineDoesNotCutTheLogLine() throws {
        let f = try Fixture(http: "server { listen 127.0.0.1:PORT; location / { return 200; } }")
        defer { f.proxy.stop() }
        for _ in 0..<2 { _ = try f.raw("G\u{1}T\u{0}X / HTTP/1.1\r\nHost: x\r\n\r\n") }
        _ = f.logFile("logs/error.log", containing: "invalid")
        // Read as bytes: a String made from a C string would itself stop at the NUL.
        let fd = open(f.proxy.prefix + "/logs/error.log", O_RDONLY)
        var bytes: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 65536)
        while fd >= 0 { let n = read(fd, &chunk, chunk.count); if n <= 0 { break }; bytes += chunk[0..<n] }
        if fd >= 0 { close(fd) }
        let refused = bytes.split(separator: 10).map { String(decoding: $0, as: UTF8.self) }.filter { $0.contains("client sent invalid") }
        #expect(refused.count == 2, "\(refused)")
        #expect(refused.allSatisfy { $0.hasPrefix("20") && $0.hasSuffix("request: \"G\u{1}T\u{0}X / HTTP/1.1\"") }, "\(refused)")
    }
}
