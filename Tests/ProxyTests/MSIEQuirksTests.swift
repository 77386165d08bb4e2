import HTTP1
import SwitchyardTestSupport
import Testing

/// `msie_refresh` and `msie_padding` through a running switchyard, with the answers nginx 1.22 gives.
struct MSIEQuirksTests {
    static let ie = "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.0)"
    static let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
    static let padding = String(repeating: "<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n", count: 6)

    static func refresh(_ url: String) -> String {
        "<html><head><meta http-equiv=\"Refresh\" content=\"0; URL=\(url)\"></head><body></body></html>\r\n"
    }

    private func refreshFixture() throws -> Fixture {
        try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                msie_refresh on;
                location = /return { return 301 "/a b\\"<'>~}{|%41"; }
                location = /found { return 302 http://example.com/x; }
                location = /see-other { return 303 /x; }
                location = /rewrite { rewrite ^ /abc?x=1 permanent; }
                location = /error-page { return 301; error_page 301 text; }
                location = /error-page-307 { error_page 404 =307 http://example.com/y; return 404; }
                location /dir { }
                location = /off { msie_refresh off; return 301 /x; }
            }
            """, files: ["html/dir/index.html": "index\n"])
    }

    @Test func msieGetsARefreshPageInsteadOfA301Or302() throws {
        let f = try refreshFixture()
        defer { f.proxy.stop() }
        let r = try f.get("/return", headers: ["User-Agent": Self.ie])
        #expect(r.status == 200)
        #expect(r.header("Content-Type") == "text/html")
        #expect(r.header("Location") == nil)
        #expect(r.text == Self.refresh("/a%20b%22%3C%27%3E%7E}%7B%7C%41"))   // NGX_ESCAPE_REFRESH, `%` kept
        #expect(try f.get("/found", headers: ["User-Agent": Self.ie]).text == Self.refresh("http://example.com/x"))
        let other = try f.get("/return", headers: ["User-Agent": Self.chrome])
        #expect(other.status == 301 && other.header("Location")?.hasSuffix("/a b\"<'>~}{|%41") == true)
        let off = try f.get("/off", headers: ["User-Agent": Self.ie])
        #expect(off.status == 301 && off.header("Location")?.hasSuffix("/x") == true)
    }

    /// A 303 from `return` stays a redirect; rewrite's, the directory's and error_page's (any code) are refreshed.
    @Test func whichRedirectsAreRefreshed() throws {
        let f = try refreshFixture()
        defer { f.proxy.stop() }
        func get(_ path: String) throws -> TestResponse { try f.get(path, headers: ["User-Agent": Self.ie]) }
        let seeOther = try get("/see-other")
        #expect(seeOther.status == 303 && seeOther.header("Location")?.hasSuffix("/x") == true)
        #expect(try get("/rewrite?q=2").text == Self.refresh("/abc?x=1&q=2"))
        #expect(try get("/dir?a=1").text == Self.refresh("/dir/?a=1"))         // relative, as the Location was
        #expect(try get("/error-page").text == Self.refresh("text"))           // nginx-tests msie_refresh.t
        #expect(try get("/error-page-307").text == Self.refresh("http://example.com/y"))
    }

    @Test func aHeadRequestGetsTheRefreshHeadAlone() throws {
        let f = try refreshFixture()
        defer { f.proxy.stop() }
        let c = try f.client()
        defer { c.close() }
        try c.send("HEAD /found HTTP/1.1\r\nHost: x\r\nUser-Agent: \(Self.ie)\r\n\r\n")
        let r = try c.readResponse(method: .head)
        #expect(r.status == 200 && r.body.isEmpty && r.header("Location") == nil)
        #expect(r.header("Content-Length") == String(Self.refresh("http://example.com/x").utf8.count))
    }

    @Test func errorPagesArePaddedForMSIEAndChrome() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / { return 404; }
                location = /redirect { return 301 /x; }
                location /quiet { msie_padding off; return 404; }
            }
            """)
        defer { f.proxy.stop() }
        for agent in [Self.ie, Self.chrome] {
            let r = try f.get("/missing", headers: ["User-Agent": agent])
            #expect(r.status == 404 && r.text.hasSuffix("</html>\r\n" + Self.padding))
            #expect(r.header("Content-Length") == String(r.body.count))
        }
        #expect(try !f.get("/missing", headers: ["User-Agent": "curl/8"]).text.contains("padding"))
        #expect(try !f.get("/missing").text.contains("padding"))
        #expect(try !f.get("/quiet", headers: ["User-Agent": Self.chrome]).text.contains("padding"))
        #expect(try !f.get("/redirect", headers: ["User-Agent": Self.ie]).text.contains("padding"))   // not a 3xx page
        let old = try f.raw("GET /missing HTTP/1.0\r\nUser-Agent: \(Self.ie)\r\n\r\n")
        #expect(old.hasSuffix("</html>\r\n" + Self.padding))
    }
}
