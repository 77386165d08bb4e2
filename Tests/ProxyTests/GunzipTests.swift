import Deflate
import Glibc
import HTTP1
import SwitchyardTestSupport
import Testing

/// `gunzip on` end to end (nginx's ngx_http_gunzip_module): a gzip body from an upstream or gzip_static's `.gz`
/// reaches a client that does not take gzip inflated, and one that does as it is.
@Suite(.serialized) struct GunzipTests {
    static let text = Array(String(repeating: "switchyard inflates what the backend compressed\n", count: 300).utf8)
    static let gz = GzipStaticTests.gzip(text, level: 6)
    /// Two members, as files concatenated: both are inflated.
    static let twoMembers = gz + gz
    /// Hex digits that compress about 2:1, over 64 KiB compressed: the body reaches the proxy in several reads.
    static let large: [UInt8] = {
        var x: UInt64 = 88172645463325252, s: [UInt8] = []
        while s.count < 300_000 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            s += Array(String(x, radix: 16).utf8) + [10]
        }
        return s
    }()
    static let largeGz = GzipStaticTests.gzip(large, level: 1)
    static let gzipOK = ["Accept-Encoding": "gzip"]

    func backend() throws -> MockBackend {
        try MockBackend(name: "b") { req in
            let gzipped: [(String, String)] = [("Content-Type", "text/plain"), ("Content-Encoding", "gzip"), ("ETag", "\"v1\"")]
            switch req.target {
            case "/two": return MockResponse(headers: gzipped, body: Self.twoMembers)
            case "/large": return MockResponse(headers: gzipped, body: Self.largeGz, chunked: true)
            case "/plain": return MockResponse(headers: [("Content-Type", "text/plain")], body: Self.text)
            case "/br": return MockResponse(headers: [("Content-Type", "text/plain"), ("Content-Encoding", "br")], body: Self.gz)
            case "/corrupt": return MockResponse(headers: gzipped, body: Array(Self.gz.prefix(40)) + [UInt8](repeating: 0xff, count: 64))
            case "/cut": return MockResponse(headers: gzipped, body: Array(Self.gz.prefix(Self.gz.count / 2)))
            default: return MockResponse(headers: gzipped, body: Self.gz)
            }
        }
    }

    func fixture(_ b: MockBackend) throws -> Fixture {
        try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                gzip_vary on;
                location / { gunzip on; proxy_pass http://\(b.address); }
                location /sub/ { gunzip on; sub_filter 'backend' 'upstream'; sub_filter_once off; sub_filter_types text/plain;
                                 proxy_pass http://\(b.address)/; }
                location /off/ { proxy_pass http://\(b.address)/; }
            }
            """)
    }

    @Test func aClientWithoutGzipGetsTheBodyInflated() throws {
        let b = try backend()
        defer { b.stop() }
        let f = try fixture(b)
        defer { f.proxy.stop() }

        let r = try f.get("/page")
        #expect(r.status == 200)
        #expect(r.body == Self.text)
        #expect(r.header("Content-Encoding") == nil)
        #expect(r.header("Content-Length") == nil && r.header("Transfer-Encoding") == "chunked")
        #expect(r.header("Vary") == "Accept-Encoding")
        #expect(r.header("ETag") == "W/\"v1\"")   // the body is not the upstream's bytes any more

        #expect(try f.get("/two").body == Self.text + Self.text)
        #expect(try f.get("/large").body == Self.large)

        // HEAD: the head a GET gets.
        let head = try f.raw("HEAD /page HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        #expect(!head.contains("Content-Encoding") && head.contains("Vary: Accept-Encoding"))

        // The other filters see the inflated text.
        #expect(try f.get("/sub/page").body == Array(String(repeating: "switchyard inflates what the upstream compressed\n", count: 300).utf8))
    }

    @Test func aClientThatTakesGzipGetsItAsItCame() throws {
        let b = try backend()
        defer { b.stop() }
        let f = try fixture(b)
        defer { f.proxy.stop() }

        let r = try f.get("/page", headers: Self.gzipOK)
        #expect(r.body == Self.gz)
        #expect(r.header("Content-Encoding") == "gzip" && r.header("Content-Length") == String(Self.gz.count))
        #expect(r.header("Vary") == "Accept-Encoding" && r.header("ETag") == "\"v1\"")

        // Other codings and plain bodies pass as they are, without a Vary; so does everything where gunzip is off.
        let br = try f.get("/br")
        #expect(br.body == Self.gz && br.header("Content-Encoding") == "br" && br.header("Vary") == nil)
        let plain = try f.get("/plain")
        #expect(plain.body == Self.text && plain.header("Vary") == nil)
        let off = try f.get("/off/page")
        #expect(off.body == Self.gz && off.header("Content-Encoding") == "gzip")
    }

    @Test func aCorruptBodyIsCutAndLogged() throws {
        let b = try backend()
        defer { b.stop() }
        let f = try fixture(b)
        defer { f.proxy.stop() }

        for path in ["/corrupt", "/cut"] {
            let text = try f.raw("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n")   // the proxy closes after it
            #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(!text.contains("Content-Encoding"))
            #expect(text.contains("\r\n\r\n") && !text.hasSuffix("\r\n0\r\n\r\n"))   // cut: no last chunk
        }
        #expect(f.errorLog().contains("[error]") && f.errorLog().contains("inflate()"))
        #expect(try f.get("/page").body == Self.text)   // and the next request is served
    }

    /// A cached gzip entry: inflated for a client without gzip, as stored for one with it, a Vary either way.
    @Test func aCachedGzipEntryIsInflatedToo() throws {
        let b = try backend()
        defer { b.stop() }
        let dir = try TempDir.make()
        let f = try Fixture(http: """
            proxy_cache_path \(dir) keys_zone=gz:1m;
            server {
                listen 127.0.0.1:PORT;
                gzip_vary on;
                location / { gunzip on; proxy_cache gz; proxy_cache_valid 200 1m;
                             add_header X-Cache $upstream_cache_status; proxy_pass http://\(b.address); }
            }
            """)
        defer { f.proxy.stop() }
        for expected in ["MISS", "HIT", "HIT"] {
            let plain = try f.get("/page")
            #expect(plain.header("X-Cache") == expected)
            #expect(plain.body == Self.text && plain.header("Content-Encoding") == nil)
            #expect(plain.header("Vary") == "Accept-Encoding")
        }
        let gz = try f.get("/page", headers: Self.gzipOK)
        #expect(gz.header("X-Cache") == "HIT" && gz.body == Self.gz && gz.header("Content-Encoding") == "gzip")
        #expect(gz.header("Vary") == "Accept-Encoding")
    }

    @Test func gzipStaticAlwaysWithGunzip() throws {
        let f = try Fixture(http: """
            types { text/plain txt; }
            server {
                listen 127.0.0.1:PORT;
                root html;
                location / { gunzip on; gzip_vary on; gzip_static always; }
            }
            """, files: ["html/readme.txt": "unused: gzip_static always sends the .gz", "html/broken.txt": "unused"])
        defer { f.proxy.stop() }
        try TempDir.write(f.proxy.prefix + "/html/readme.txt.gz", bytes: Self.twoMembers)

        let r = try f.get("/readme.txt")
        #expect(r.body == Self.text + Self.text)
        #expect(r.header("Content-Encoding") == nil && r.header("Vary") == "Accept-Encoding")
        #expect(r.header("Content-Type") == "text/plain")

        let gz = try f.get("/readme.txt", headers: Self.gzipOK)
        #expect(gz.body == Self.twoMembers && gz.header("Content-Encoding") == "gzip" && gz.header("Vary") == "Accept-Encoding")

        // A `.gz` that is not gzip: cut and logged, and the worker goes on.
        try TempDir.write(f.proxy.prefix + "/html/broken.txt.gz", bytes: Array(Self.gz.prefix(30)) + [UInt8](repeating: 0xee, count: 40))
        let cut = try f.raw("GET /broken.txt HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(cut.hasPrefix("HTTP/1.1 200 OK\r\n") && !cut.hasSuffix("\r\n0\r\n\r\n"))
        #expect(f.errorLog().contains("inflate() failed"))
        #expect(try f.get("/readme.txt").body == Self.text + Self.text)
    }

    /// A gzip bomb: a body a thousandfold smaller than its text (32 members of 4 MiB of zeros, 128 MiB inflated),
    /// from an upstream and from gzip_static. The proxy inflates a step at a time while the client takes it, so
    /// its memory grows by a few buffers, not by the text (before, each 16-32 KiB read became 16-32 MiB at once).
    @Test func aGzipBombInflatesInBoundedMemory() throws {
        let member = GzipStaticTests.gzip([UInt8](repeating: 0, count: 4 << 20), level: 9)
        let bomb = Array([[UInt8]](repeating: member, count: 32).joined())
        let plainSize = 128 << 20
        let b = try MockBackend(name: "b") { _ in
            MockResponse(headers: [("Content-Type", "text/plain"), ("Content-Encoding", "gzip")], body: bomb)
        }
        defer { b.stop() }
        let f = try Fixture(http: """
            types { text/plain txt; }
            server {
                listen 127.0.0.1:PORT;
                root html;
                location /up/ { gunzip on; proxy_pass http://\(b.address); }
                location / { gunzip on; gzip_static always; }
            }
            """, files: ["html/bomb.txt": "unused: gzip_static always sends the .gz"])
        defer { f.proxy.stop() }
        try TempDir.write(f.proxy.prefix + "/html/bomb.txt.gz", bytes: bomb)
        let before = try ProxyStreamingTests.peakRSS(f.proxy.pid)

        for path in ["/up/bomb", "/bomb.txt"] {
            // HTTP/1.0: the body is delimited by the close, so every byte after the head is text.
            let c = try f.client()
            try c.send("GET \(path) HTTP/1.0\r\nHost: x\r\n\r\n")
            var head: [UInt8] = [], bodyBytes = 0, nonZero = 0
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = read(c.fd, &chunk, chunk.count)
                if n <= 0 { break }
                var from = 0
                if head.count < 4 || head.suffix(4) != [13, 10, 13, 10] {
                    while from < n && (head.count < 4 || head.suffix(4) != [13, 10, 13, 10]) { head.append(chunk[from]); from += 1 }
                }
                bodyBytes += n - from
                for i in from..<n where chunk[i] != 0 { nonZero += 1 }
            }
            #expect(String(decoding: head, as: UTF8.self).hasPrefix("HTTP/1.1 200 OK\r\n"), "\(path)")
            #expect(bodyBytes == plainSize && nonZero == 0, "\(path): \(bodyBytes) bytes, \(nonZero) not zero")
        }
        let peak = try ProxyStreamingTests.peakRSS(f.proxy.pid)
        if ProxyProcess.residentSizeIsMeaningful {
            #expect(peak - before < 12 * 1024, "peak RSS grew from \(before) KiB to \(peak) KiB")
        }
        #expect(!f.errorLog().contains("[error]"))
    }
}
