import Digest
import Glibc
import Synchronization
import SwitchyardTestSupport
import Testing

/// ngx_http_mirror_module end to end: the mirrors see the request's method, args and body (when asked), their
/// answers are dropped, the client's answer does not wait for them, and its next request does.
@Suite(.serialized) struct MirrorTests {
    /// What the shadow backend was sent, in order.
    final class Seen: Sendable {
        private let lines = Mutex<[String]>([])
        func add(_ s: String) { lines.withLock { $0.append(s) } }
        var all: [String] { lines.withLock { $0 } }
    }

    static func config(app: MockBackend, shadow: MockBackend) -> String {
        """
        log_format m "$uri?$args $request_method";
        server {
            listen 127.0.0.1:PORT;
            location / { mirror /shadow; mirror /shadow/2; proxy_pass http://\(app.address); }
            location /nobody { mirror /shadow; mirror_request_body off; proxy_pass http://\(app.address); }
            location /off { mirror off; proxy_pass http://\(app.address); }
            location /shadow {
                internal;
                log_subrequest on;
                access_log logs/mirror.log m;
                proxy_pass http://\(shadow.address);
            }
        }
        """
    }

    @Test func mirrorsGetTheMethodArgsAndBody() throws {
        let seen = Seen()
        let shadow = try MockBackend(name: "shadow") { req in
            seen.add("\(req.method) \(req.target) \(String(decoding: req.body, as: UTF8.self))")
            return MockResponse(status: 500, text: "dropped")
        }
        let app = try MockBackend(name: "app") { req in
            MockResponse(text: "app \(req.method) \(req.target) \(String(decoding: req.body, as: UTF8.self))")
        }
        defer { shadow.stop(); app.stop() }
        let f = try Fixture(http: Self.config(app: app, shadow: shadow))
        defer { f.proxy.stop() }

        let c = try f.client()
        // The head first, the body in a second write: the mirrors wait for it, the app gets it too.
        try c.send("POST /a?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n")
        try c.send("hello")
        let r = try c.readResponse()
        #expect(r.status == 200 && r.text == "app POST /a?x=1 hello")
        #expect(eventually { seen.all.count == 2 })
        #expect(Set(seen.all) == ["POST /shadow?x=1 hello", "POST /shadow/2?x=1 hello"])

        try c.send("POST /nobody HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc")
        #expect(try c.readResponse().text == "app POST /nobody abc")
        #expect(eventually { seen.all.count == 3 })
        #expect(seen.all.last == "POST /shadow ")

        #expect(try f.get("/off").text == "app GET /off ")
        #expect(try f.get("/b").text == "app GET /b ")
        #expect(eventually { seen.all.count == 5 })
        #expect(shadow.requests == 5)
        let log = f.logFile("logs/mirror.log", containing: "/shadow/2?- GET\n")
        #expect(log.contains("/shadow?x=1 POST\n") && log.contains("/shadow/2?- GET\n"))
    }

    /// Bodies beyond client_body_buffer_size (16 KiB by default), by length and chunked: the proxy reads them whole
    /// (to its temp file), then each mirror sends the same bytes with a Content-Length, as nginx does.
    @Test func largeAndChunkedBodiesAreMirroredWhole() throws {
        let seen = Seen()
        let shadow = try MockBackend(name: "shadow") { req in
            seen.add("\(req.method) \(req.target) \(req.body.count) \(MD5.hex(req.body))")
            return MockResponse(text: "dropped")
        }
        let app = try MockBackend(name: "app") { req in
            MockResponse(text: "app \(req.body.count) \(MD5.hex(req.body))")
        }
        defer { shadow.stop(); app.stop() }
        let f = try Fixture(http: Self.config(app: app, shadow: shadow))
        defer { f.proxy.stop() }
        let big = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        let digest = MD5.hex(big)

        let c = try f.client()
        try c.send("PUT /upload HTTP/1.1\r\nHost: h\r\nContent-Length: \(big.count)\r\n\r\n")
        try c.send(big)
        #expect(try c.readResponse().text == "app \(big.count) \(digest)")
        #expect(eventually { seen.all.count == 2 })
        #expect(Set(seen.all) == ["PUT /shadow \(big.count) \(digest)", "PUT /shadow/2 \(big.count) \(digest)"])

        try c.send("POST /chunked HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
        var i = 0
        while i < big.count {
            let n = min(70_000, big.count - i)
            try c.send(Array(String(n, radix: 16).utf8) + [13, 10] + big[i..<(i + n)] + [13, 10])
            i += n
        }
        try c.send("0\r\n\r\n")
        #expect(try c.readResponse().text == "app \(big.count) \(digest)")
        #expect(eventually { seen.all.count == 4 })
        #expect(Set(seen.all.suffix(2)) == ["POST /shadow \(big.count) \(digest)", "POST /shadow/2 \(big.count) \(digest)"])
        #expect(f.errorLog().contains("a client request body is buffered to a temporary file"))
    }

    /// A body over client_max_body_size (1m by default) is refused before it is read, and no mirror is made for
    /// it, as nginx reads the body before it makes them.
    @Test func aRefusedBodyMakesNoMirror() throws {
        let seen = Seen()
        let shadow = try MockBackend(name: "shadow") { req in
            seen.add("\(req.method) \(req.target)")
            return MockResponse(text: "dropped")
        }
        let app = try MockBackend(name: "app") { _ in MockResponse(text: "app") }
        defer { shadow.stop(); app.stop() }
        let f = try Fixture(http: Self.config(app: app, shadow: shadow))
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 2000000\r\n\r\n")
        #expect(try c.readResponse().status == 413)
        // A later request's two mirrors arrive; the refused POST made none (they would have started first).
        #expect(try f.get("/after").text == "app")
        #expect(eventually { seen.all.count == 2 })
        #expect(Set(seen.all) == ["GET /shadow", "GET /shadow/2"])
        #expect(app.requests == 1)
    }

    /// A mirror that has not answered yet does not hold the client's answer; the next request on the connection
    /// is read once it has.
    @Test func theNextRequestWaitsForTheMirrors() throws {
        let gate = MockGate()
        let shadow = try MockBackend(name: "shadow") { _ in
            MockResponse(body: [], hold: MockHold(gate: gate, rest: Array("ok".utf8)))
        }
        let app = try MockBackend(name: "app") { req in MockResponse(text: "app \(req.target)") }
        defer { gate.open(); shadow.stop(); app.stop() }
        let f = try Fixture(http: Self.config(app: app, shadow: shadow))
        defer { f.proxy.stop() }

        let c = try f.client()
        try c.send("GET /one HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(try c.readResponse().text == "app /one")
        #expect(eventually { shadow.requests == 2 })
        try c.send("GET /two HTTP/1.1\r\nHost: h\r\n\r\n")
        usleep(100_000)   // not a race: the app must not have been asked while the mirrors are held
        #expect(app.requests == 1)
        gate.open()
        #expect(try c.readResponse().text == "app /two")
    }

    /// A client that closes once it has its answer, while the mirrors still run, ends neither them nor its
    /// request: as with nginx, the mirrors finish and both they and the request are logged.
    @Test func aClientThatLeavesLeavesTheMirrorsRunning() throws {
        let gate = MockGate()
        let shadow = try MockBackend(name: "shadow") { _ in
            MockResponse(body: [], hold: MockHold(gate: gate, rest: Array("ok".utf8)))
        }
        let app = try MockBackend(name: "app") { req in MockResponse(text: "app \(req.target)") }
        defer { gate.open(); shadow.stop(); app.stop() }
        let config = Self.config(app: app, shadow: shadow)
            .replacingOccurrences(of: "listen 127.0.0.1:PORT;", with: "listen 127.0.0.1:PORT; access_log logs/main.log m;")
        let f = try Fixture(http: config)
        defer { f.proxy.stop() }

        let c = try f.client()
        try c.send("GET /gone HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        #expect(try c.readResponse().text == "app /gone")
        #expect(eventually { shadow.requests == 2 })
        c.close()
        usleep(100_000)   // not a race: the proxy is to see the close while the mirrors are still held
        gate.open()
        let mirrored = f.logFile("logs/mirror.log", containing: "/shadow/2?- GET\n")
        #expect(mirrored.contains("/shadow?- GET\n") && mirrored.contains("/shadow/2?- GET\n"), "\(mirrored)")
        #expect(f.logFile("logs/main.log", containing: "/gone?- GET\n").contains("/gone?- GET\n"))
    }

    /// A mirror whose upstream cannot be reached answers its 502 into its own sink: the client's answers and the
    /// connection are untouched.
    @Test func aFailingMirrorLeavesTheClientAlone() throws {
        let app = try MockBackend(name: "app") { req in MockResponse(text: "app \(req.target)") }
        defer { app.stop() }
        let dead = freePort()
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / { mirror /dead; proxy_pass http://\(app.address); }
                location /dead { internal; proxy_pass http://127.0.0.1:\(dead); }
            }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        for i in 0..<3 {
            try c.send("GET /\(i) HTTP/1.1\r\nHost: h\r\n\r\n")
            let r = try c.readResponse()
            #expect(r.status == 200 && r.text == "app /\(i)")
        }
    }
}
