import Glibc
import SwitchyardTestSupport
import Testing

/// auth_request and auth_request_set end to end: the real binary in front of an auth server and an app, in the
/// shape of oauth2-proxy's documented nginx configuration.
@Suite(.serialized) struct AuthRequestTests {
    /// The auth server decides by the session cookie, and tells in `X-Seen` what its subrequest looked like.
    static func authServer() throws -> MockBackend {
        try MockBackend(name: "auth") { req in
            let cookie = req.header("Cookie") ?? ""
            let seen = "\(req.method) \(req.header("X-Original-URI") ?? "-") length=\(req.header("Content-Length") ?? "-") body=\(req.body.count)"
            if cookie.contains("session=slow") { return MockResponse(hang: true) }
            if cookie.contains("session=good") {
                return MockResponse(status: 202, headers: [("X-Auth-Request-User", "alice"), ("X-Seen", seen)], text: "AUTH-BODY")
            }
            if cookie.contains("session=forbidden") { return MockResponse(status: 403, text: "no") }
            if cookie.contains("session=broken") { return MockResponse(status: 404, text: "gone") }
            return MockResponse(status: 401, headers: [("WWW-Authenticate", "Bearer realm=\"a\""),
                                                       ("WWW-Authenticate", "Basic realm=\"b\""),
                                                       ("X-Auth-Request-User", "anon")], text: "who?")
        }
    }

    static func app() throws -> MockBackend {
        try MockBackend(name: "app") { req in
            MockResponse(text: "app \(req.method) \(req.target) user=\(req.header("X-User") ?? "-") body=\(String(decoding: req.body, as: UTF8.self))")
        }
    }

    /// Runs `body` with a switchyard in front of both servers, stopping all three after it.
    static func withServers(_ body: (Fixture, MockBackend, MockBackend) throws -> Void) throws {
        let auth = try Self.authServer(), app = try Self.app()
        defer { auth.stop(); app.stop() }
        let f = try Self.fixture(auth: auth.address, app: app)
        defer { f.proxy.stop() }
        try body(f, auth, app)
    }

    static func fixture(auth: String, app: MockBackend) throws -> Fixture {
        try Fixture(http: """
            limit_req_zone $binary_remote_addr zone=authz:1m rate=4r/s;
            server {
                listen 127.0.0.1:PORT;
                auth_request /oauth2/auth;
                auth_request_set $user $upstream_http_x_auth_request_user;
                auth_request_set $auth_status $upstream_status;
                auth_request_set $seen $upstream_http_x_seen;
                location / {
                    proxy_set_header X-User $user;
                    add_header X-Auth-Status $auth_status;
                    add_header X-Auth-Saw $seen;
                    error_page 401 = @signin;
                    proxy_pass http://\(app.address);
                }
                location /plain/ { proxy_pass http://\(app.address); }
                location /public/ { auth_request off; proxy_pass http://\(app.address); }
                location /lan/ { satisfy any; allow 127.0.0.1; deny all; proxy_pass http://\(app.address); }
                location /wan/ { satisfy any; deny all; proxy_pass http://\(app.address); }
                location /closed/ { deny all; proxy_pass http://\(app.address); }
                location = /oauth2/auth {
                    internal;
                    proxy_pass http://\(auth);
                    proxy_pass_request_body off;
                    proxy_set_header Content-Length "";
                    proxy_set_header X-Original-URI $request_uri;
                }
                location @signin { return 302 /oauth2/start?rd=$request_uri&user=$user; }
                location /files/ { auth_request /yes; root html; }
                location /files/no/ { auth_request /no; root html; }
                location /quick/ { auth_request /yes; proxy_pass http://\(app.address); }
                location /limited/ { auth_request /slowed; alias html/files/; }
                location = /slowed { limit_req zone=authz burst=5; alias html/files/a.txt; }
                location = /yes { return 204; }
                location = /no { return 403; }
            }
            """, files: ["html/files/a.txt": "file a\n"])
    }

    /// An answer auth_request does not take (`status`, logged): the client gets a 500, the app nothing.
    static func expectServerError(_ f: Fixture, _ app: MockBackend, cookie: String, saying status: Int) throws {
        #expect(try f.get("/plain/p", headers: ["Cookie": cookie]).status == 500)
        let log = f.logFile("logs/error.log", containing: "auth request unexpected status: \(status)")
        #expect(log.contains("auth request unexpected status: \(status)"))
        #expect(app.requests == 0)
    }

    @Test func aSessionTheAuthServerKnowsReachesTheAppWithItsVariables() throws {
        try Self.withServers { f, _, _ in
            let r = try f.get("/page?x=1", headers: ["Cookie": "session=good"])
            #expect(r.status == 200)
            #expect(r.text == "app GET /page?x=1 user=alice body=")
            #expect(r.header("X-Auth-Status") == "202")
            // The subrequest: a GET with the client's fields, its own X-Original-URI, no body; its body is not shown.
            #expect(r.header("X-Auth-Saw") == "GET /page?x=1 length=- body=0")
            #expect(!r.text.contains("AUTH-BODY"))
        }
    }

    /// A POST's body waits while the subrequest asks (without it), then goes to the app whole; the connection
    /// stays open for the next request.
    @Test func aBodyWaitsForTheAnswerAndGoesUpstreamWhole() throws {
        try Self.withServers { f, _, _ in
            let c = try f.client()
            for i in 0..<2 {
                try c.send("POST /form HTTP/1.1\r\nHost: a\r\nCookie: session=good\r\nContent-Length: 7\r\n\r\nfield=\(i)")
                let r = try c.readResponse()
                #expect(r.status == 200)
                #expect(r.text == "app POST /form user=alice body=field=\(i)")
                #expect(r.header("X-Auth-Saw") == "GET /form length=- body=0")
            }
        }
    }

    @Test func refusalsAreTheAuthServersOr500() throws {
        try Self.withServers { f, _, app in
            let unknown = try f.get("/plain/p")
            #expect(unknown.status == 401)
            #expect(unknown.headers("WWW-Authenticate") == ["Bearer realm=\"a\"", "Basic realm=\"b\""])
            #expect(!unknown.text.contains("who?"))
            let forbidden = try f.get("/plain/p", headers: ["Cookie": "session=forbidden"])
            #expect(forbidden.status == 403)
            #expect(forbidden.header("WWW-Authenticate") == nil)
            try Self.expectServerError(f, app, cookie: "session=broken", saying: 404)
        }
    }

    /// error_page 401 sends the browser to sign in, with what auth_request_set took from the 401.
    @Test func theErrorPageOfA401SeesTheSetVariables() throws {
        try Self.withServers { f, _, _ in
            let r = try f.get("/page")
            #expect(r.status == 302)
            #expect(r.header("Location")?.hasSuffix("/oauth2/start?rd=/page&user=anon") == true, "\(r.header("Location") ?? "")")
        }
    }

    @Test func anAuthServerThatIsDownIsA500() throws {
        let app = try Self.app()
        defer { app.stop() }
        let f = try Self.fixture(auth: "127.0.0.1:\(freePort())", app: app)
        defer { f.proxy.stop() }
        try Self.expectServerError(f, app, cookie: "session=good", saying: 502)
    }

    /// nginx's access phase: allow/deny first, then auth_request, combined by `satisfy`.
    @Test func satisfyCombinesItWithAllowAndDeny() throws {
        try Self.withServers { f, auth, _ in
            #expect(try f.get("/lan/p").status == 200)          // an allowed address suffices: no subrequest
            #expect(try f.get("/public/p").status == 200)       // auth_request off
            #expect(try f.get("/closed/p", headers: ["Cookie": "session=good"]).status == 403)   // all: deny is final
            #expect(auth.requests == 0)
            #expect(try f.get("/wan/p", headers: ["Cookie": "session=good"]).status == 200)      // any: the session suffices
            let refused = try f.get("/wan/p")
            #expect(refused.status == 401)                      // any: 401 before deny's 403, with the challenge
            #expect(refused.headers("WWW-Authenticate").count == 2)
            #expect(try f.get("/wan/p", headers: ["Cookie": "session=forbidden"]).status == 403)
            #expect(auth.requests == 3)
        }
    }

    /// A subrequest answered at once (`return` in its location) decides as well; a static file is sent after it.
    @Test func anAnswerMadeAtOnceDecidesToo() throws {
        let app = try Self.app()
        defer { app.stop() }
        let f = try Self.fixture(auth: app.address, app: app)
        defer { f.proxy.stop() }
        let c = try f.client()
        for _ in 0..<2 {
            try c.send("GET /files/a.txt HTTP/1.1\r\nHost: a\r\n\r\n")
            let r = try c.readResponse()
            #expect(r.status == 200 && r.text == "file a\n")
        }
        #expect(try f.get("/files/no/a.txt").status == 403)
        // The answer made at once leaves the client's body unread for the proxied request after it.
        try c.send("POST /quick/p HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody")
        #expect(try c.readResponse().text == "app POST /quick/p user=- body=body")
    }

    /// limit_req holds the subrequest back in its own location: the subrequest goes on after the delay, then the
    /// main request.
    @Test func aSubrequestLimitReqDelaysGoesOnAfterTheDelay() throws {
        try Self.withServers { f, _, _ in
            let c = try f.client()
            for _ in 0..<3 {
                try c.send("GET /limited/a.txt HTTP/1.1\r\nHost: a\r\n\r\n")
                let r = try c.readResponse()
                #expect(r.status == 200 && r.text == "file a\n")
            }
            #expect(f.logFile("logs/error.log", containing: "delaying request").contains("by zone \"authz\""))
        }
    }

    /// The client leaves while the auth server thinks: the subrequest's upstream connection is closed too, and
    /// the server goes on serving.
    @Test func aClientThatLeavesEndsTheSubrequest() throws {
        try Self.withServers { f, auth, _ in
            let c = try f.client()
            try c.send("GET /page HTTP/1.1\r\nHost: a\r\nCookie: session=slow\r\n\r\n")
            #expect(eventually { auth.requests == 1 && auth.openConnections == 1 })
            c.close()
            #expect(eventually { auth.openConnections == 0 })
            #expect(try f.get("/page", headers: ["Cookie": "session=good"]).status == 200)
        }
    }
}
