import Deflate
import Glibc
import HTTP1
import SwitchyardTestSupport
import Synchronization
import Testing

/// gzip on cache HITs, compressed once (issue 20): the first compressed HIT stores the gzip variant beside the
/// entry, later HITs (and a restarted proxy) send its bytes; a new response is never sent with an old variant.
@Suite(.serialized) struct ProxyCacheGzipTests {
    static let page = Array((0..<2_000).map { "<p>line \($0): switchyard compresses once</p>\n" }.joined().utf8.prefix(100 * 1024))

    /// What one gzip stream at level 1 makes of the whole page (nginx's window for a 100 KiB body: 15 bits, hash 8).
    static var expected: [UInt8] {
        let encoder = try! GzipEncoder(level: 1, windowBits: 15, memLevel: 8)
        var out: [UInt8] = []
        page.withUnsafeBytes { encoder.encode($0, end: true, into: &out) }
        return out
    }

    static func fileBytes(_ path: String) throws -> [UInt8] { try TempDir.readBytes(path) }

    static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_TRUNC)
        try #require(fd >= 0)
        defer { close(fd) }
        #expect(write(fd, bytes, bytes.count) == bytes.count)
    }

    static func entryFile(_ dir: String, endingWith tail: [UInt8]) -> String? {
        ProxyCacheTests.entries(dir).first { path in
            let bytes = (try? Self.fileBytes(path)) ?? []
            return bytes.count >= tail.count && Array(bytes.suffix(tail.count)) == tail
        }
    }

    @Test func hitsSendTheStoredGzipVariant() throws {
        let backend = try MockBackend(name: "b1") { _ in
            MockResponse(headers: [("Content-Type", "text/plain"), ("ETag", "\"p1\"")], body: Self.page)
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let gz = ["Accept-Encoding": "gzip"]
        var f = try ProxyCacheTests.fixture(backend, dir: dir, extra: "gzip on; gzip_comp_level 1; gzip_types text/plain;")
        let miss = try f.get("/page.txt", headers: gz)
        #expect(miss.header("X-Cache") == "MISS" && miss.header("Content-Encoding") == "gzip")
        _ = ProxyCacheTests.entries(dir, count: 1)
        let first = try f.get("/page.txt", headers: gz)
        #expect(first.header("X-Cache") == "HIT" && first.header("Content-Encoding") == "gzip")
        #expect(first.header("Content-Length") == String(first.body.count) && first.header("ETag") == "W/\"p1\"")
        #expect(try ProxyGzipTests.inflate(first.body) == Self.page)
        #expect(first.body == Self.expected)   // the bytes the gzip filter makes at the configured level
        #expect(ProxyCacheTests.entries(dir, count: 2).count == 2)   // the entry and its gzip variant
        let variant = try #require(Self.entryFile(dir, endingWith: first.body))
        let second = try f.get("/page.txt", headers: gz)
        #expect(second.header("X-Cache") == "HIT" && second.body == first.body)
        let plain = try f.get("/page.txt")
        #expect(plain.header("X-Cache") == "HIT" && plain.header("Content-Encoding") == nil && plain.body == Self.page)
        #expect(plain.header("ETag") == "\"p1\"")
        let head = try f.raw("HEAD /page.txt HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n")
        #expect(head.hasPrefix("HTTP/1.1 200") && head.contains("X-Cache: HIT"))
        #expect(backend.requests == 1)

        // A restarted proxy reads the variant from disk and sends its bytes as stored: mark one byte of its body
        // (the body is not checksummed) and that byte comes back, so nothing was compressed again.
        f.proxy.stop()
        var bytes = try Self.fileBytes(variant)
        bytes[bytes.count - 20] ^= 0xFF
        try Self.writeFile(variant, bytes)
        f = try ProxyCacheTests.fixture(backend, dir: dir, extra: "gzip on; gzip_comp_level 1; gzip_types text/plain;")
        defer { f.proxy.stop() }
        let cold = try f.get("/page.txt", headers: gz)
        #expect(cold.header("X-Cache") == "HIT" && cold.header("Content-Encoding") == "gzip")
        #expect(cold.body == Array(bytes.suffix(first.body.count)) && cold.body != first.body)
        #expect(backend.requests == 1)
    }

    /// An entry file of the previous format (version 3: no body id) left by an older switchyard is a MISS, removed
    /// and stored again, never served or a crash.
    /// A HIT whose gzip variant is far larger than gzip_buffers (300 KiB that compress little, 2 x 4 KiB buffers)
    /// is compressed and sent: the whole-body loop fed `write` without draining it, and spun for ever once the
    /// output held the buffers' worth (the client got nothing, the worker thread was lost).
    @Test func aHitLargerThanGzipBuffersIsCompressed() throws {
        var seed: UInt64 = 7
        let body: [UInt8] = (0..<(300 * 1024)).map { _ in
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(33 + (seed >> 33) % 94)   // printable, and poor to compress
        }
        let backend = try MockBackend(name: "b1") { _ in MockResponse(headers: [("Content-Type", "text/plain")], body: body) }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try ProxyCacheTests.fixture(backend, dir: dir,
                                            extra: "gzip on; gzip_comp_level 1; gzip_types text/plain; gzip_buffers 2 4k;")
        defer { f.proxy.stop() }
        _ = try f.get("/big.txt")
        _ = ProxyCacheTests.entries(dir, count: 1)
        let hit = try f.get("/big.txt", headers: ["Accept-Encoding": "gzip"])
        #expect(hit.header("X-Cache") == "HIT" && hit.header("Content-Encoding") == "gzip")
        #expect(try ProxyGzipTests.inflate(hit.body) == body)
    }

    @Test func aVersion3EntryIsAMiss() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(headers: [("Content-Type", "text/plain")], body: Self.page) }
        defer { backend.stop() }
        let dir = try TempDir.make()
        var f = try ProxyCacheTests.fixture(backend, dir: dir)
        _ = try f.get("/old")
        let path = try #require(ProxyCacheTests.entries(dir, count: 1).first)
        f.proxy.stop()
        var bytes = try Self.fileBytes(path)
        #expect(bytes[4] == 4)
        bytes[4] = 3
        try Self.writeFile(path, bytes)
        f = try ProxyCacheTests.fixture(backend, dir: dir)
        defer { f.proxy.stop() }
        // The zone's loader removes it (so it cannot race the new entry written under the same name).
        #expect(ProxyCacheTests.entries(dir, count: 0).isEmpty)
        let again = try f.get("/old")
        #expect(again.status == 200 && again.body == Self.page && again.header("X-Cache") == "MISS")
        #expect(backend.requests == 2)
        _ = ProxyCacheTests.entries(dir, count: 1)
        #expect(try f.get("/old").header("X-Cache") == "HIT")
        #expect(try Self.fileBytes(path)[4] == 4)
    }

    /// Another `gzip_comp_level` on the same entry gets its own bytes, never the other level's.
    @Test func anotherLevelGetsItsOwnBytes() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(headers: [("Content-Type", "text/plain")], body: Self.page) }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try Fixture(http: """
            proxy_cache_path \(dir) levels=1:2 keys_zone=one:1m;
            server {
                listen 127.0.0.1:PORT;
                gzip on; gzip_types text/plain; proxy_cache one; proxy_cache_key page; proxy_cache_valid 200 1h;
                location /fast { gzip_comp_level 1; proxy_pass http://\(backend.address); }
                location /best { gzip_comp_level 9; proxy_pass http://\(backend.address); }
            }
            """)
        defer { f.proxy.stop() }
        _ = try f.get("/fast")
        _ = ProxyCacheTests.entries(dir, count: 1)
        var seen: [String: [UInt8]] = [:]
        for path in ["/fast", "/best", "/fast", "/best"] {
            let r = try f.get(path, headers: ["Accept-Encoding": "gzip"])
            #expect(try ProxyGzipTests.inflate(r.body) == Self.page)
            if let before = seen[path] { #expect(r.body == before, "\(path)") }
            seen[path] = r.body
        }
        #expect(seen["/fast"] == Self.expected && seen["/fast"] != seen["/best"])
        #expect(backend.requests == 1)
    }

    /// When the entry is stored again (a new response replaces it), its old variant is not sent. The new response
    /// comes through `proxy_cache_bypass`, which stores what it fetches as an expired entry's refresh does, so no
    /// step waits for a max-age to run out (a loaded machine made such waits race the requests around them).
    @Test func aNewResponseIsNotSentWithTheOldVariant() throws {
        let version = VersionCounter()
        let backend = try MockBackend(name: "b1") { _ in
            let v = version.next()
            return MockResponse(headers: [("Content-Type", "text/plain"), ("Cache-Control", "max-age=3600")],
                                body: Array("version \(v)\n".utf8) + Self.page)
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try ProxyCacheTests.fixture(
            backend, dir: dir, extra: "gzip on; gzip_types text/plain; proxy_cache_bypass $http_x_refresh;")
        defer { f.proxy.stop() }
        let gz = ["Accept-Encoding": "gzip"]
        _ = try f.get("/v", headers: gz)
        _ = ProxyCacheTests.entries(dir, count: 1)
        let hit = try f.get("/v", headers: gz)
        #expect(hit.header("X-Cache") == "HIT")
        #expect(try ProxyGzipTests.inflate(hit.body).prefix(10) == Array("version 1\n".utf8)[...])
        let refreshed = try f.get("/v", headers: gz.merging(["X-Refresh": "1"]) { a, _ in a })
        #expect(refreshed.header("X-Cache") == "BYPASS")
        #expect(try ProxyGzipTests.inflate(refreshed.body).prefix(10) == Array("version 2\n".utf8)[...])
        _ = try f.get("/v")   // let the new entry be committed and hot
        let next = try f.get("/v", headers: gz)
        #expect(next.header("X-Cache") == "HIT")
        #expect(try ProxyGzipTests.inflate(next.body).prefix(10) == Array("version 2\n".utf8)[...])
        #expect(version.current == 2)
    }
}

final class VersionCounter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
    var current: Int { value.withLock { $0 } }
}

extension ProxyCacheGzipTests {
    /// `$gzip_ratio` is the same for the same entry whether it was compressed on its way in (MISS) or sent as the
    /// stored variant (HIT), both counting the whole gzip member as nginx does; a HIT left the trailer out.
    @Test func aHitLogsTheSameGzipRatioAsItsMiss() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(headers: [("Content-Type", "text/plain")], body: Self.page) }
        defer { backend.stop() }
        let f = try Fixture(http: """
            log_format ratio "$upstream_cache_status $gzip_ratio";
            proxy_cache_path \(try TempDir.make()) levels=1:2 keys_zone=one:1m;
            server {
                listen 127.0.0.1:PORT;
                access_log logs/ratio.log ratio;
                location / {
                    proxy_pass http://\(backend.address);
                    proxy_cache one;
                    proxy_cache_valid 200 1h;
                    add_header X-Cache $upstream_cache_status;
                    gzip on; gzip_comp_level 1; gzip_types text/plain;
                }
            }
            """)
        defer { f.proxy.stop() }
        let gz = ["Accept-Encoding": "gzip"]
        #expect(try f.get("/p.txt", headers: gz).header("X-Cache") == "MISS")
        #expect(try f.get("/p.txt", headers: gz).header("X-Cache") == "HIT")
        let lines = f.logFile("logs/ratio.log", containing: "HIT").split(separator: "\n")
        let ratios = lines.map { $0.split(separator: " ").last.map(String.init) ?? "" }
        #expect(lines.count == 2 && ratios[0] == ratios[1] && ratios[0] != "-", "\(lines)")
    }
}
