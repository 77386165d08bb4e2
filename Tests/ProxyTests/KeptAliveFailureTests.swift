import Glibc
import Locking
import SwitchyardTestSupport
import Testing

/// Failures on an upstream connection the proxy kept alive, and answers that come before the request is out.
@Suite(.serialized) struct KeptAliveFailureTests {
    /// A backend that answers `/warm` (leaving a kept-alive connection in the pool) and, the first time it sees
    /// any other target, fails as `fail` says after reading the whole request; after that it answers.
    private static func flaky(_ fail: @escaping @Sendable (inout MockResponse) -> Void) throws -> MockBackend {
        let failed = Lock<Set<String>>([])
        return try MockBackend(name: "flaky") { req in
            var r = MockResponse(text: "\(req.method) \(req.target) \(req.body.count)")
            if req.target != "/warm", failed.withLock({ $0.insert(req.target).inserted }) { fail(&r) }
            return r
        }
    }

    private static func fixture(_ backend: MockBackend) throws -> Fixture {
        try Fixture(http: """
            log_format tries "$request_method $uri $status $upstream_status";
            upstream app { server \(backend.address); keepalive 4; }
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            server {
                listen 127.0.0.1:PORT;
                access_log logs/access.log tries;
                location / { proxy_pass http://app; }
                location /off/ { proxy_pass http://app; proxy_next_upstream off; }
                location /ni/ { proxy_pass http://app; proxy_next_upstream error timeout non_idempotent; }
            }
            """)
    }

    /// `method path` on one client connection, after a /warm that leaves the proxy a kept-alive connection.
    private static func afterWarm(_ f: Fixture, _ method: String, _ path: String) throws -> TestResponse {
        let c = try f.client()
        defer { c.close() }
        try c.send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try c.readResponse().status == 200)
        let body = method == "GET" ? "" : "Content-Length: 3\r\n\r\nx=1"
        try c.send("\(method) \(path) HTTP/1.1\r\nHost: x\r\n\(body.isEmpty ? "\r\n" : body)")
        return try c.readResponse()
    }

    /// How the server fails the request it took on a kept-alive connection: it closes without an answer, or
    /// after part of the head (nginx's cached-connection error covers both).
    enum Failure: String, CaseIterable, Sendable { case closes, cutsTheHead }

    /// The server takes the request on a kept-alive connection and fails it. nginx's rule for a cached
    /// connection: one more try, but only as proxy_next_upstream allows, so a POST the server may have acted on
    /// is not sent again (unless non_idempotent). It was: every POST twice, even with `proxy_next_upstream off`,
    /// and neither the log nor $upstream_status showed it; and a head cut short was a 502 for any request.
    @Test(arguments: Failure.allCases)
    func aRequestLostOnAKeptAliveConnectionIsResentOnlyWhereNextUpstreamAllows(_ failure: Failure) throws {
        let backend = try Self.flaky { r in if failure == .closes { r.dropConnection = true } else { r.cutAfter = 20 } }
        defer { backend.stop() }
        let f = try Self.fixture(backend)
        defer { f.proxy.stop() }

        let get = try Self.afterWarm(f, "GET", "/page")
        #expect(get.status == 200 && get.text == "GET /page 0")
        let post = try Self.afterWarm(f, "POST", "/order")
        #expect(post.status == 502)
        let off = try Self.afterWarm(f, "GET", "/off/page")
        #expect(off.status == 502)
        let allowed = try Self.afterWarm(f, "POST", "/ni/order")
        #expect(allowed.status == 200 && allowed.text == "POST /ni/order 3")

        let seen = backend.received.map { "\($0.method) \($0.target)" }.filter { !$0.hasSuffix("/warm") }
        #expect(seen == ["GET /page", "GET /page", "POST /order", "GET /off/page", "POST /ni/order", "POST /ni/order"])
        let log = f.logFile("logs/access.log", containing: "/ni/order 200")
        for line in ["GET /page 200 502, 200", "POST /order 502 502", "GET /off/page 502 502", "POST /ni/order 200 502, 200"] {
            #expect(log.contains(line + "\n"), "\(line) in \(log)")
        }
        let closed = f.errorLog().split(separator: "\n").filter {
            $0.contains("upstream prematurely closed connection while reading response header from upstream")
        }
        #expect(closed.count == 4, "\(f.errorLog())")
    }

    /// The server answers an upload before reading it (a 413, and then it reads nothing more): the answer reaches
    /// the client at once, as nginx relays it, on a new connection as on a kept-alive one, and that connection is
    /// not used again (the server would read the rest of the body as the next request). The answer was read
    /// only after the whole body had gone up, so the client got a 504 after proxy_send_timeout instead.
    @Test func anAnswerBeforeTheBodyIsOutIsRelayed() throws {
        let backend = try MockBackend(name: "refuses") { req in
            req.method == "POST" ? MockResponse(status: 413, text: "too large here") : MockResponse(text: "fine")
        }
        backend.answerBeforeBody()
        defer { backend.stop() }
        let f = try Fixture(http: """
            client_max_body_size 0;
            proxy_read_timeout 5s;
            upstream fresh { server \(backend.address); }
            upstream pooled { server \(backend.address); keepalive 4; }
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://fresh; proxy_request_buffering off; }
                location /pooled/ { proxy_pass http://pooled; proxy_request_buffering off; }
            }
            """)
        defer { f.proxy.stop() }
        let body = [UInt8](repeating: 0x61, count: 32 << 20)   // more than the sockets between hold
        for prefix in ["", "/pooled"] {
            let c = try f.client()
            defer { c.close() }
            try c.send("GET \(prefix)/warm HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try c.readResponse().text == "fine")
            try c.send("POST \(prefix)/upload HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.count)\r\n\r\n")
            try c.send(body)   // returns once the proxy drains it, after the answer (lingering close)
            let r = try c.readResponse()
            #expect(r.status == 413 && r.text == "too large here", "\(prefix)")
            #expect(r.header("Connection") == "close", "\(prefix)")
            let next = try f.get("\(prefix)/next")
            #expect(next.status == 200 && next.text == "fine", "\(prefix)")
        }
        #expect(!f.errorLog().contains("while sending request to upstream"), "\(f.errorLog())")
    }

    /// A 101 to a request that did not ask to switch is relayed as the bodyless answer it is (nginx's way, and its
    /// proxy_upgrade.t), but the connection, now another protocol's, never goes back to the pool. It was pooled,
    /// so the next client's request went into it.
    @Test func anUnaskedSwitchIsRelayedAndItsConnectionNotPooled() throws {
        // The other protocol's bytes come a moment after the 101 (held until the gate opens), once the next
        // request could have taken the connection.
        let gate = MockGate()
        let backend = try MockBackend(name: "switches") { req in
            guard req.target == "/switch" else { return MockResponse(text: "plain \(req.target)") }
            return MockResponse(status: 101, headers: [("Upgrade", "foo"), ("Connection", "upgrade")],
                                hold: MockHold(gate: gate, rest: Array("TUNNEL-BYTES".utf8)))
        }
        defer { gate.open(); backend.stop() }
        let f = try Self.fixture(backend)
        defer { f.proxy.stop() }
        #expect(try f.get("/switch").status == 101)
        let c = try f.client()
        defer { c.close() }
        try c.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
        usleep(100_000)
        gate.open()
        let next = try c.readResponse()
        #expect(next.status == 200 && next.text == "plain /after")
        #expect(backend.connections == 2, "the switched connection was used again")
    }

    /// A read timeout once the answer streams is nginx's "while reading upstream", not the head's phase.
    @Test func aTimeoutInTheBodyNamesItsPhase() throws {
        let gate = MockGate()
        let backend = try MockBackend(name: "stalls") { _ in
            MockResponse(body: Array("first part ".utf8), hold: MockHold(gate: gate, rest: Array("never".utf8)))
        }
        defer { gate.open(); backend.stop() }
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://\(backend.address); proxy_read_timeout 200ms; } }
            """)
        defer { f.proxy.stop() }
        _ = try? f.raw("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        let log = f.logFile("logs/error.log", containing: "upstream timed out")
        #expect(log.contains("upstream timed out (110: Connection timed out) while reading upstream"), "\(log)")
        #expect(!log.contains("while reading response header from upstream"), "\(log)")
    }
}
