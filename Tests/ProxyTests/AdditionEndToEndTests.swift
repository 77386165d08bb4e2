import Deflate
import Glibc
import HTTP1
import SwitchyardTestSupport
import Testing

/// The addition filter end to end: the before and after bodies around static, proxied and `return` pages, each
/// added body answered by its own location (proxied too), what is left alone (other types, other statuses,
/// subrequests), its place after sub_filter and SSI, and gzip over the whole.
@Suite(.serialized) struct AdditionEndToEndTests {
    func fixture(_ backend: MockBackend, extra: String = "") throws -> Fixture {
        try Fixture(http: """
            types { text/html html; text/plain txt; }
            \(extra)
            server {
                listen 127.0.0.1:PORT;
                add_before_body /parts/head.html;
                add_after_body /parts/foot.html;
                location / { }
                location /parts/ { }
                location /up/ { proxy_pass http://\(backend.address)/; }
                location /upparts/ { proxy_pass http://\(backend.address)/; }
                location /viaproxy/ { add_before_body /upparts/head; add_after_body /upparts/foot;
                                      proxy_pass http://\(backend.address)/; }
                location /none/ { add_before_body ""; add_after_body ""; }
                location /after-only/ { add_before_body ""; }
                location = /ret.html { return 200 "made"; }
                location = /created.html { return 201 "made"; }
                location = /sub.html { sub_filter page PAGE; }
                location = /ssi.html { ssi on; }
            }
            """, files: ["html/page.html": "<p>page</p>", "html/page.txt": "plain",
                         "html/parts/head.html": "<header>", "html/parts/foot.html": "</footer>",
                         "html/none/page.html": "bare", "html/after-only/page.html": "page",
                         "html/sub.html": "page", "html/ssi.html": "a<!--# include virtual=\"/inc.txt\" -->b",
                         "html/inc.txt": "page"])
    }

    static func text(_ r: TestResponse) -> String { String(decoding: r.body, as: UTF8.self) }

    static func backend() throws -> MockBackend {
        try MockBackend(name: "b") { req in
            switch req.target {
            case "/head": return MockResponse(headers: [("Content-Type", "text/plain")], text: "[proxied head]")
            case "/foot": return MockResponse(headers: [("Content-Type", "text/plain")], text: "[proxied foot]")
            case "/json": return MockResponse(headers: [("Content-Type", "application/json")], text: "{}")
            default:
                return MockResponse(headers: [("Content-Type", "text/html"), ("ETag", "\"e1\""),
                                              ("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT")], text: "<main/>")
            }
        }
    }

    @Test func aStaticPageBetweenItsBeforeAndAfterBodies() throws {
        let backend = try Self.backend()
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        let r = try f.get("/page.html")
        #expect(r.status == 200)
        #expect(Self.text(r) == "<header><p>page</p></footer>")
        #expect(r.header("Content-Length") == nil)
        #expect(r.header("Accept-Ranges") == nil)
        // nginx keeps Last-Modified and makes the ETag weak.
        #expect(r.header("Last-Modified") != nil)
        #expect(r.header("ETag")?.hasPrefix("W/\"") == true)
        // A range is not served from the changed body.
        let ranged = try TestClient.get(port: f.port, "/page.html", headers: ["Range": "bytes=0-1"])
        #expect(ranged.status == 200)
        #expect(Self.text(ranged) == "<header><p>page</p></footer>")
        // HTTP/1.0: no length, the body ends with the connection.
        let raw = try f.raw("GET /page.html HTTP/1.0\r\nHost: h\r\n\r\n")
        #expect(raw.hasSuffix("\r\n\r\n<header><p>page</p></footer>"))
        #expect(Self.text(try f.get("/ret.html")) == "<header>made</footer>")
    }

    @Test func aProxiedPageAndAddedBodiesFromAProxiedLocation() throws {
        let backend = try Self.backend()
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        let r = try f.get("/up/page")
        #expect(Self.text(r) == "<header><main/></footer>")
        #expect(r.header("Content-Length") == nil)
        #expect(r.header("Last-Modified") == "Mon, 01 Jan 2024 00:00:00 GMT")
        #expect(r.header("ETag") == "W/\"e1\"")
        // The added bodies' own location proxies them; their type does not matter, only the page's.
        #expect(Self.text(try f.get("/viaproxy/page")) == "[proxied head]<main/>[proxied foot]")
        // HEAD: the head is edited as the GET's, no body and no subrequest.
        let head = try f.raw("HEAD /up/page HTTP/1.0\r\nHost: h\r\n\r\n")
        #expect(head.hasSuffix("\r\n\r\n"))
        #expect(!head.contains("Content-Length"))
    }

    @Test func otherTypesStatusesAndCancelledURIsAreLeftAlone() throws {
        let backend = try Self.backend()
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        let txt = try f.get("/page.txt")
        #expect(Self.text(txt) == "plain")
        #expect(txt.header("Content-Length") == "5")
        #expect(Self.text(try f.get("/up/json")) == "{}")
        let created = try f.get("/created.html")
        #expect(created.status == 201)
        #expect(Self.text(created) == "made")
        #expect(Self.text(try f.get("/none/page.html")) == "bare")
        #expect(Self.text(try f.get("/after-only/page.html")) == "page</footer>")
        let missing = try f.get("/nothing.html")
        #expect(missing.status == 404)
        #expect(!Self.text(missing).contains("<header>"))
    }

    /// nginx's body filters run addition, sub, ssi, then postpone splices the added bodies: the page's sub_filter
    /// and SSI see only the page's own bytes, and an SSI include lands inside the added bodies.
    @Test func afterSubFilterAndSSI() throws {
        let backend = try Self.backend()
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        #expect(Self.text(try f.get("/sub.html")) == "<header>PAGE</footer>")
        #expect(Self.text(try f.get("/ssi.html")) == "<header>apageb</footer>")
    }

    @Test func gzipCompressesTheWholeBody() throws {
        let backend = try Self.backend()
        defer { backend.stop() }
        let f = try fixture(backend, extra: "gzip on; gzip_min_length 1;")
        defer { f.proxy.stop() }
        let r = try TestClient.get(port: f.port, "/up/page", headers: ["Accept-Encoding": "gzip"])
        #expect(r.header("Content-Encoding") == "gzip")
        let inflater = try Inflater(format: .gzip)
        var out: [UInt8] = []
        _ = try r.body.withUnsafeBytes { try inflater.decode($0, into: &out) }
        #expect(String(decoding: out, as: UTF8.self) == "<header><main/></footer>")
    }

    /// A page larger than what is held behind a pending before-body still comes whole and in order (the
    /// upstream read pauses and resumes).
    @Test func aLargePageBehindTheBeforeBody() throws {
        let big = String(repeating: "0123456789abcdef", count: 16 * 1024)
        let backend = try MockBackend(name: "b") { req in
            if req.target == "/head" { return MockResponse(headers: [("Content-Type", "text/plain")], text: "H") }
            if req.target == "/foot" { return MockResponse(headers: [("Content-Type", "text/plain")], text: "F") }
            return MockResponse(headers: [("Content-Type", "text/html")], text: big)
        }
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        let r = try f.get("/viaproxy/big")
        #expect(Self.text(r) == "H" + big + "F")
    }

    /// The page's bytes wait while the before-body is under way (its upstream holds the rest of its answer), then
    /// come after it; a client gone meanwhile stops the subrequest and leaves the server serving.
    @Test func thePageWaitsForTheBeforeBodyAndAClientGoneStopsIt() throws {
        let gate = MockGate(), gate2 = MockGate()
        let backend = try MockBackend(name: "b") { req in
            let g = req.target == "/slow" ? gate : gate2
            return MockResponse(headers: [("Content-Type", "text/plain")], body: Array("H".utf8),
                                hold: MockHold(gate: g, rest: Array("ead".utf8)))
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            types { text/html html; }
            server {
                listen 127.0.0.1:PORT;
                location / { add_before_body /upparts/slow; }
                location /gone/ { add_before_body /upparts/gone; }
                location /upparts/ { proxy_pass http://\(backend.address)/; }
            }
            """, files: ["html/page.html": "<p>page</p>", "html/gone/page.html": "<p>page</p>"])
        defer { f.proxy.stop() }
        var got: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 4096)
        let c = try f.client()
        try c.send("GET /page.html HTTP/1.0\r\nHost: h\r\n\r\n")
        func readMore() -> Bool {
            let n = read(c.fd, &chunk, chunk.count)
            if n <= 0 { return false }
            got.append(contentsOf: chunk[..<n])
            return true
        }
        while !String(decoding: got, as: UTF8.self).contains("\r\n\r\nH") { #expect(readMore()) }
        #expect(!String(decoding: got, as: UTF8.self).contains("page"))   // held until the before-body ends
        gate.open()
        while readMore() {}
        #expect(String(decoding: got, as: UTF8.self).hasSuffix("\r\n\r\nHead<p>page</p>"))

        let gone = try f.client()
        try gone.send("GET /gone/page.html HTTP/1.0\r\nHost: h\r\n\r\n")
        var seen: [UInt8] = []
        while !String(decoding: seen, as: UTF8.self).contains("\r\n\r\nH") {
            let n = read(gone.fd, &chunk, chunk.count)
            #expect(n > 0)
            if n <= 0 { break }
            seen.append(contentsOf: chunk[..<n])
        }
        gone.close()
        gate2.open()
        let after = try f.get("/page.html")
        #expect(String(decoding: after.body, as: UTF8.self) == "Head<p>page</p>")
        #expect(!f.errorLog().contains("[alert]"))
    }
}
