import Deflate
import SwitchyardTestSupport
import Testing

/// gzip on proxied responses, as nginx's gzip filter decides it.
@Suite(.serialized) struct ProxyGzipTests {
    static let page = Array(String(repeating: "<p>switchyard compresses like nginx</p>\n", count: 400).utf8)

    static func inflate(_ body: [UInt8]) throws -> [UInt8] {
        let inflater = try Inflater(format: .gzip)
        var out: [UInt8] = []
        _ = try body.withUnsafeBytes { try inflater.decode($0, into: &out) }
        return out
    }

    func fixture(_ backend: MockBackend, extra: String = "") throws -> Fixture {
        try Fixture(http: """
            gzip on;
            gzip_min_length 1k;
            gzip_comp_level 6;
            gzip_types text/plain text/css;
            gzip_vary on;
            log_format g '$request $status $gzip_ratio';
            \(extra)
            server {
                listen 127.0.0.1:PORT;
                location / { access_log logs/gzip.log g; proxy_pass http://\(backend.address); }
            }
            """)
    }

    @Test func compressesEligibleResponsesAndDecompressesToTheUpstreamBody() throws {
        let backend = try MockBackend(name: "b") { req in
            switch req.target {
            case "/chunked": return MockResponse(headers: [("Content-Type", "text/html")], body: Self.page, chunked: true)
            case "/small": return MockResponse(headers: [("Content-Type", "text/html")], text: "tiny")
            case "/png": return MockResponse(headers: [("Content-Type", "image/png")], body: Self.page)
            case "/encoded": return MockResponse(headers: [("Content-Type", "text/html"), ("Content-Encoding", "br")], body: Self.page)
            default: return MockResponse(headers: [("Content-Type", "text/html; charset=utf-8"), ("ETag", "\"v1\"")], body: Self.page)
            }
        }
        defer { backend.stop() }
        let f = try fixture(backend)
        defer { f.proxy.stop() }
        let gz = ["Accept-Encoding": "gzip, deflate"]

        let r = try f.get("/page", headers: gz)
        #expect(r.header("Content-Encoding") == "gzip")
        #expect(r.header("Content-Length") == nil)
        #expect(r.header("Transfer-Encoding") == "chunked")
        #expect(r.header("Vary") == "Accept-Encoding")
        #expect(r.header("ETag") == "W/\"v1\"")          // a strong ETag becomes weak
        #expect(Array(r.body.prefix(3)) == [0x1f, 0x8b, 0x08])
        #expect(try Self.inflate(r.body) == Self.page)
        #expect(r.body.count < Self.page.count / 10)

        let chunked = try f.get("/chunked", headers: gz)
        #expect(chunked.header("Content-Encoding") == "gzip")
        #expect(try Self.inflate(chunked.body) == Self.page)

        let log = f.logFile("logs/gzip.log", containing: "/page")
        #expect(log.contains("GET /page HTTP/1.1 200 "))
        #expect(!log.contains("GET /page HTTP/1.1 200 -"))   // $gzip_ratio is set

        // Not compressed: refused, too short, wrong type, already encoded, HEAD, Range, via a proxy.
        let plain = try f.get("/page", headers: ["Accept-Encoding": "gzip;q=0"])
        #expect(plain.header("Content-Encoding") == nil && plain.body == Self.page)
        #expect(plain.header("Vary") == "Accept-Encoding")   // gzip_vary even when not compressing, as nginx
        #expect(try f.get("/small", headers: gz).header("Content-Encoding") == nil)
        #expect(try f.get("/png", headers: gz).header("Content-Encoding") == nil)
        #expect(try f.get("/encoded", headers: gz).header("Content-Encoding") == "br")
        #expect(try f.get("/page", headers: gz.merging(["Range": "bytes=0-9"]) { a, _ in a }).header("Content-Encoding") == nil)
        #expect(try f.get("/page", headers: gz.merging(["Via": "1.1 cdn"]) { a, _ in a }).header("Content-Encoding") == nil)
    }

    @Test func gzipProxiedAnyCompressesRequestsFromProxies() throws {
        let backend = try MockBackend(name: "b") { _ in MockResponse(headers: [("Content-Type", "text/plain")], body: Self.page) }
        defer { backend.stop() }
        let f = try fixture(backend, extra: "gzip_proxied any;")
        defer { f.proxy.stop() }
        let r = try f.get("/", headers: ["Accept-Encoding": "gzip", "Via": "1.1 cdn"])
        #expect(r.header("Content-Encoding") == "gzip")
        #expect(try Self.inflate(r.body) == Self.page)
    }

    @Test func http10ClientGetsCloseDelimitedGzip() throws {
        let backend = try MockBackend(name: "b") { _ in MockResponse(headers: [("Content-Type", "text/plain")], body: Self.page) }
        defer { backend.stop() }
        let f = try fixture(backend, extra: "gzip_http_version 1.0;")
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("GET / HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n")
        let r = try c.readResponse()
        #expect(r.header("Content-Encoding") == "gzip")
        #expect(r.header("Transfer-Encoding") == nil)
        #expect(try Self.inflate(r.body) == Self.page)
    }
}
