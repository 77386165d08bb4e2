import Deflate
import Glibc
import HTTP1
import SwitchyardTestSupport
import Testing

/// `sub_filter` end to end: proxied, static, `return` and cached bodies rewritten, what it leaves alone, its place
/// before SSI and gzip, and a match split across two upstream reads.
@Suite(.serialized) struct SubFilterEndToEndTests {
    static let app = """
        <html><a href="http://backend:8080/a">a</a> <A HREF="HTTP://BACKEND:8080/b">b</A></body></html>
        """

    func fixture(_ backend: MockBackend, extra: String = "") throws -> Fixture {
        try Fixture(http: """
            types { text/html html; text/plain txt; }
            \(extra)
            server {
                listen 127.0.0.1:PORT;
                sub_filter 'http://backend:8080/' 'https://$host/';
                sub_filter '</body>' '<script src="/x.js"></script></body>';
                sub_filter_once off;
                location / { }
                location /up/ { proxy_pass http://\(backend.address)/; }
                location = /ret.html { return 200 "back http://backend:8080/ again"; }
            }
            """, files: ["html/page.html": Self.app, "html/page.txt": Self.app])
    }

    static func get(_ f: Fixture, _ path: String, host: String, headers: [String: String] = [:]) throws -> TestResponse {
        try TestClient.get(port: f.port, path, host: host, headers: headers)
    }

    static let rewritten = """
        <html><a href="https://example.test/a">a</a> <A HREF="https://example.test/b">b</A>\
        <script src="/x.js"></script></body></html>
        """

    @Test func proxiedHTMLIsRewrittenWithTheRequestsVariables() throws {
        let backend = try MockBackend(name: "b") { _ in
            MockResponse(headers: [("Content-Type", "text/html; charset=utf-8"), ("ETag", "\"e1\""),
                                   ("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT")], text: Self.app)
        }
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        let r = try Self.get(f, "/up/page", host: "example.test")
        #expect(r.status == 200)
        #expect(String(decoding: r.body, as: UTF8.self) == Self.rewritten)
        #expect(r.header("Content-Length") == nil)
        #expect(r.header("Transfer-Encoding") == "chunked")
        #expect(r.header("ETag") == nil)
        #expect(r.header("Last-Modified") == nil)
        // HTTP/1.0: the length is unknown, so the body ends with the connection.
        let raw = try f.raw("GET /up/page HTTP/1.0\r\nHost: example.test\r\n\r\n")
        #expect(raw.hasSuffix("\r\n\r\n" + Self.rewritten))
        #expect(!raw.contains("Content-Length"))
    }

    @Test func otherTypesAndEncodedBodiesAreLeftAlone() throws {
        let gzipped: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3] + Array("http://backend:8080/".utf8)
        let backend = try MockBackend(name: "b") { req in
            if req.target == "/json" {
                return MockResponse(headers: [("Content-Type", "application/json")], text: "{\"u\":\"http://backend:8080/\"}")
            }
            return MockResponse(headers: [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], body: gzipped)
        }
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        let json = try f.get("/up/json")
        #expect(String(decoding: json.body, as: UTF8.self) == "{\"u\":\"http://backend:8080/\"}")
        #expect(json.header("Content-Length") == "28")
        let encoded = try f.get("/up/gz")
        #expect(encoded.body == gzipped)
        #expect(encoded.header("Content-Length") == String(gzipped.count))
        #expect(encoded.header("Content-Encoding") == "gzip")
    }

    @Test func staticFilesAndReturnTextAreRewritten() throws {
        let backend = try MockBackend(name: "b") { _ in MockResponse(text: "") }
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        let page = try Self.get(f, "/page.html", host: "example.test")
        #expect(String(decoding: page.body, as: UTF8.self) == Self.rewritten)
        #expect(page.header("Last-Modified") == nil)
        #expect(page.header("ETag") == nil)
        #expect(page.header("Accept-Ranges") == nil)
        // A range is not served from a filtered body: the whole rewritten page comes.
        let ranged = try Self.get(f, "/page.html", host: "example.test", headers: ["Range": "bytes=0-3"])
        #expect(ranged.status == 200)
        #expect(String(decoding: ranged.body, as: UTF8.self) == Self.rewritten)
        // text/plain is not in sub_filter_types.
        let txt = try f.get("/page.txt")
        #expect(String(decoding: txt.body, as: UTF8.self) == Self.app)
        #expect(txt.header("ETag") != nil)
        let ret = try Self.get(f, "/ret.html", host: "example.test")
        #expect(String(decoding: ret.body, as: UTF8.self) == "back https://example.test/ again")
    }

    @Test func gzipCompressesTheRewrittenBody() throws {
        let body = String(repeating: "<p>http://backend:8080/</p>", count: 200)
        let backend = try MockBackend(name: "b") { _ in MockResponse(headers: [("Content-Type", "text/html")], text: body) }
        defer { backend.stop() }
        let f = try fixture(backend, extra: "gzip on; gzip_min_length 1;")
        defer { f.proxy.stop() }
        let r = try Self.get(f, "/up/p", host: "h", headers: ["Accept-Encoding": "gzip"])
        #expect(r.header("Content-Encoding") == "gzip")
        let inflater = try Inflater(format: .gzip)
        var out: [UInt8] = []
        _ = try r.body.withUnsafeBytes { try inflater.decode($0, into: &out) }
        #expect(String(decoding: out, as: UTF8.self) == String(repeating: "<p>https://h/</p>", count: 200))
    }

    /// nginx runs sub_filter before SSI: SSI reads the substituted text.
    @Test func ssiSeesTheSubstitutedText() throws {
        let f = try Fixture(http: """
            types { text/html html; }
            server { listen 127.0.0.1:PORT; ssi on; sub_filter '[who]' '<!--# echo var="arg_who" -->'; location / { } }
            """, files: ["html/s.html": "hello [WHO]!"])
        defer { f.proxy.stop() }
        #expect(String(decoding: try f.get("/s.html?who=you").body, as: UTF8.self) == "hello you!")
    }

    /// An include's body goes through its own location's filter (whose held tail goes out at the include's end),
    /// not the page's: nginx's sub_filter_ssi.t.
    @Test func anIncludesHeldTailIsSentAtItsEnd() throws {
        let f = try Fixture(http: """
            types { text/html html; }
            server { listen 127.0.0.1:PORT; location / { ssi on; sub_filter notfoo bar; sub_filter page PAGE; } }
            """, files: ["html/index.html": "page <!--#include virtual=\"/not.html\" --> truncated",
                         "html/not.html": "response is not"])
        defer { f.proxy.stop() }
        #expect(String(decoding: try f.get("/index.html").body, as: UTF8.self) == "PAGE response is not truncated")
    }

    /// A string split across two upstream reads is still found: the upstream sends the first part and waits until
    /// the client has received what comes before the string's first byte (the filter holds only the rest).
    @Test func aMatchAcrossTwoUpstreamReads() throws {
        let gate = MockGate()
        let first = Array("BEFORE <a href=\"http://backe".utf8), rest = Array("nd:8080/x\">".utf8)
        let backend = try MockBackend(name: "b") { _ in
            MockResponse(headers: [("Content-Type", "text/html")], body: first, hold: MockHold(gate: gate, rest: rest))
        }
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("GET /up/split HTTP/1.0\r\nHost: h\r\n\r\n")
        var got: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 4096)
        func readMore() -> Bool {
            let n = read(c.fd, &chunk, chunk.count)
            if n <= 0 { return false }
            got.append(contentsOf: chunk[..<n])
            return true
        }
        while !String(decoding: got, as: UTF8.self).contains("<a href=\"") {
            #expect(readMore())
        }
        #expect(!String(decoding: got, as: UTF8.self).contains("http"))   // held: it may be the string's start
        gate.open()
        while readMore() {}
        #expect(String(decoding: got, as: UTF8.self).hasSuffix("\r\n\r\nBEFORE <a href=\"https://h/x\">"))
    }

    @Test func cachedResponsesAreRewrittenOnEveryHit() throws {
        let backend = try MockBackend(name: "b") { _ in
            MockResponse(headers: [("Content-Type", "text/html"), ("Cache-Control", "max-age=60")],
                         text: "go to http://backend:8080/")
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            proxy_cache_path cache keys_zone=c:1m;
            server {
                listen 127.0.0.1:PORT;
                location /c/ { sub_filter http://backend:8080/ http://$host/; proxy_pass http://\(backend.address)/;
                               proxy_cache c; add_header X-Cache $upstream_cache_status; }
            }
            """)
        defer { f.proxy.stop() }
        let miss = try Self.get(f, "/c/p", host: "one")
        #expect(miss.header("X-Cache") == "MISS")
        #expect(String(decoding: miss.body, as: UTF8.self) == "go to http://one/")
        let hit = try Self.get(f, "/c/p", host: "two")
        #expect(hit.header("X-Cache") == "HIT")
        #expect(String(decoding: hit.body, as: UTF8.self) == "go to http://two/")
    }
}
