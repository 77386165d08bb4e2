import Deflate
import HTTP1
import SwitchyardTestSupport
import Testing

/// `ssi on` end to end: commands in static files, `return` and proxied responses, includes as subrequests
/// through every handler, and gzip after SSI.
@Suite(.serialized) struct SSIEndToEndTests {
    static let page = """
        <html>[<!--# set var="who" value="world" -->hello <!--# echo var="who" -->]\
        [<!--#include virtual="/up/part" -->]\
        [<!--# include virtual="/ret.html" -->]\
        [<!--# include file="inc.html" -->]\
        [<!--# block name="one" -->STUB<!--# endblock --><!--# include virtual="/empty" stub="one" -->]\
        [<!--# include virtual="/up/set" set="v" --><!--# echo var="v" -->]\
        [<!--# if expr="$who = /^w(or)/" -->if:$1=<!--# echo var="1" --><!--# elif expr="$who" -->elif<!--# else -->else<!--# endif -->]\
        [<!--# echo var="nothing" --><!--# echo var="nothing" default="dflt" --><!--# echo var="x" encoding="none" -->]\
        [<!--#bad x="1" -->][<!--# echo var=oops -->]</html>
        """

    func fixture(_ backend: MockBackend, extra: String = "") throws -> Fixture {
        try Fixture(http: """
            types { text/html html; }
            \(extra)
            server {
                listen 127.0.0.1:PORT;
                ssi on;
                location / { }
                location /up/ { proxy_pass http://\(backend.address)/; }
                location = /ret.html { return 200 "R<!--# echo var=\\"who\\" -->"; }
                location = /empty { return 204; }
            }
            """, files: ["html/page.html": Self.page, "html/inc.html": "INC(<!--# echo var=\"who\" -->)"])
    }

    static let expected = "<html>[hello world][UP-PART][Rworld][INC(world)][STUB][SET-BODY]"
        + "[if:$1=or][(none)dflt(none)][[an error occurred while processing the directive]]"
        + "[[an error occurred while processing the directive]]</html>"

    @Test func commandsAndIncludesThroughEveryHandler() throws {
        let backend = try MockBackend(name: "b") { req in
            switch req.target {
            case "/part": return MockResponse(headers: [("Content-Type", "text/plain")], text: "UP-PART")
            case "/set": return MockResponse(headers: [("Content-Type", "text/plain")], body: Array("SET-BODY".utf8), chunked: true)
            default: return MockResponse(status: 404, text: "no")
            }
        }
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        let r = try f.get("/page.html")
        #expect(r.status == 200)
        #expect(String(decoding: r.body, as: UTF8.self) == Self.expected)
        #expect(r.header("Content-Length") == nil)
        #expect(r.header("Last-Modified") == nil)
        #expect(r.header("ETag") == nil)
        #expect(r.header("Transfer-Encoding") == "chunked")
        #expect(f.errorLog().contains("unknown SSI command \"bad\""))
        // The connection stays usable: a second request on it gets the same page.
        let c = try f.client()
        for _ in 0..<2 {
            try c.send("GET /page.html HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let again = try c.readResponse()
            #expect(String(decoding: again.body, as: UTF8.self) == Self.expected)
        }
    }

    /// A HEAD for a page SSI would process gets the head its GET would have: no Content-Length (nginx's SSI
    /// header filter clears it whatever the method), no validators, and no body.
    @Test func headOfAProxiedPageHasTheGetsFields() throws {
        let backend = try MockBackend(name: "b") { _ in
            MockResponse(headers: [("Content-Type", "text/html"), ("ETag", "\"e1\""), ("Accept-Ranges", "bytes")],
                         text: "<!--# echo var=\"x\" -->page")
        }
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("HEAD /up/p HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let head = try c.readResponse(method: .head)
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == nil && head.header("ETag") == nil && head.header("Accept-Ranges") == nil)
        #expect(head.body.isEmpty)
        // The connection goes on: the GET after it is processed.
        try c.send("GET /up/p HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(String(decoding: try c.readResponse().body, as: UTF8.self) == "(none)page")
    }

    @Test func proxiedPageWithIncludesIsGzippedAfterSSI() throws {
        let backend = try MockBackend(name: "b") { req in
            switch req.target {
            case "/part": return MockResponse(headers: [("Content-Type", "text/plain")], text: "UP-PART")
            default:
                let body = String(repeating: "<p>x</p>", count: 300) + "<!--# include virtual=\"/up/part\" -->"
                return MockResponse(headers: [("Content-Type", "text/html"), ("ETag", "\"e\"")], body: Array(body.utf8))
            }
        }
        defer { backend.stop() }
        let f = try fixture(backend, extra: "gzip on; gzip_min_length 1;")
        defer { f.proxy.stop() }
        let r = try f.get("/up/page", headers: ["Accept-Encoding": "gzip"])
        #expect(r.header("Content-Encoding") == "gzip")
        #expect(r.header("ETag") == nil)
        let inflater = try Inflater(format: .gzip)
        var out: [UInt8] = []
        _ = try r.body.withUnsafeBytes { try inflater.decode($0, into: &out) }
        #expect(String(decoding: out, as: UTF8.self) == String(repeating: "<p>x</p>", count: 300) + "UP-PART")
    }

    @Test func setInThisLocationIsSeenAndElsewhereIsNot() throws {
        let f = try Fixture(http: """
            types { text/html html; }
            server {
                listen 127.0.0.1:PORT;
                ssi on;
                location /t1 { set $http_foo "set_foo"; return 200 'X<!--#echo var="http_foo" -->X'; }
                location /t2 { return 200 'X<!--#echo var="http_bar" -->X'; }
                location /other { set $http_bar "set_bar"; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(String(decoding: try f.get("/t1.html", headers: ["Foo": "http_foo"]).body, as: UTF8.self) == "Xset_fooX")
        #expect(String(decoding: try f.get("/t2.html", headers: ["Bar": "http_bar"]).body, as: UTF8.self) == "Xhttp_barX")
    }

    @Test func includeCyclesEndAtNginxsDepth() throws {
        let f = try Fixture(http: """
            types { text/html html; }
            server { listen 127.0.0.1:PORT; ssi on; location / { } }
            """, files: ["html/loop.html": "a<!--# include virtual=\"/loop.html\" -->b"])
        defer { f.proxy.stop() }
        let r = try f.get("/loop.html")
        let body = String(decoding: r.body, as: UTF8.self)
        #expect(body.hasPrefix(String(repeating: "a", count: 52) + "[an error occurred while processing the directive]"))
        #expect(body.hasSuffix("]" + String(repeating: "b", count: 52)))
        #expect(f.errorLog().contains("subrequests cycle while processing \"/loop.html\""))
    }

    @Test func cachedResponsesAreProcessedOnEveryHit() throws {
        let backend = try MockBackend(name: "b") { req in
            switch req.target {
            case "/part": return MockResponse(headers: [("Content-Type", "text/plain")], text: "PART")
            default:
                return MockResponse(headers: [("Content-Type", "text/html"), ("Cache-Control", "max-age=60")],
                                    text: "a<!--# include virtual=\"/p/part\" -->b<!--# echo var=\"arg_x\" -->")
            }
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            proxy_cache_path cache keys_zone=c:1m;
            server {
                listen 127.0.0.1:PORT;
                location /c/ { ssi on; proxy_pass http://\(backend.address)/; proxy_cache c; proxy_cache_key $uri;
                               add_header X-Cache $upstream_cache_status; }
                location /p/ { proxy_pass http://\(backend.address)/; }
            }
            """)
        defer { f.proxy.stop() }
        let miss = try f.get("/c/page?x=1")
        #expect(miss.header("X-Cache") == "MISS")
        #expect(String(decoding: miss.body, as: UTF8.self) == "aPARTb1")
        let hit = try f.get("/c/page?x=2", headers: ["Range": "bytes=0-1"])
        #expect(hit.header("X-Cache") == "HIT")
        #expect(hit.status == 200)
        #expect(String(decoding: hit.body, as: UTF8.self) == "aPARTb2")
    }

    /// Large bodies on both sides of includes: the page's bytes behind a pending include, an include's body held
    /// until its turn, and the parts in order, with bounded buffers (the producers pause and resume).
    @Test func largePagesAndIncludesStayInOrder() throws {
        let big = String(repeating: "0123456789abcdef", count: 16 * 1024)   // 256 KiB
        let backend = try MockBackend(name: "b") { req in
            let n = req.target.hasPrefix("/one") ? "1" : "2"
            return MockResponse(headers: [("Content-Type", "text/plain")], body: Array((n + big + n).utf8))
        }
        defer { backend.stop() }
        let page = "<" + big + "<!--# include virtual=\"/up/one\" -->" + big + "<!--# include virtual=\"/up/two\" -->"
            + big + ">"
        let f = try Fixture(http: """
            types { text/html html; }
            server { listen 127.0.0.1:PORT; ssi on; location / { } location /up/ { proxy_pass http://\(backend.address)/; } }
            """, files: ["html/big.html": page])
        defer { f.proxy.stop() }
        let r = try f.get("/big.html")
        let expected = "<" + big + "1" + big + "1" + big + "2" + big + "2" + big + ">"
        #expect(r.body.count == expected.utf8.count)
        #expect(String(decoding: r.body, as: UTF8.self) == expected)
    }

    /// A static page through SSI, then gzip: compressed, chunked, and decompressing to the processed page.
    @Test func staticPageIsGzippedAfterSSI() throws {
        let body = String(repeating: "<p>static</p>", count: 200)
        let f = try Fixture(http: """
            types { text/html html; }
            server { listen 127.0.0.1:PORT; ssi on; gzip on; gzip_min_length 1;
                     location / { } location = /ret.html { return 200 "RET"; } }
            """, files: ["html/z.html": body + "<!--# include virtual=\"/ret.html\" --><!--# echo var=\"arg_a\" -->"])
        defer { f.proxy.stop() }
        let r = try f.get("/z.html?a=end", headers: ["Accept-Encoding": "gzip"])
        #expect(r.header("Content-Encoding") == "gzip")
        #expect(r.header("Transfer-Encoding") == "chunked")
        #expect(r.header("Last-Modified") == nil)
        let inflater = try Inflater(format: .gzip)
        var out: [UInt8] = []
        _ = try r.body.withUnsafeBytes { try inflater.decode($0, into: &out) }
        #expect(String(decoding: out, as: UTF8.self) == body + "RETend")
    }

    /// An include is not checked by the access phase (nginx's is the main request's), but clients are.
    @Test func includesSkipTheAccessPhase() throws {
        let f = try Fixture(http: """
            types { text/html html; }
            server { listen 127.0.0.1:PORT; ssi on; location / { }
                     location = /private.html { deny all; } }
            """, files: ["html/pub.html": "[<!--# include virtual=\"/private.html\" -->]", "html/private.html": "SECRET"])
        defer { f.proxy.stop() }
        #expect(try f.get("/private.html").status == 403)
        #expect(String(decoding: try f.get("/pub.html").body, as: UTF8.self) == "[SECRET]")
    }

    /// An `include … set=` keeps at most the subrequest's location's subrequest_output_buffer_size (4 KiB by
    /// default, as nginx here): over it, nginx's error line, and the request fails: the page's first bytes were
    /// still postponed, so the client gets nothing before the close (nginx-tests subrequest_output_buffer_size.t).
    @Test func setBodyIsBoundedBySubrequestOutputBufferSize() throws {
        let big = String(repeating: "b", count: 6000)
        let f = try Fixture(http: """
            types { text/html html; }
            server {
                listen 127.0.0.1:PORT;
                ssi on;
                location / { }
                location = /large { subrequest_output_buffer_size 8k; }
            }
            """, files: ["html/small": big, "html/large": big, "html/p.html": """
                [<!--# include virtual="/small" set="s" --><!--# echo var="s" -->]\
                [<!--# include virtual="/large" set="l" --><!--# echo var="l" -->]
                """, "html/p2.html": "[<!--# include virtual=\"/large\" set=\"l\" --><!--# echo var=\"l\" -->]"])
        defer { f.proxy.stop() }
        #expect(try f.raw("GET /p.html HTTP/1.0\r\n\r\n") == "")
        #expect(f.errorLog().contains("too big subrequest response while sending to client"))
        #expect(try f.get("/p2.html").text == "[\(big)]")
    }

    /// `$request_id` is the main request's: an included subrequest reads the same id.
    @Test func anIncludeSharesTheRequestID() throws {
        let f = try Fixture(http: """
            types { text/html html; }
            server {
                listen 127.0.0.1:PORT;
                ssi on;
                location / { add_header X-Request-Id $request_id; }
                location = /id { return 200 "$request_id"; }
            }
            """, files: ["html/p.html": "<!--# include virtual=\"/id\" -->"])
        defer { f.proxy.stop() }
        let r = try f.get("/p.html")
        let id = try #require(r.header("X-Request-Id"))
        #expect(id.utf8.count == 32 && r.text == id)
        #expect(try f.get("/p.html").header("X-Request-Id") != id)   // a new main request, a new id
    }
}
