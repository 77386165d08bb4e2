import Glibc
import HTTP1
import SwitchyardTestSupport
import Testing

/// error_page after a redirect `return`, proxy_intercept_errors and the keep-alive header fields, as nginx's
/// http_error_page.t, rewrite.t, proxy_intercept_errors.t and http_keepalive.t describe them.
@Suite(.serialized) struct ErrorPageTests {
    /// A redirect `return` with an error_page for its code is answered by the page: a new redirect replaces the
    /// Location the return set, an internally served page keeps it; `?args` of the error_page URI are `$args`.
    @Test func redirectReturnGoesThroughErrorPage() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /a { error_page 302 http://example.com/; return 302 "first"; }
                location /b { error_page 302 /again?$arg_x; return 302 "first"; }
                location /again { return 302 "http://example.com/$args"; }
                location /c { error_page 302 /text; return 302 "first"; }
                location /text { return 200 "text"; }
            }
            """)
        defer { f.proxy.stop() }
        let a = try f.raw("GET /a HTTP/1.0\r\n\r\n")
        #expect(a.hasPrefix("HTTP/1.1 302 ") && a.contains("Location: http://example.com/\r\n") && !a.contains("first"), "\(a)")
        let b = try f.raw("GET /b?x=7 HTTP/1.0\r\n\r\n")
        #expect(b.contains("Location: http://example.com/7\r\n") && !b.contains("first"), "\(b)")
        let c = try f.raw("GET /c HTTP/1.0\r\n\r\n")
        #expect(c.hasPrefix("HTTP/1.1 302 ") && c.contains("Location: first\r\n") && c.hasSuffix("text"), "\(c)")
    }

    /// proxy_intercept_errors: an upstream error with an error_page gets the page (a 401 keeps every
    /// WWW-Authenticate); one without an error_page passes through.
    @Test func interceptedUpstreamErrors() throws {
        let backend = try MockBackend(name: "b1") { req in
            switch req.target {
            case "/auth": return MockResponse(status: 401, headers: [("WWW-Authenticate", "foo"), ("WWW-Authenticate", "bar")], text: "no")
            case "/500": return MockResponse(status: 500, text: "backend 500")
            default: return MockResponse(status: 404, text: "SEE-THIS")
            }
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://\(backend.address); proxy_intercept_errors on; error_page 401 500 /intercepted; }
                location = /intercepted { return 200 "intercepted"; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/x").text == "SEE-THIS")
        let e = try f.raw("GET /500 HTTP/1.0\r\n\r\n")
        #expect(e.hasPrefix("HTTP/1.1 500 ") && e.hasSuffix("intercepted"), "\(e)")
        let a = try f.raw("GET /auth HTTP/1.0\r\n\r\n")
        #expect(a.hasPrefix("HTTP/1.1 401 ") && a.contains("WWW-Authenticate: foo\r\nWWW-Authenticate: bar\r\n")
                && a.hasSuffix("intercepted"), "\(a)")
    }

    /// `keepalive_timeout 30 9` sends `Keep-Alive: timeout=9`; `keepalive_time` ends keep-alive on an old connection.
    @Test func keepAliveHeaderAndKeepaliveTime() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                keepalive_timeout 30 9;
                location / { return 204; }
                location /time { keepalive_time 1s; return 204; }
            }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        let r = try c.readResponse()
        #expect(r.header("Keep-Alive") == "timeout=9" && r.header("Connection") == "keep-alive")
        let t = try f.client()
        try t.send("GET /time HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try t.readResponse().header("Connection") == "keep-alive")
        usleep(1_200_000)   // the connection's age is what is measured: it must pass keepalive_time
        try t.send("GET /time HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try t.readResponse().header("Connection") == "close")
    }

    /// An invalid Host is nginx's 400, answered through the default server's error_page (the request line and
    /// fields are read by then); the redirect it makes names the local address, there being no valid host.
    @Test func anInvalidHostsBadRequestGoesThroughErrorPage() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                error_page 400 /bad;
                location /bad { return 301 /moved; }
            }
            server { listen 127.0.0.1:PORT; server_name other; location / { return 200 "other"; } }
            """)
        defer { f.proxy.stop() }
        let text = try f.raw("GET /x?a=1 HTTP/1.0\r\nHost: a..b\r\n\r\n")
        #expect(text.contains("Location: http://127.0.0.1:\(f.port)/moved\r\n"))
        #expect(f.errorLog().contains("client sent invalid host header while reading client request headers"))
        let plain = try Fixture(http: "server { listen 127.0.0.1:PORT; location / { return 200; } }")
        defer { plain.proxy.stop() }
        let refused = try plain.raw("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n")
        #expect(refused.hasPrefix("HTTP/1.1 400 ") && refused.contains("Connection: close\r\n"))
    }
}

extension ErrorPageTests {
    /// A redirect's page is titled as nginx titles it: "302 Found", though its status line says "302 Moved
    /// Temporarily" (nginx's wording there); the page said "Moved Temporarily" too.
    @Test func redirectPagesAreTitledAsNginxTitlesThem() throws {
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; location /t { return 302 /elsewhere; } location /p { return 301 /elsewhere; } }
            """)
        defer { f.proxy.stop() }
        let temporary = try f.raw("GET /t HTTP/1.0\r\n\r\n")
        #expect(temporary.hasPrefix("HTTP/1.1 302 Moved Temporarily\r\n"))
        #expect(temporary.contains("<title>302 Found</title>") && temporary.contains("<h1>302 Found</h1>"), "\(temporary)")
        #expect(try f.raw("GET /p HTTP/1.0\r\n\r\n").contains("<title>301 Moved Permanently</title>"))
    }
}
