import Glibc
import Synchronization
import HTTP1
import SwitchyardTestSupport
import Testing

/// nginx's not_modified and range filters end to end: static files, cache HITs and responses being stored.
@Suite(.serialized) struct ConditionalRangeTests {
    static let text = "SEE-THIS-0123456789"

    /// `method` on a new connection, its response read as that method's.
    static func request(_ f: Fixture, _ method: String, _ path: String, _ headers: [String: String]) throws -> TestResponse {
        let c = try f.client()
        defer { c.close() }
        try c.send("\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n" + headers.map { "\($0): \($1)\r\n" }.joined() + "\r\n")
        return try c.readResponse(method: method == "HEAD" ? .head : .get)
    }

    static func staticFixture(_ extra: String = "") throws -> Fixture {
        try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                root files;
                \(extra)
                location /one { max_ranges 1; }
                location /none { max_ranges 0; }
            }
            """, files: ["files/t.txt": text, "files/one/t.txt": text, "files/none/t.txt": text])
    }

    @Test func staticFileAnswers304And412() throws {
        let f = try Self.staticFixture()
        defer { f.proxy.stop() }
        let full = try f.get("/t.txt")
        let lm = try #require(full.header("Last-Modified")), tag = try #require(full.header("ETag"))
        #expect(full.header("Accept-Ranges") == "bytes")
        let ims = try f.get("/t.txt", headers: ["If-Modified-Since": lm])
        #expect(ims.status == 304 && ims.body.isEmpty)
        #expect(ims.header("ETag") == tag && ims.header("Content-Length") == nil && ims.header("Accept-Ranges") == nil)
        #expect(try f.get("/t.txt", headers: ["If-None-Match": "\"a\", \(tag)"]).status == 304)
        #expect(try f.get("/t.txt", headers: ["If-None-Match": "\"other\""]).status == 200)
        // exact (the default): a later date is not the file's date.
        #expect(try f.get("/t.txt", headers: ["If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"]).status == 200)
        #expect(try f.get("/t.txt", headers: ["If-Unmodified-Since": "Fri, 05 Jul 1985 14:30:52 GMT"]).status == 412)
        #expect(try f.get("/t.txt", headers: ["If-Unmodified-Since": lm]).status == 200)
        #expect(try f.get("/t.txt", headers: ["If-Match": "\"nope\""]).status == 412)
        #expect(try f.get("/t.txt", headers: ["If-Match": tag]).text == Self.text)
    }

    /// Dates in If-Modified-Since, If-Unmodified-Since and If-Range are read as nginx reads them: what follows the
    /// time (old IE's `; length=`, a zone other than GMT, none) does not matter, nor spaces after the comma.
    @Test func clientDatesAreReadAsNginxReadsThem() throws {
        let f = try Self.staticFixture()
        defer { f.proxy.stop() }
        let lm = try #require(try f.get("/t.txt").header("Last-Modified"))
        let time = String(lm.dropLast(4))   // "Tue, 08 Dec 2026 00:51:14"
        for v in [lm + "; length=19", time + " UTC", time + " +0000", time, String(time.prefix(4)) + " " + time.dropFirst(4)] {
            let ims = try f.get("/t.txt", headers: ["If-Modified-Since": v])
            #expect(ims.status == 304 && ims.body.isEmpty, "\(v)")
            #expect(try f.get("/t.txt", headers: ["If-Unmodified-Since": v]).text == Self.text, "\(v)")
            let part = try f.get("/t.txt", headers: ["Range": "bytes=4-7", "If-Range": v])
            #expect(part.status == 206 && part.text == "THIS", "\(v)")
        }
        // What nginx refuses stays refused: a lowercase month is no date.
        let lower = String(time.prefix(8)) + time.dropFirst(8).prefix(3).lowercased() + time.dropFirst(11)
        #expect(try f.get("/t.txt", headers: ["If-Modified-Since": lower]).status == 200)
        #expect(try f.get("/t.txt", headers: ["If-Unmodified-Since": lower]).status == 412)
        #expect(try f.get("/t.txt", headers: ["Range": "bytes=4-7", "If-Range": lower]).status == 200)
    }

    @Test func cachedClientDatesAreReadAsNginxReadsThem() throws {
        let backend = try Self.validatedBackend()
        defer { backend.stop() }
        let f = try Self.cacheFixture(backend)
        defer { f.proxy.stop() }
        let ie = Self.lastModified + "; length=19", utc = String(Self.lastModified.dropLast(4)) + " UTC"
        // The response being stored, then the entry.
        let miss = try f.get("/d", headers: ["If-Modified-Since": ie])
        #expect(miss.status == 304 && miss.header("X-Cache") == "MISS")
        let hit = try f.get("/d", headers: ["If-Modified-Since": utc])
        #expect(hit.status == 304 && hit.header("X-Cache") == "HIT")
        #expect(try f.get("/d", headers: ["If-Unmodified-Since": ie]).status == 200)
        let part = try f.get("/d", headers: ["Range": "bytes=4-7", "If-Range": utc])
        #expect(part.status == 206 && part.text == "THIS")
        #expect(backend.requests == 1)
    }

    /// A file rewritten between requests is served as it is now (nginx without open_file_cache): a small file's
    /// fields come from the worker's memo of the previous response while its size and mtime stay, and its body
    /// is read again for every request.
    @Test func aChangedFileIsServedAsItIsNow() throws {
        let f = try Self.staticFixture()
        defer { f.proxy.stop() }
        let path = f.proxy.prefix + "/files/t.txt"
        #expect(try f.get("/t.txt").text == Self.text)
        var times = [timespec(tv_sec: 2_000_000_000, tv_nsec: 0), timespec(tv_sec: 2_000_000_000, tv_nsec: 0)]
        // The same size, a new mtime: new body, ETag and Last-Modified.
        try TempDir.write(path, "see-this-9876543210")
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        let second = try f.get("/t.txt")
        #expect(second.text == "see-this-9876543210")
        #expect(second.header("ETag") == "\"77359400-13\"")
        #expect(second.header("Last-Modified") == "Wed, 18 May 2033 03:33:20 GMT")
        // The same size and mtime, new bytes (no stat can tell): still the file's bytes of now.
        try TempDir.write(path, "SAME-SIZE-012345678")
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        #expect(try f.get("/t.txt").text == "SAME-SIZE-012345678")
        // Larger than a small file (sent from the file, not read into the head's buffer): whole.
        let big = String(repeating: "0123456789", count: 4_000)
        try TempDir.write(path, big)
        let third = try f.get("/t.txt")
        #expect(third.text == big && third.header("Content-Length") == "40000")
        #expect(try f.get("/t.txt", headers: ["Range": "bytes=39998-"]).text == "89")
        // A FIFO is not a regular file: 404 at once (opened non-blocking, never waited on), as nginx.
        #expect(mkfifo(f.proxy.prefix + "/files/fifo", 0o644) == 0)
        #expect(try f.get("/fifo").status == 404)
        #expect(f.errorLog().contains("/files/fifo\" is not a regular file"))
    }

    @Test func ifModifiedSinceBeforeAndEtagOff() throws {
        let f = try Self.staticFixture("if_modified_since before; etag off;")
        defer { f.proxy.stop() }
        let full = try f.get("/t.txt")
        #expect(full.header("ETag") == nil)
        #expect(try f.get("/t.txt", headers: ["If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"]).status == 304)
        #expect(try f.get("/t.txt", headers: ["If-Modified-Since": "Fri, 05 Jul 1985 14:30:52 GMT"]).status == 200)
        // `*` matches the file whether or not it has an ETag, as in nginx.
        let star = try f.get("/t.txt", headers: ["If-None-Match": "*"])
        #expect(star.status == 304 && star.body.isEmpty)
        #expect(try f.get("/t.txt", headers: ["If-Match": "*"]).text == Self.text)
        #expect(try f.get("/t.txt", headers: ["If-Match": "\"x\""]).status == 412)
    }

    @Test func staticFileRanges() throws {
        let f = try Self.staticFixture()
        defer { f.proxy.stop() }
        let one = try f.get("/t.txt", headers: ["Range": "bytes=4-7"])
        #expect(one.status == 206 && one.text == "THIS")
        #expect(one.header("Content-Range") == "bytes 4-7/19" && one.header("Content-Length") == "4")
        let suffix = try f.get("/t.txt", headers: ["Range": "bytes=-4"])
        #expect(suffix.status == 206 && suffix.text == "6789")
        let multi = try f.get("/t.txt", headers: ["Range": "bytes=0-2,4-7"])
        #expect(multi.status == 206)
        let type = try #require(multi.header("Content-Type"))
        #expect(type.hasPrefix("multipart/byteranges; boundary="))
        let boundary = String(type.dropFirst("multipart/byteranges; boundary=".count))
        #expect(multi.text == "\r\n--\(boundary)\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-2/19\r\n\r\nSEE"
                + "\r\n--\(boundary)\r\nContent-Type: text/plain\r\nContent-Range: bytes 4-7/19\r\n\r\nTHIS"
                + "\r\n--\(boundary)--\r\n")
        #expect(multi.header("Content-Length") == String(multi.body.count))
        let bad = try f.get("/t.txt", headers: ["Range": "bytes=100-"])
        #expect(bad.status == 416 && bad.header("Content-Range") == "bytes */19")
        // If-Range that does not hold, more parts than max_ranges, max_ranges 0: the whole file.
        let stale = try f.get("/t.txt", headers: ["Range": "bytes=0-2", "If-Range": "\"old\""])
        #expect(stale.status == 200 && stale.text == Self.text)
        let tag = try #require(try f.get("/t.txt").header("ETag"))
        #expect(try f.get("/t.txt", headers: ["Range": "bytes=0-2", "If-Range": tag]).text == "SEE")
        #expect(try f.get("/one/t.txt", headers: ["Range": "bytes=0-2,4-7"]).status == 200)
        #expect(try f.get("/one/t.txt", headers: ["Range": "bytes=0-2"]).status == 206)
        let none = try f.get("/none/t.txt", headers: ["Range": "bytes=0-2"])
        #expect(none.status == 200 && none.header("Accept-Ranges") == nil)
    }

    /// `error_page 416` answers a range nothing of the file satisfies, as nginx's range filter hands its 416 to the
    /// error page, with the Content-Range kept. switchyard sent its own 416 page.
    @Test func errorPage416AnswersAnUnsatisfiableRange() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                root files;
                error_page 416 /416.html;
            }
            """, files: ["files/t.txt": Self.text, "files/416.html": "custom 416 page\n"])
        defer { f.proxy.stop() }
        let bad = try f.get("/t.txt", headers: ["Range": "bytes=100-"])
        #expect(bad.status == 416 && bad.text == "custom 416 page\n", "\(bad.text)")
        #expect(bad.headers("Content-Range") == ["bytes */19"])
        #expect(try f.get("/t.txt", headers: ["Range": "bytes=0-2"]).text == "SEE")
    }

    /// The same for a proxied answer and a cached one: the error page answers the range filter's 416 (the upstream's
    /// answer is dropped first), with the Content-Range kept. They got the built-in page.
    @Test func errorPage416AnswersAProxiedOrCachedUnsatisfiableRange() throws {
        let backend = try Self.validatedBackend()
        defer { backend.stop() }
        let f = try Fixture(http: """
            proxy_cache_path \(try TempDir.make()) keys_zone=one:1m;
            server {
                listen 127.0.0.1:PORT;
                error_page 416 /range-page;
                location = /range-page { return 200 "no such range"; }
                location / {
                    proxy_pass http://\(backend.address);
                    proxy_cache one;
                    proxy_cache_valid 200 1h;
                }
            }
            """)
        defer { f.proxy.stop() }
        let miss = try f.get("/m", headers: ["Range": "bytes=50-"])
        #expect(miss.status == 416 && miss.text == "no such range" && miss.headers("Content-Range") == ["bytes */19"])
        _ = try f.get("/h")
        let c = try f.client()   // one kept-alive connection: the page's answer, then the next request
        try c.send("GET /h HTTP/1.1\r\nHost: x\r\nRange: bytes=50-\r\n\r\n")
        let hit = try c.readResponse()
        #expect(hit.status == 416 && hit.text == "no such range" && hit.headers("Content-Range") == ["bytes */19"])
        try c.send("GET /h HTTP/1.1\r\nHost: x\r\nRange: bytes=4-7\r\n\r\n")
        #expect(try c.readResponse().text == "THIS")
        #expect(backend.requests == 2)
    }

    /// nginx's 416 is made of the 200 after add_header and expires ran on it: it keeps what they added (an
    /// `always` line once here; nginx runs them again for its error page and sends such a line twice).
    @Test func rangeNotSatisfiableKeepsAddHeaderAndExpires() throws {
        let f = try Self.staticFixture("add_header X-A 1; add_header X-B 2 always; expires 1h;")
        defer { f.proxy.stop() }
        for method in ["GET", "HEAD"] {
            let bad = try Self.request(f, method, "/t.txt", ["Range": "bytes=100-"])
            #expect(bad.status == 416 && bad.header("Content-Range") == "bytes */19", "\(method)")
            #expect(bad.header("Content-Type") == "text/html" && bad.headers("X-A") == ["1"] && bad.headers("X-B") == ["2"])
            #expect(bad.header("Cache-Control") == "max-age=3600" && bad.header("Expires") != nil)
            #expect(bad.header("ETag") == nil && bad.header("Last-Modified") == nil && bad.header("Accept-Ranges") == nil)
            #expect(method == "HEAD" ? bad.body.isEmpty : bad.text.contains("416 Requested Range Not Satisfiable"))
        }
        // Other errors keep nginx's rule: `always` lines only, no expires.
        let missing = try f.get("/nope.txt")
        #expect(missing.status == 404 && missing.header("X-A") == nil && missing.headers("X-B") == ["2"])
        #expect(missing.header("Cache-Control") == nil)
    }

    static func cacheFixture(_ backend: MockBackend, extra: String = "") throws -> Fixture {
        try Fixture(http: """
            proxy_cache_path \(try TempDir.make()) keys_zone=one:1m;
            server {
                listen 127.0.0.1:PORT;
                location / {
                    proxy_pass http://\(backend.address);
                    proxy_cache one;
                    proxy_cache_valid 200 1h;
                    add_header X-Cache $upstream_cache_status;
                    \(extra)
                }
            }
            """)
    }

    static let lastModified = "Sun, 09 Sep 2001 01:46:40 GMT"

    static func validatedBackend() throws -> MockBackend {
        try MockBackend(name: "b1") { _ in
            MockResponse(headers: [("ETag", "\"v1\""), ("Last-Modified", lastModified), ("Accept-Ranges", "bytes"),
                                   ("Content-Type", "text/plain")], text: text)
        }
    }

    @Test func cachedEntryAnswers304And412() throws {
        let backend = try Self.validatedBackend()
        defer { backend.stop() }
        let f = try Self.cacheFixture(backend)
        defer { f.proxy.stop() }
        #expect(try f.get("/c").header("X-Cache") == "MISS")
        let inm = try f.get("/c", headers: ["If-None-Match": "\"v1\""])
        #expect(inm.status == 304 && inm.header("X-Cache") == "HIT" && inm.body.isEmpty)
        #expect(inm.header("ETag") == "\"v1\"" && inm.header("Content-Type") == nil && inm.header("Content-Length") == nil)
        #expect(try f.get("/c", headers: ["If-Modified-Since": Self.lastModified]).status == 304)
        #expect(try f.get("/c", headers: ["If-None-Match": "\"v2\""]).status == 200)
        #expect(try f.get("/c", headers: ["If-Unmodified-Since": "Fri, 05 Jul 1985 14:30:52 GMT"]).status == 412)
        #expect(try f.get("/c", headers: ["If-Match": "\"v2\""]).status == 412)
        #expect(backend.requests == 1)
    }

    /// `*` matches a stored response that has no ETag, on the MISS that stores it and on HITs.
    @Test func cachedEntryWithoutETagMatchesStar() throws {
        let backend = try MockBackend(name: "b1") { _ in
            MockResponse(headers: [("Last-Modified", Self.lastModified), ("Content-Type", "text/plain")], text: Self.text)
        }
        defer { backend.stop() }
        let f = try Self.cacheFixture(backend)
        defer { f.proxy.stop() }
        let miss = try f.get("/s", headers: ["If-None-Match": "*"])
        #expect(miss.status == 304 && miss.header("X-Cache") == "MISS" && miss.body.isEmpty)
        let hit = try f.get("/s", headers: ["If-None-Match": "*"])
        #expect(hit.status == 304 && hit.header("X-Cache") == "HIT" && hit.body.isEmpty)
        let im = try f.get("/s", headers: ["If-Match": "*"])
        #expect(im.status == 200 && im.header("X-Cache") == "HIT" && im.text == Self.text)
        #expect(try f.get("/s", headers: ["If-Match": "\"v1\""]).status == 412)
        #expect(backend.requests == 1)
    }

    @Test func responseBeingStoredAnswers304AndIsStillStored() throws {
        let backend = try Self.validatedBackend()
        defer { backend.stop() }
        let f = try Self.cacheFixture(backend)
        defer { f.proxy.stop() }
        let miss = try f.get("/m", headers: ["If-None-Match": "\"v1\""])
        #expect(miss.status == 304 && miss.header("X-Cache") == "MISS" && miss.body.isEmpty)
        let hit = try f.get("/m")
        #expect(hit.status == 200 && hit.header("X-Cache") == "HIT" && hit.text == Self.text)
        #expect(backend.requests == 1)
    }

    @Test func proxiedResponseNotStoredIsNotFiltered() throws {
        let backend = try Self.validatedBackend()
        defer { backend.stop() }
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://\(backend.address); } }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/p", headers: ["If-Modified-Since": Self.lastModified]).status == 200)
    }

    @Test func cachedEntryRanges() throws {
        let backend = try Self.validatedBackend()
        defer { backend.stop() }
        let f = try Self.cacheFixture(backend)
        defer { f.proxy.stop() }
        _ = try f.get("/r")
        let one = try f.get("/r", headers: ["Range": "bytes=4-"])
        #expect(one.status == 206 && one.text == "THIS-0123456789" && one.header("X-Cache") == "HIT")
        #expect(one.header("Content-Range") == "bytes 4-18/19")
        let multi = try f.get("/r", headers: ["Range": "bytes=0-2,4-7"])
        #expect(multi.status == 206 && multi.text.contains("\r\n\r\nSEE\r\n--") && multi.text.contains("\r\n\r\nTHIS\r\n--"))
        #expect(multi.header("Content-Length") == String(multi.body.count))
        // The 416 is made of the stored 200 after add_header: X-Cache stays, the validators go.
        let bad = try f.get("/r", headers: ["Range": "bytes=50-"])
        #expect(bad.status == 416 && bad.header("Content-Range") == "bytes */19" && bad.header("X-Cache") == "HIT")
        #expect(bad.header("ETag") == nil && bad.header("Last-Modified") == nil && bad.header("Accept-Ranges") == nil)
        #expect(bad.header("Content-Type") == "text/html" && bad.text.contains("416 Requested Range Not Satisfiable"))
        #expect(backend.requests == 1)
    }

    @Test func cachedEntryWithoutAcceptRangesIsSentWhole() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(text: "0123456789") }
        defer { backend.stop() }
        let f = try Self.cacheFixture(backend)
        defer { f.proxy.stop() }
        _ = try f.get("/w")
        let r = try f.get("/w", headers: ["Range": "bytes=0-1"])
        #expect(r.status == 200 && r.text == "0123456789" && r.header("X-Cache") == "HIT")
    }

    /// The 416 made of a proxied 200 names switchyard as the location's server_tokens says (it read the http
    /// level's, where the static file's 416 read the location's).
    @Test func theProxied416PageFollowsTheLocationsServerTokens() throws {
        let backend = try Self.validatedBackend()
        defer { backend.stop() }
        let f = try Self.cacheFixture(backend, extra: "server_tokens off;")
        defer { f.proxy.stop() }
        let bad = try f.get("/t", headers: ["Range": "bytes=50-"])
        #expect(bad.status == 416 && bad.text.contains("<hr><center>switchyard</center>"), "\(bad.text)")
        #expect(bad.header("Server") == "switchyard")
    }

    @Test func responseBeingStoredAnswersOneRange() throws {
        let backend = try Self.validatedBackend()
        defer { backend.stop() }
        let f = try Self.cacheFixture(backend)
        defer { f.proxy.stop() }
        let first = try f.get("/f", headers: ["Range": "bytes=4-7"])
        #expect(first.status == 206 && first.text == "THIS" && first.header("X-Cache") == "MISS")
        #expect(first.header("Content-Range") == "bytes 4-7/19" && first.header("Content-Length") == "4")
        // The whole body went into the entry.
        let hit = try f.get("/f")
        #expect(hit.status == 200 && hit.text == Self.text && hit.header("X-Cache") == "HIT")
        #expect(backend.requests == 1)
        // Nothing satisfiable: nginx's 416 instead of the response, which is then not stored.
        let bad = try f.get("/g", headers: ["Range": "bytes=50-"])
        #expect(bad.status == 416 && bad.header("Content-Range") == "bytes */19" && bad.header("X-Cache") == "MISS")
        #expect(try f.get("/g").header("X-Cache") == "MISS")
        #expect(backend.requests == 3)
    }

    /// proxy_cache_max_range_offset: a Range starting at the limit or past it goes upstream as it came and is not
    /// stored (a MISS); one before it is served through the cache (its Range stripped upstream), and once the entry
    /// is stored a far Range is a HIT too, as in nginx, which checks the offset on a miss only (every far Range went
    /// upstream, with no cache status).
    @Test func maxRangeOffsetSendsFarRangesUpstream() throws {
        let backend = try MockBackend(name: "b1") { req in
            MockResponse(headers: [("Content-Type", "text/plain")], text: "range=\(req.head.firstHeader("range").map { String(decoding: $0, as: UTF8.self) } ?? "none")")
        }
        defer { backend.stop() }
        let f = try Self.cacheFixture(backend, extra: "proxy_cache_max_range_offset 5;")
        defer { f.proxy.stop() }
        let far = try f.get("/c", headers: ["Range": "bytes=7-8"])
        #expect(far.text == "range=bytes=7-8" && far.header("X-Cache") == "MISS")
        #expect(try f.get("/c", headers: ["Range": "bytes=-2"]).text == "range=bytes=-2")
        #expect(backend.requests == 2)
        let near = try f.get("/c", headers: ["Range": "bytes=0-1"])
        #expect(near.text == "range=none" && near.header("X-Cache") == "MISS")
        #expect(try f.get("/c").header("X-Cache") == "HIT")
        let farHit = try f.get("/c", headers: ["Range": "bytes=7-8"])
        #expect(farHit.header("X-Cache") == "HIT" && farHit.text == "range=none")
        #expect(backend.requests == 3)
    }

    /// proxy_force_ranges: a 200 that did not say Accept-Ranges (from a backend that ignores Range) is cut to the
    /// one part asked, stored or not, and a stored one answers ranges on HITs; without it the 200 goes whole. As
    /// nginx's range filter: a 416 when nothing asked is in the body, and its own Accept-Ranges on a 200 it sends
    /// whole (the upstream's is not relayed).
    @Test func forceRangesCutsProxiedResponses() throws {
        let backend = try MockBackend(name: "b1") { req in
            MockResponse(headers: [("Content-Type", "text/plain"), ("ETag", "\"e\""), ("X-Up", "1")]
                + (req.target.hasSuffix("?ar") ? [("Accept-Ranges", "bytes")] : []), text: "0123456789")
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            proxy_cache_path \(try TempDir.make()) keys_zone=one:1m;
            server {
                listen 127.0.0.1:PORT;
                location /plain { proxy_pass http://\(backend.address); }
                location /forced { proxy_pass http://\(backend.address); proxy_force_ranges on; add_header X-A 1; }
                location /one { proxy_pass http://\(backend.address); proxy_force_ranges on; max_ranges 1; }
                location /none { proxy_pass http://\(backend.address); proxy_force_ranges on; max_ranges 0; }
                location /cached {
                    proxy_pass http://\(backend.address); proxy_force_ranges on;
                    proxy_cache one; proxy_cache_valid 200 1h; add_header X-Cache $upstream_cache_status;
                }
            }
            """)
        defer { f.proxy.stop() }
        let range = ["Range": "bytes=2-4"]
        let plain = try f.get("/plain", headers: range)
        #expect(plain.status == 200 && plain.text == "0123456789")
        let forced = try f.get("/forced", headers: range)
        #expect(forced.status == 206 && forced.text == "234" && forced.header("Content-Range") == "bytes 2-4/10")
        #expect(forced.header("Accept-Ranges") == nil)
        // Sent whole (one part only; no Range): the range filter's own Accept-Ranges, not the upstream's too.
        for whole in [try f.get("/forced", headers: ["Range": "bytes=0-1,5-6"]), try f.get("/forced"), try f.get("/forced?ar")] {
            #expect(whole.status == 200 && whole.text == "0123456789" && whole.headers("Accept-Ranges") == ["bytes"])
        }
        #expect(try f.get("/none?ar", headers: range).headers("Accept-Ranges") == [])   // max_ranges 0: no ranges
        // Nothing satisfiable: a 416 made of the response's head (its own fields, add_header), not the body.
        for spec in ["bytes=5000-", "bytes=3-1", "bytes=-0"] {
            let bad = try f.get("/forced", headers: ["Range": spec])
            #expect(bad.status == 416 && bad.header("Content-Range") == "bytes */10", "\(spec)")
            #expect(bad.text.contains("416 Requested Range Not Satisfiable") && bad.header("Content-Type") == "text/html")
            #expect(bad.header("X-Up") == "1" && bad.header("X-A") == "1" && bad.header("ETag") == nil)
            #expect(bad.header("Accept-Ranges") == nil)
        }
        #expect(try f.get("/one", headers: ["Range": "bytes=5000-"]).status == 416)
        let fill = try f.get("/cached", headers: range)
        #expect(fill.status == 206 && fill.text == "234" && fill.header("X-Cache") == "MISS")
        let hit = try f.get("/cached", headers: ["Range": "bytes=-3"])
        #expect(hit.status == 206 && hit.text == "789" && hit.header("X-Cache") == "HIT")
        let wholeHit = try f.get("/cached")
        #expect(wholeHit.header("X-Cache") == "HIT" && wholeHit.headers("Accept-Ranges") == ["bytes"])
        let badHit = try f.get("/cached", headers: ["Range": "bytes=5000-"])
        #expect(badHit.status == 416 && badHit.header("X-Cache") == "HIT" && badHit.header("X-Up") == "1")
        // A MISS with nothing satisfiable is not stored, as in nginx.
        #expect(try f.get("/cached?b", headers: ["Range": "bytes=5000-"]).status == 416)
        #expect(try f.get("/cached?b").header("X-Cache") == "MISS")
    }
}

/// proxy_cache's breadth: a zone named by a variable, bypass and no_cache with several values, the lifetime
/// headers nginx reads on any cacheable status.
@Suite(.serialized) struct CacheBreadthTests {
    @Test func zoneNamedByAVariable() throws {
        let backend = try MockBackend(name: "b1") { req in MockResponse(text: "body of \(req.target)") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            proxy_cache_path \(try TempDir.make()) keys_zone=A:1m;
            proxy_cache_path \(try TempDir.make()) keys_zone=B:1m;
            server {
                listen 127.0.0.1:PORT;
                location / {
                    proxy_pass http://\(backend.address);
                    proxy_cache $arg_c;
                    proxy_cache_key $uri;
                    proxy_cache_valid any 1m;
                    add_header X-Cache $upstream_cache_status;
                }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/x?c=A").header("X-Cache") == "MISS")
        #expect(try f.get("/x?c=A").header("X-Cache") == "HIT")
        #expect(try f.get("/x?c=B").header("X-Cache") == "MISS")   // another zone, another entry
        #expect(try f.get("/x?c=nope").status == 500)
        let none = try f.get("/x")
        #expect(none.status == 200 && none.header("X-Cache") == nil)
        #expect(f.errorLog().contains("cache \"nope\" not found"))
        #expect(backend.requests == 3)
    }

    @Test func bypassAndNoCacheWithSeveralValues() throws {
        let served = Atomic<Int>(0)
        let backend = try MockBackend(name: "b1") { _ in
            MockResponse(text: "v\(served.add(1, ordering: .relaxed).newValue)")
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            proxy_cache_path \(try TempDir.make()) keys_zone=one:1m;
            server {
                listen 127.0.0.1:PORT;
                location / {
                    proxy_pass http://\(backend.address);
                    proxy_cache one;
                    proxy_cache_key $uri;
                    proxy_cache_valid any 1m;
                    proxy_cache_bypass $arg_a $http_x_b;
                    proxy_no_cache $arg_n $http_x_n;
                    add_header X-Cache $upstream_cache_status;
                }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/t").text == "v1")
        #expect(try f.get("/t").text == "v1")
        // Either value true: bypassed, and the answer replaces the entry.
        let b1 = try f.get("/t", headers: ["X-B": "1"])
        #expect(b1.text == "v2" && b1.header("X-Cache") == "BYPASS")
        #expect(try f.get("/t?a=yes").text == "v3")
        #expect(try f.get("/t").text == "v3")
        // "0" and empty are false.
        #expect(try f.get("/t?a=0", headers: ["X-B": ""]).header("X-Cache") == "HIT")
        // no_cache with either value true: fetched but not stored.
        #expect(try f.get("/u", headers: ["X-N": "1"]).text == "v4")
        #expect(try f.get("/u?n=1").text == "v5")
        #expect(try f.get("/u").header("X-Cache") == "MISS")
        #expect(try f.get("/u").header("X-Cache") == "HIT")
    }

    @Test func lifetimeHeadersOnA204AndTheFirstXAccelExpires() throws {
        let backend = try MockBackend(name: "b1") { req in
            switch req.target {
            case "/expires": MockResponse(status: 204, headers: [("Expires", "Thu, 31 Dec 2037 23:55:55 GMT")])
            case "/dup": MockResponse(headers: [("X-Accel-Expires", "60"), ("X-Accel-Expires", "0")], text: "d")
            default: MockResponse(status: 204, headers: [("Cache-Control", "max-age=60")])
            }
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            proxy_cache_path \(try TempDir.make()) keys_zone=one:1m;
            server {
                listen 127.0.0.1:PORT;
                location / {
                    proxy_pass http://\(backend.address);
                    proxy_cache one;
                    add_header X-Cache $upstream_cache_status;
                }
            }
            """)
        defer { f.proxy.stop() }
        for path in ["/expires", "/cc", "/dup"] {
            _ = try f.get(path)
            let again = try f.get(path)
            #expect(again.header("X-Cache") == "HIT", "\(path)")
        }
        #expect(backend.requests == 3)
    }
}
