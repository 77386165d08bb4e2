import Deflate
import Glibc
import HTTP1
import SwitchyardTestSupport
import Testing

/// gzip_static end to end: a request for FILE is answered with FILE.gz as nginx's ngx_http_gzip_static_module
/// answers it (its source is the reference: nginx-tests has no gzip_static.t of its own).
@Suite(.serialized) struct GzipStaticTests {
    static let css = String(repeating: "body { color: #123456; margin: 0 auto; }\n", count: 200)
    /// The `.gz` a build step writes (level 9): a body made by the gzip filter (level 1) would differ from it.
    static let cssGz = gzip(Array(css.utf8), level: 9)
    static let page = "<!doctype html><title>spa</title><div id=app></div>\n"
    static let pageGz = gzip(Array(page.utf8), level: 9)
    /// More than a small file (16 KiB), so it leaves with sendfile: hex digits that do not compress much.
    static let bundle: String = {
        var x: UInt64 = 88172645463325252, s = ""
        while s.utf8.count < 120_000 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            s += String(x, radix: 16) + (x % 7 == 0 ? "\n" : ";")
        }
        return s
    }()
    static let bundleGz = gzip(Array(bundle.utf8), level: 9)

    static let plainMtime = 1_600_000_000, gzMtime = 1_700_000_000
    static let gzLastModified = "Tue, 14 Nov 2023 22:13:20 GMT", plainLastModified = "Sun, 13 Sep 2020 12:26:40 GMT"
    static let gzETag = etag(gzMtime, cssGz.count), plainETag = etag(plainMtime, css.utf8.count)
    static let accepts = ["Accept-Encoding": "gzip, deflate, br"]

    static func gzip(_ bytes: [UInt8], level: Int) -> [UInt8] {
        let encoder = try! GzipEncoder(level: level, windowBits: 15, memLevel: 8)
        var out: [UInt8] = []
        bytes.withUnsafeBytes { encoder.encode($0, end: true, into: &out) }
        return out
    }

    static func inflate(_ body: [UInt8]) throws -> [UInt8] { try ProxyGzipTests.inflate(body) }

    /// Bodies compared as one Bool: a failed `#expect` on two arrays prints every byte of both (minutes for 100 KiB).
    static func same(_ a: [UInt8], _ b: [UInt8]) -> Bool { a == b }

    /// app.css.gz as it is on disk: its bytes with their length, gzip-encoded, not framed again.
    static func isCSSGz(_ r: TestResponse) -> Bool {
        same(r.body, cssGz) && r.header("Content-Length") == String(cssGz.count) && r.header("Transfer-Encoding") == nil
            && r.header("Content-Encoding") == "gzip"
    }

    /// nginx's static ETag: mtime and size in hex.
    static func etag(_ mtime: Int, _ size: Int) -> String {
        "\"" + String(mtime, radix: 16) + "-" + String(size, radix: 16) + "\""
    }

    static func setMtime(_ path: String, _ seconds: Int) {
        var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
    }

    /// Each directory under `html/` holds app.css and its app.css.gz (older and newer); the locations differ.
    func fixture() throws -> Fixture {
        let dirs = ["", "always/", "filter/", "quiet/", "off/", "ssi/"]
        var files: [String: String] = [:]
        for d in dirs { files["html/\(d)app.css"] = Self.css }
        files["html/plain.css"] = Self.css
        files["html/filter/nogz.css"] = Self.css
        files["html/locked.css"] = Self.css
        files["html/spa/index.html"] = Self.page
        files["html/always/bundle.js"] = Self.bundle
        let f = try Fixture(http: """
            types { text/html html; text/css css; application/javascript js; }
            server {
                listen 127.0.0.1:PORT;
                root html;
                gzip_vary on;
                gzip_disable "BadBot";
                location / { gzip_static on; }
                location /always/ { gzip_static always; }
                location /filter/ { gzip_static on; gzip on; gzip_types text/css; gzip_min_length 1; }
                location /quiet/ { gzip_static on; gzip_vary off; }
                location /spa/ { gzip_static on; try_files $uri /spa/index.html; }
                location /off/ {}
                location /ssi/ { gzip_static on; ssi on; ssi_types text/css; }
            }
            """, files: files)
        let html = f.proxy.prefix + "/html/"
        for d in dirs {
            try TempDir.write(html + d + "app.css.gz", bytes: Self.cssGz)
            Self.setMtime(html + d + "app.css", Self.plainMtime)
            Self.setMtime(html + d + "app.css.gz", Self.gzMtime)
        }
        try TempDir.write(html + "spa/index.html.gz", bytes: Self.pageGz)
        try TempDir.write(html + "always/bundle.js.gz", bytes: Self.bundleGz)
        try TempDir.write(html + "locked.css.gz", bytes: Self.cssGz)
        #expect(chmod(html + "locked.css.gz", 0) == 0)
        return f
    }

    @Test func aClientThatAcceptsGzipGetsTheGzFileWithItsOwnValidators() throws {
        let f = try fixture()
        defer { f.proxy.stop() }
        let r = try f.get("/app.css", headers: Self.accepts)
        #expect(r.status == 200)
        #expect(Self.same(r.body, Self.cssGz))
        #expect(r.header("Content-Encoding") == "gzip")
        #expect(r.header("Content-Type") == "text/css")   // the file's type, not the .gz's
        #expect(r.header("Content-Length") == String(Self.cssGz.count))
        #expect(r.header("Last-Modified") == Self.gzLastModified)
        #expect(r.header("ETag") == Self.gzETag)
        #expect(r.header("Vary") == "Accept-Encoding")
        #expect(r.header("Transfer-Encoding") == nil)
        #expect(try Self.same(Self.inflate(r.body), Array(Self.css.utf8)))

        // A client that does not ask for gzip gets the file, told that the answer depends on Accept-Encoding.
        let plain = try f.get("/app.css")
        #expect(Self.same(plain.body, Array(Self.css.utf8)))
        #expect(plain.header("Content-Encoding") == nil)
        #expect(plain.header("ETag") == Self.plainETag && plain.header("Last-Modified") == Self.plainLastModified)
        #expect(plain.header("Vary") == "Accept-Encoding")

        // No .gz beside the file: the file, and nothing to vary on (gzip is off here).
        let alone = try f.get("/plain.css", headers: Self.accepts)
        #expect(Self.same(alone.body, Array(Self.css.utf8)))
        #expect(alone.header("Content-Encoding") == nil && alone.header("Vary") == nil)

        // gzip_static is off by default.
        let off = try f.get("/off/app.css", headers: Self.accepts)
        #expect(Self.same(off.body, Array(Self.css.utf8)) && off.header("Content-Encoding") == nil && off.header("Vary") == nil)
    }

    /// The gzip module's client checks decide for `on`: each of these gets the plain file, with Vary.
    @Test(arguments: [
        ["Accept-Encoding": "gzip;q=0, deflate"],
        ["Accept-Encoding": "gzip", "Via": "1.1 cdn"],              // gzip_proxied off
        ["Accept-Encoding": "gzip", "User-Agent": "BadBot/2.0"],    // gzip_disable
    ])
    func theGzipChecksRefuse(headers: [String: String]) throws {
        let f = try fixture()
        defer { f.proxy.stop() }
        let r = try f.get("/app.css", headers: headers)
        #expect(r.status == 200)
        #expect(Self.same(r.body, Array(Self.css.utf8)))
        #expect(r.header("Content-Encoding") == nil)
        #expect(r.header("Vary") == "Accept-Encoding")
    }

    @Test func http10IsBelowTheDefaultGzipHTTPVersion() throws {
        let f = try fixture()
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("GET /app.css HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n")
        let r = try c.readResponse()
        #expect(Self.same(r.body, Array(Self.css.utf8)) && r.header("Content-Encoding") == nil)
    }

    @Test func alwaysSendsTheGzFileToEveryClientWithoutVary() throws {
        let f = try fixture()
        defer { f.proxy.stop() }
        for headers in [[:], ["Accept-Encoding": "identity"], Self.accepts] {
            let r = try f.get("/always/app.css", headers: headers)
            #expect(Self.isCSSGz(r) && r.header("Vary") == nil)
        }
        // A .gz larger than a small file goes out with sendfile, byte for byte.
        let big = try f.get("/always/bundle.js")
        #expect(Self.bundleGz.count > 16 * 1024)
        #expect(big.header("Content-Length") == String(Self.bundleGz.count))
        #expect(big.header("Content-Type") == "application/javascript")
        #expect(Self.same(big.body, Self.bundleGz))
    }

    @Test func gzipVaryOffAddsNoVary() throws {
        let f = try fixture()
        defer { f.proxy.stop() }
        let gz = try f.get("/quiet/app.css", headers: Self.accepts)
        #expect(Self.isCSSGz(gz) && gz.header("Vary") == nil)
        let plain = try f.get("/quiet/app.css")
        #expect(Self.same(plain.body, Array(Self.css.utf8)) && plain.header("Vary") == nil)
    }

    /// With `gzip on` too: the .gz is sent as it is (never compressed again), a file without one is compressed on
    /// the fly, and either way one Vary line.
    @Test func theGzipFilterLeavesTheGzFileAloneAndTakesTheRest() throws {
        let f = try fixture()
        defer { f.proxy.stop() }
        let r = try f.get("/filter/app.css", headers: Self.accepts)
        #expect(Self.isCSSGz(r))
        #expect(r.header("ETag") == Self.gzETag)   // strong: these are the file's bytes, not the filter's
        #expect(r.headers("Vary") == ["Accept-Encoding"])

        let fly = try f.get("/filter/nogz.css", headers: Self.accepts)
        #expect(fly.header("Content-Encoding") == "gzip" && fly.header("Transfer-Encoding") == "chunked")
        #expect(try Self.same(Self.inflate(fly.body), Array(Self.css.utf8)))
        #expect(!Self.same(fly.body, Self.cssGz))

        let plain = try f.get("/filter/app.css")
        #expect(Self.same(plain.body, Array(Self.css.utf8)))
        #expect(plain.headers("Vary") == ["Accept-Encoding"])
    }

    @Test func conditionalRequestsAndHeadWorkOnTheGzFileAndRangesDoNot() throws {
        let f = try fixture()
        defer { f.proxy.stop() }
        var headers = Self.accepts
        headers["If-None-Match"] = Self.gzETag
        let notModified = try f.get("/app.css", headers: headers)
        #expect(notModified.status == 304 && notModified.body.isEmpty)
        #expect(notModified.header("ETag") == Self.gzETag)
        #expect(notModified.header("Content-Encoding") == nil)   // nginx's not_modified filter drops it
        #expect(notModified.header("Vary") == "Accept-Encoding")
        // The .gz's validator does not match the plain file a client without gzip gets.
        #expect(try f.get("/app.css", headers: ["If-None-Match": Self.gzETag]).status == 200)
        let since = try f.get("/app.css", headers: ["Accept-Encoding": "gzip", "If-Modified-Since": Self.gzLastModified])
        #expect(since.status == 304)

        // As nginx: a Range gets the whole .gz (no byte offsets into it are offered), the plain file its part.
        let range = try f.get("/app.css", headers: ["Accept-Encoding": "gzip", "Range": "bytes=0-9"])
        #expect(range.status == 200 && range.header("Content-Range") == nil && range.header("Accept-Ranges") == nil)
        #expect(Self.same(range.body, Self.cssGz))
        #expect(range.header("Content-Encoding") == "gzip")
        #expect(try f.get("/app.css", headers: ["Range": "bytes=0-9"]).status == 206)

        let c = try f.client()
        try c.send("HEAD /app.css HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
        let head = try c.readResponse(method: .head)
        #expect(head.status == 200 && head.body.isEmpty)
        #expect(head.header("Content-Encoding") == "gzip")
        #expect(head.header("Content-Length") == String(Self.cssGz.count))
        // The connection stays usable after the HEAD.
        try c.send("GET /app.css HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
        #expect(try Self.same(c.readResponse().body, Self.cssGz))
    }

    /// In an `ssi on` location the .gz is sent as it is on disk (with its length): compressed bytes are not parsed;
    /// the plain file goes through SSI (no length then) and keeps the Vary.
    @Test func theGzFileIsNotParsedForSSI() throws {
        let f = try fixture()
        defer { f.proxy.stop() }
        #expect(Self.isCSSGz(try f.get("/ssi/app.css", headers: Self.accepts)))
        let plain = try f.get("/ssi/app.css")
        #expect(Self.same(plain.body, Array(Self.css.utf8)))
        #expect(plain.header("Content-Length") == nil && plain.header("Vary") == "Accept-Encoding")
    }

    /// The single-page application idiom: a route no file has falls back to index.html, which has its .gz.
    @Test func tryFilesFallbackIsServedFromItsGzFile() throws {
        let f = try fixture()
        defer { f.proxy.stop() }
        let r = try f.get("/spa/settings/profile", headers: Self.accepts)
        #expect(r.status == 200)
        #expect(r.header("Content-Type") == "text/html")
        #expect(Self.same(r.body, Self.pageGz))
        #expect(try Self.same(f.get("/spa/settings/profile").body, Array(Self.page.utf8)))
    }

    /// A .gz the server may not read is logged as nginx logs it, and the plain file is served.
    @Test func anUnreadableGzFileFallsBackToThePlainFile() throws {
        let f = try fixture()
        defer { f.proxy.stop() }
        let r = try f.get("/locked.css", headers: Self.accepts)
        #expect(r.status == 200 && Self.same(r.body, Array(Self.css.utf8)))
        #expect(r.header("Content-Encoding") == nil)
        #expect(f.errorLog().contains("open() \"\(f.proxy.prefix)/html/locked.css.gz\" failed (13: Permission denied)"))
    }
}
