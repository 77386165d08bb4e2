import Glibc
@testable import Proxy
import SwitchyardTestSupport
import Testing

/// `flv` end to end: the FLV header before the file from `start=`, the validators and ranges over that body, the
/// sendfile and filtered paths, and what the static module keeps (directories, 404, other methods).
@Suite struct FLVTests {
    static let header: [UInt8] = [0x46, 0x4C, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0]
    static let small = String(repeating: "0123456789", count: 10)
    static let large = String(repeating: "0123456789", count: 4_000)

    /// `start=` as nginx's ngx_atoof reads it: digits only; an offset at or past the end is no offset.
    @Test func startOffsets() {
        func offset(_ text: String?, _ size: Int64 = 100) -> Int64 { FLVFiles.offset(text.map { Array($0.utf8)[...] }, size: size) }
        #expect(offset("3") == 3 && offset("99") == 99)
        #expect(offset("100") == 0 && offset("1000") == 0)
        #expect(offset(nil) == 0 && offset("") == 0 && offset("-1") == 0 && offset("+5") == 0 && offset("3x") == 0)
        #expect(offset("99999999999999999999999") == 0)
    }

    static func fixture() throws -> Fixture {
        let f = try Fixture(http: """
            types { video/x-flv flv; text/html html; }
            server {
                listen 127.0.0.1:PORT;
                root files;
                location / { flv; }
                location /z/ { alias files/; flv; gzip on; gzip_types video/x-flv; gzip_min_length 1; }
            }
            """, files: ["files/v.flv": small, "files/big.flv": large, "files/d/index.html": "the index"])
        for name in ["v.flv", "big.flv"] {
            var times = [timespec(tv_sec: 1_000_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000_000, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, f.proxy.prefix + "/files/" + name, &times, 0) == 0)
        }
        return f
    }

    @Test func startSendsTheHeaderThenTheFileFromTheOffset() throws {
        let f = try Self.fixture()
        defer { f.proxy.stop() }
        let whole = try f.get("/v.flv")
        #expect(whole.text == Self.small && whole.header("ETag") == "\"3b9aca00-64\"")
        let cut = try f.get("/v.flv?start=3")
        #expect(cut.status == 200 && cut.body == Self.header + Array(Self.small.utf8.dropFirst(3)))
        #expect(cut.header("Content-Length") == "110" && cut.header("Content-Type") == "video/x-flv")
        #expect(cut.header("ETag") == "\"3b9aca00-6e\"" && cut.header("Accept-Ranges") == "bytes")
        for ignored in ["start=100", "start=abc", "start=-1", "start=", "begin=3"] {
            #expect(try f.get("/v.flv?" + ignored).text == Self.small)
        }
        #expect(try f.get("/v.flv?x=1&START=98").body == Self.header + Array("89".utf8))
        let head = try f.raw("HEAD /v.flv?start=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(head.contains("Content-Length: 110\r\n") && head.hasSuffix("\r\n\r\n"))
        #expect(try f.get("/v.flv?start=3", headers: ["If-None-Match": "\"3b9aca00-6e\""]).status == 304)
        #expect(try f.get("/v.flv?start=3", headers: ["If-None-Match": "\"3b9aca00-64\""]).status == 200)
    }

    @Test func rangesCountTheHeader() throws {
        let f = try Self.fixture()
        defer { f.proxy.stop() }
        let across = try f.get("/v.flv?start=3", headers: ["Range": "bytes=5-20"])
        #expect(across.status == 206 && across.header("Content-Range") == "bytes 5-20/110")
        #expect(across.body == Array(Self.header[5...]) + Array("34567890".utf8))
        let tail = try f.get("/v.flv?start=3", headers: ["Range": "bytes=-3"])
        #expect(tail.text == "789" && tail.header("Content-Range") == "bytes 107-109/110")
        let parts = try f.get("/v.flv?start=3", headers: ["Range": "bytes=0-2,20-22"])
        #expect(parts.status == 206)
        #expect(parts.text.contains("Content-Range: bytes 0-2/110\r\n\r\nFLV\r\n"))
        #expect(parts.text.contains("Content-Range: bytes 20-22/110\r\n\r\n012\r\n"))
        #expect(try f.get("/v.flv?start=3", headers: ["Range": "bytes=110-"]).status == 416)
    }

    /// Past the small-file size the body leaves with sendfile, the header queued before it; with gzip it is read
    /// through the compressor, the header first.
    @Test func largeAndCompressedBodies() throws {
        let f = try Self.fixture()
        defer { f.proxy.stop() }
        let big = try f.get("/big.flv?start=10")
        #expect(big.header("Content-Length") == "40003")
        #expect(big.body == Self.header + Array(Self.large.utf8.dropFirst(10)))
        let zipped = try f.get("/z/v.flv?start=3", headers: ["Accept-Encoding": "gzip"])
        #expect(zipped.header("Content-Encoding") == "gzip")
        #expect(try ProxyGzipTests.inflate(zipped.body) == Self.header + Array(Self.small.utf8.dropFirst(3)))
    }

    @Test func whatTheStaticModuleKeeps() throws {
        let f = try Self.fixture()
        defer { f.proxy.stop() }
        #expect(try f.get("/d/").text == "the index")
        #expect(try f.get("/d").status == 301)
        #expect(try f.get("/none.flv?start=1").status == 404)
        #expect(try f.raw("POST /v.flv HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .hasPrefix("HTTP/1.1 405 "))
    }
}
