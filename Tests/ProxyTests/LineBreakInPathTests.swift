import SwitchyardTestSupport
import Testing

/// A path whose decoded form holds a line break (`%0D%0A`) is refused with 400: in nginx `$uri` carries it into
/// what the configuration writes, and the common `return 301 https://$host$uri;` splits the response (a header
/// the client chose, a cookie set on the site's name), as `proxy_set_header X-Path $uri;` splits the request the
/// backend reads.
@Suite struct LineBreakInPathTests {
    @Test func aLineBreakInThePathIsRefusedBeforeAnyHeadIsWritten() throws {
        let backend = try MockBackend(name: "app") { r in MockResponse(text: "[\(r.header("X-Path") ?? "-")]") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /r/ { return 301 https://$host$uri; }
                location /h/ { add_header X-Path $uri; return 200 "ok\n"; }
                location /p/ { proxy_set_header X-Path $uri; proxy_pass http://127.0.0.1:\(backend.port); }
            }
            """)
        defer { f.proxy.stop() }
        for prefix in ["/r/", "/h/", "/p/"] {
            let text = try f.raw("GET \(prefix)a%0D%0ASet-Cookie:%20evil=1 HTTP/1.1\r\nHost: site\r\nConnection: close\r\n\r\n")
            #expect(text.hasPrefix("HTTP/1.1 400 "), "\(prefix): \(text)")
            #expect(!text.contains("evil"), "\(prefix): \(text)")
            let lf = try f.raw("GET \(prefix)a%0AX:%20y HTTP/1.1\r\nHost: site\r\nConnection: close\r\n\r\n")
            #expect(lf.hasPrefix("HTTP/1.1 400 "), "\(prefix): \(lf)")
        }
        #expect(backend.requests == 0)
        // Other escapes still decode into $uri as before.
        #expect(try f.get("/p/a%20b").text == "[/p/a b]")
        #expect(try f.get("/h/a%09b").header("X-Path") == "/h/a\tb")
    }
}
