import Digest
@testable import Proxy
import SwitchyardTestSupport
import Testing

/// The `dashboard` page as built at load (no sockets), then as served: validators, 304, HEAD, 405. The page in
/// a browser is DashboardBrowserTests.
@Suite(.serialized) struct DashboardPageTests {
    static func text(_ page: DashboardPage) -> String { String(decoding: page.body, as: UTF8.self) }

    static func field(_ page: DashboardPage, _ name: String) -> String? {
        page.fields.first { String(decoding: $0.0, as: UTF8.self) == name }.map { String(decoding: $0.1, as: UTF8.self) }
    }

    /// The text between `open` and `close` (the first pair).
    static func between(_ s: String, _ open: String, _ close: String) -> String? {
        let all = Substring(s)
        guard let a = all.range(of: open), let b = all[a.upperBound...].range(of: close) else { return nil }
        return String(s[a.upperBound..<b.lowerBound])
    }

    @Test func thePageIsSelfContainedAndItsPolicyAdmitsOnlyItsOwnScriptAndStyle() throws {
        let page = DashboardPage(api: "/ops/api")
        let html = Self.text(page)
        #expect(html.hasPrefix("<!doctype html>") && html.hasSuffix("</html>\n"))
        let script = try #require(Self.between(html, "<script>", "</script>"))
        let style = try #require(Self.between(html, "<style>", "</style>"))
        #expect(script.contains("var API = \"/ops/api\";"))
        // Nothing fetched from elsewhere: no src attribute, no link but the empty icon, no absolute URL.
        #expect(!html.contains("src=") && !html.contains("http://") && !html.contains("https://") && !html.contains("@import"))
        #expect(html.components("<link").count == 2 && html.contains("<link rel=\"icon\" href=\"data:,\">"))
        let csp = try #require(Self.field(page, "Content-Security-Policy"))
        #expect(csp.contains("script-src '\(DashboardPage.hash(script))'"))
        #expect(csp.contains("style-src '\(DashboardPage.hash(style))'"))
        #expect(csp.contains("connect-src 'self';") && csp.contains("frame-ancestors 'none'"))
        #expect(Self.field(page, "Cache-Control") == "no-cache")
        #expect(DashboardPage.hash("") == "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")   // SHA-256 of nothing
    }

    @Test func theETagFollowsThePage() {
        let a = DashboardPage(api: "/api"), same = DashboardPage(api: "/api"), other = DashboardPage(api: "/v/api")
        #expect(a.etag == same.etag && a.etag != other.etag)
        #expect(String(decoding: a.etag, as: UTF8.self) == "\"\(MD5.hex(a.body))\"")
    }

    @Test(arguments: [
        ("/api", "/api"),
        ("/a\"b", "/a\\u0022b"),
        ("/a</script>", "/a\\u003c/script\\u003e"),
        ("/a\\b'c", "/a\\u005cb\\u0027c"),
        ("/é", "/\\u00e9"),
    ])
    func theAPIURIIsEscapedInTheScript(_ api: String, _ literal: String) {
        #expect(DashboardPage.jsString(api) == literal)
    }

    @Test func anAPIOnAnotherOriginIsAllowedToBeFetched() throws {
        #expect(DashboardPage.origin(of: "/api") == nil)
        #expect(DashboardPage.origin(of: "https://ops.example:8443/api") == "https://ops.example:8443")
        #expect(DashboardPage.origin(of: "http://10.0.0.1") == "http://10.0.0.1")
        let csp = try #require(Self.field(DashboardPage(api: "https://ops.example/api"), "Content-Security-Policy"))
        #expect(csp.contains("connect-src 'self' https://ops.example;"))
    }

    @Test func servedWithItsValidatorsAnd304AndHEADAnd405() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location = /dashboard { dashboard api=/ops/api; }
            }
            """)
        defer { f.proxy.stop() }
        let built = DashboardPage(api: "/ops/api")
        let r = try f.get("/dashboard")
        #expect(r.status == 200)
        #expect(r.header("Content-Type") == "text/html; charset=utf-8")
        #expect(r.body == built.body)
        let etag = try #require(r.header("ETag"))
        #expect(etag == String(decoding: built.etag, as: UTF8.self))
        #expect(r.header("Cache-Control") == "no-cache" && r.header("X-Content-Type-Options") == "nosniff")
        #expect(r.header("Content-Security-Policy")?.hasPrefix("default-src 'none';") == true)

        let again = try f.get("/dashboard", headers: ["If-None-Match": etag])
        #expect(again.status == 304 && again.body.isEmpty && again.header("ETag") == etag)
        #expect(try f.get("/dashboard", headers: ["If-None-Match": "\"other\""]).status == 200)

        let head = try f.raw("HEAD /dashboard HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(head.hasPrefix("HTTP/1.1 200 ") && head.contains("Content-Length: \(built.body.count)\r\n"))
        #expect(head.hasSuffix("\r\n\r\n"))
        let post = try f.raw("POST /dashboard HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
        #expect(post.hasPrefix("HTTP/1.1 405 "))
    }
}
