import Glibc
import SwitchyardTestSupport
import Testing

/// `post_action` end to end: once the response is out, its URI (or named location) is asked with the request's
/// method and without its args; what it answers never reaches the client, and the connection's next request
/// waits for it.
@Suite(.serialized) struct PostActionTests {
    /// The application, and the post action's backend, which records what it was asked.
    static func backends() throws -> (MirrorTests.Seen, MockBackend, MockBackend) {
        let seen = MirrorTests.Seen()
        let after = try MockBackend(name: "after") { req in
            seen.add("\(req.method) \(req.target)")
            return MockResponse(text: "HIDDEN")
        }
        let app = try MockBackend(name: "app") { req in MockResponse(text: "app \(req.target)") }
        return (seen, after, app)
    }

    @Test func thePostActionRunsAfterTheResponseAndIsDiscarded() throws {
        let (seen, after, app) = try Self.backends()
        defer { after.stop(); app.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / { post_action /after; proxy_pass http://\(app.address); }
                location /named { post_action @after; proxy_pass http://\(app.address); }
                location /none { post_action off; proxy_pass http://\(app.address); }
                location /after { internal; proxy_pass http://\(after.address); }
                location @after { proxy_pass http://\(after.address); }
            }
            """)
        defer { f.proxy.stop() }

        let c = try f.client()
        try c.send("POST /a?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi")
        let r = try c.readResponse()
        #expect(r.status == 200 && r.text == "app /a?x=1")
        #expect(eventually { seen.all == ["POST /after"] })   // the method, no args
        // The same connection's next request is answered once the post action is done, with nothing of it.
        try c.send("GET /named?y=2 HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(try c.readResponse().text == "app /named?y=2")
        #expect(eventually { seen.all == ["POST /after", "GET /named"] })   // a named location keeps the URI
        try c.send("GET /none HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        #expect(try c.readResponse().text == "app /none")
        #expect(c.isClosedByPeer())
        #expect(seen.all.count == 2)
    }

    /// `post_action` in a location's `if` (nginx allows it there): the branch taken decides.
    @Test func aPostActionInAnIf() throws {
        let (seen, after, app) = try Self.backends()
        defer { after.stop(); app.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / { if ($arg_track) { post_action /after; } proxy_pass http://\(app.address); }
                location /after { internal; proxy_pass http://\(after.address); }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/a").text == "app /a")
        #expect(try f.get("/b?track=1").text == "app /b?track=1")
        #expect(eventually { seen.all == ["GET /after"] })
    }
}
