import Glibc
import HTTP1
import Synchronization
import SwitchyardTestSupport
import Testing

/// Where the cache follows RFC 9111 rather than nginx (README's differences table): the real binary, a MockBackend
/// with controlled headers, the cache on a temp directory. Freshness arithmetic with a controlled clock is in
/// CacheTests (CacheAgeTests, CachePolicyTests); here the upstream's `Date` and `Age` are set relative to now.
@Suite(.serialized) struct ProxyCacheRFCTests {
    static func httpDate(_ t: Int64) -> String { String(decoding: HTTPDate.imfFixdate(t), as: UTF8.self) }
    static var now: Int64 { Int64(time(nil)) }

    /// The one entry file's bytes once it is there.
    static func entryBytes(_ dir: String) throws -> [UInt8] {
        let files = ProxyCacheTests.entries(dir, count: 1)
        return try TempDir.readBytes(try #require(files.first))
    }

    /// The entry's valid-until (CacheEntryFormat: little-endian i64 at offset 48).
    static func validUntil(_ bytes: [UInt8]) -> Int64 {
        var v: UInt64 = 0
        for i in (48..<56).reversed() { v = v << 8 | UInt64(bytes[i]) }
        return Int64(bitPattern: v)
    }

    static func contains(_ bytes: [UInt8], _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard bytes.count >= n.count else { return false }
        for i in 0...(bytes.count - n.count) where bytes[i] == n[0] && Array(bytes[i..<(i + n.count)]) == n { return true }
        return false
    }

    // MARK: - 1. A 304 updates the stored headers (RFC 9111 §4.3.4)

    @Test func notModifiedUpdatesTheStoredHeaders() throws {
        let backend = try MockBackend(name: "b1") { req in
            if req.header("If-None-Match") == "\"v1\"" {
                return MockResponse(status: 304, headers: [
                    ("ETag", "\"v1\""), ("Cache-Control", "max-age=600"), ("X-App", "two"),
                    ("Last-Modified", "Mon, 07 Nov 1994 08:49:37 GMT"),
                ])
            }
            return MockResponse(headers: [
                ("ETag", "\"v1\""), ("X-Accel-Expires", "@1"), ("Cache-Control", "max-age=5"), ("X-App", "one"),
                ("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"), ("Content-Type", "text/plain"),
            ], text: "stored body")
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try ProxyCacheTests.fixture(backend, dir: dir, extra: "proxy_cache_revalidate on;")
        #expect(try f.get("/u").header("X-App") == "one")
        _ = ProxyCacheTests.entries(dir, count: 1)
        let revalidated = try f.get("/u")
        #expect(revalidated.header("X-Cache") == "REVALIDATED" && revalidated.text == "stored body")
        #expect(revalidated.header("X-App") == "two")
        #expect(revalidated.headers("X-App").count == 1)
        #expect(revalidated.header("Cache-Control") == "max-age=600")
        #expect(revalidated.header("Last-Modified") == "Mon, 07 Nov 1994 08:49:37 GMT")
        #expect(revalidated.header("Content-Type") == "text/plain" && revalidated.header("Content-Length") == "11")
        let hit = try f.get("/u")
        #expect(hit.header("X-Cache") == "HIT" && hit.text == "stored body")
        #expect(hit.header("X-App") == "two" && hit.header("Cache-Control") == "max-age=600")
        #expect(backend.requests == 2)
        let stored = try Self.entryBytes(dir)
        #expect(Self.contains(stored, "X-App: two") && !Self.contains(stored, "X-App: one"))
        f.proxy.stop()
        let restarted = try ProxyCacheTests.fixture(backend, dir: dir, extra: "proxy_cache_revalidate on;")
        defer { restarted.proxy.stop() }
        let after = try restarted.get("/u")
        #expect(after.header("X-Cache") == "HIT" && after.header("X-App") == "two" && after.text == "stored body")
        #expect(backend.requests == 2)
    }

    // MARK: - 2. Age (RFC 9111 §4.2.3, §5.1)

    /// A HIT carries `Age`: the upstream's `Date` 50 s ago makes the response 50 s old when stored.
    @Test func hitsCarryTheirAge() throws {
        let backend = try MockBackend(name: "b1") { _ in
            MockResponse(headers: [("Date", Self.httpDate(Self.now - 50)), ("Cache-Control", "max-age=600")], text: "aged")
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try ProxyCacheTests.fixture(backend, dir: dir)
        defer { f.proxy.stop() }
        #expect(try f.get("/a").header("X-Cache") == "MISS")
        _ = ProxyCacheTests.entries(dir, count: 1)
        let hit = try f.get("/a")
        #expect(hit.header("X-Cache") == "HIT")
        let age = try #require(hit.header("Age").flatMap { Int($0) })
        #expect(age >= 50 && age <= 53)
        #expect(hit.headers("Age").count == 1)
    }

    /// An upstream `Age` counts: a copy already older than its lifetime is never served as fresh, and a younger
    /// one is served with its age grown, not the stored field.
    @Test(arguments: [("max-age=60", "120", false), ("max-age=600", "120", true), ("s-maxage=100, max-age=600", "100", false)])
    func upstreamAgeCounts(cacheControl: String, age: String, fresh: Bool) throws {
        let backend = try MockBackend(name: "b1") { _ in
            MockResponse(headers: [("Cache-Control", cacheControl), ("Age", age)], text: "from another cache")
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try ProxyCacheTests.fixture(backend, dir: dir)
        defer { f.proxy.stop() }
        #expect(try f.get("/g").header("Age") == age)   // a MISS passes the upstream's field as it is
        if fresh { _ = ProxyCacheTests.entries(dir, count: 1) } else { usleep(100_000) }
        let second = try f.get("/g")
        #expect((second.header("X-Cache") == "HIT") == fresh)
        #expect(backend.requests == (fresh ? 1 : 2))
        if fresh {
            let served = try #require(second.header("Age").flatMap { Int($0) })
            #expect(served >= 120 && served <= 123)
        }
    }

    // MARK: - 3. Date (RFC 9111 §4.2.1, §4.2.3)

    /// The lifetime `Expires` gives is `Expires - Date`, whatever the origin's clock says: a clock an hour
    /// ahead neither stretches it (nginx: valid until the Expires time) nor, an hour behind, cuts it.
    @Test(arguments: [Int64(3600), -3600])
    func expiresCountsFromTheUpstreamsDate(skew: Int64) throws {
        let backend = try MockBackend(name: "b1") { _ in
            let origin = Self.now + skew
            return MockResponse(headers: [("Date", Self.httpDate(origin)), ("Expires", Self.httpDate(origin + 600))],
                                text: "skewed")
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try ProxyCacheTests.fixture(backend, dir: dir)
        defer { f.proxy.stop() }
        let before = Self.now
        _ = try f.get("/d")
        if skew > 0 {
            // A Date in the future adds no age: fresh for the 600 seconds from now, not until the Expires time.
            let until = Self.validUntil(try Self.entryBytes(dir))
            #expect(until >= before + 600 && until <= Self.now + 600)
            #expect(try f.get("/d").header("X-Cache") == "HIT")
        } else {
            // A Date an hour ago is an hour of apparent age (§4.2.3): more than the 600 s lifetime, never fresh
            // (nginx: stored until the Expires time by its own clock, here 50 minutes ago: not stored either).
            usleep(100_000)
            #expect(try f.get("/d").header("X-Cache") == "MISS")
            #expect(backend.requests == 2)
        }
    }

    /// `max-age` with a `Date` 30 s ago: fresh for 570 more seconds, and served with `Age: 30`.
    @Test func maxAgeCountsTheApparentAge() throws {
        let backend = try MockBackend(name: "b1") { _ in
            MockResponse(headers: [("Date", Self.httpDate(Self.now - 30)), ("Cache-Control", "max-age=600")], text: "x")
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try ProxyCacheTests.fixture(backend, dir: dir)
        defer { f.proxy.stop() }
        let before = Self.now
        _ = try f.get("/m")
        let until = Self.validUntil(try Self.entryBytes(dir))
        #expect(until >= before + 570 - 1 && until <= Self.now + 570)
    }

    // MARK: - 4. Fields named by Connection (RFC 9110 §7.6.1, RFC 9111 §3.1)

    @Test func fieldsListedInConnectionAreNeitherStoredNorForwarded() throws {
        let backend = try MockBackend(name: "b1") { _ in
            MockResponse(headers: [("Connection", "keep-alive, X-Hop"), ("X-Hop", "secret"), ("X-Keep", "kept"),
                                   ("Cache-Control", "max-age=600")], text: "hop")
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try ProxyCacheTests.fixture(backend, dir: dir)
        defer { f.proxy.stop() }
        let miss = try f.get("/h")
        #expect(miss.header("X-Cache") == "MISS" && miss.header("X-Hop") == nil && miss.header("X-Keep") == "kept")
        let stored = try Self.entryBytes(dir)
        #expect(!Self.contains(stored, "X-Hop") && !Self.contains(stored, "secret") && Self.contains(stored, "X-Keep: kept"))
        let hit = try f.get("/h")
        #expect(hit.header("X-Cache") == "HIT" && hit.header("X-Hop") == nil && hit.header("X-Keep") == "kept")
    }

    /// Without a cache too: a proxied response loses the fields its Connection names.
    @Test func uncachedResponsesLoseConnectionListedFields() throws {
        let backend = try MockBackend(name: "b1") { _ in
            MockResponse(headers: [("Connection", "X-A , x-b"), ("X-A", "1"), ("X-B", "2"), ("X-C", "3")], text: "plain")
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://\(backend.address); } }
            """)
        defer { f.proxy.stop() }
        let r = try f.get("/p")
        #expect(r.status == 200 && r.text == "plain")
        #expect(r.header("X-A") == nil && r.header("X-B") == nil && r.header("X-C") == "3")
    }

    // MARK: - 8. Conditional requests answered from the cache (RFC 9110 §13.1, §13.2.2; RFC 9111 §4.3.2)

    /// A fresh entry answers a client's If-None-Match / If-Modified-Since with a 304 as the RFC evaluates them:
    /// If-None-Match alone decides when present, If-Modified-Since means "not modified since" (a later time is a
    /// 304 too), and without Last-Modified the stored Date is compared. `if_modified_since exact;` keeps nginx's.
    static let conditionals: [(String, [String: String], String, Int)] = [
        // stored Last-Modified, request fields, extra directive, expected status
        ("Sun, 06 Nov 1994 08:49:37 GMT", ["If-None-Match": "\"e1\"", "If-Modified-Since": "Sat, 05 Nov 1994 08:49:37 GMT"], "", 304),
        ("Sun, 06 Nov 1994 08:49:37 GMT", ["If-None-Match": "W/\"e1\""], "", 304),
        ("Sun, 06 Nov 1994 08:49:37 GMT", ["If-None-Match": "\"e2\"", "If-Modified-Since": "Sun, 06 Nov 1994 08:49:37 GMT"], "", 200),
        ("Sun, 06 Nov 1994 08:49:37 GMT", ["If-Modified-Since": "Mon, 07 Nov 1994 08:49:37 GMT"], "", 304),
        ("Sun, 06 Nov 1994 08:49:37 GMT", ["If-Modified-Since": "Sun, 06 Nov 1994 08:49:37 GMT"], "", 304),
        ("Sun, 06 Nov 1994 08:49:37 GMT", ["If-Modified-Since": "Sat, 05 Nov 1994 08:49:37 GMT"], "", 200),
        ("Sun, 06 Nov 1994 08:49:37 GMT", ["If-Modified-Since": "Mon, 07 Nov 1994 08:49:37 GMT"], "if_modified_since exact;", 200),
        ("", ["If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"], "", 304),   // compared with the stored Date
        ("", ["If-Modified-Since": "Sun, 06 Nov 1994 08:49:37 GMT"], "", 200),
    ]

    @Test(arguments: conditionals)
    func conditionalRequestsAreAnsweredFromTheCache(lastModified: String, fields: [String: String], directive: String,
                                                     status: Int) throws {
        let backend = try MockBackend(name: "b1") { _ in
            var headers = [("ETag", "\"e1\""), ("Cache-Control", "max-age=600"), ("Date", Self.httpDate(Self.now))]
            if !lastModified.isEmpty { headers.append(("Last-Modified", lastModified)) }
            return MockResponse(headers: headers, text: "conditional")
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try ProxyCacheTests.fixture(backend, dir: dir, extra: directive)
        defer { f.proxy.stop() }
        _ = try f.get("/c")
        _ = ProxyCacheTests.entries(dir, count: 1)
        let r = try f.get("/c", headers: fields)
        #expect(r.header("X-Cache") == "HIT")
        #expect(r.status == status)
        #expect(r.text == (status == 304 ? "" : "conditional"))
        if status == 304 { #expect(r.header("ETag") == "\"e1\"" && r.header("Age") != nil) }
        #expect(backend.requests == 1)
    }

    // MARK: - Issue point 4. Invalidation by unsafe methods (RFC 9111 §4.4)

    /// A non-error answer to POST, PUT, DELETE (any method not known to be safe) drops the stored response for its
    /// URI, and for the same-host URIs its Location and Content-Location name; an error answer drops nothing.
    static let unsafeRequests: [(String, Int, [(String, String)], [String: Bool])] = [
        // method, status, answer's fields → which of /doc, /other are fetched again
        ("POST", 200, [], ["/doc": true, "/other": false]),
        ("DELETE", 204, [], ["/doc": true, "/other": false]),
        ("PATCH", 200, [], ["/doc": true, "/other": false]),
        ("POST", 500, [], ["/doc": false, "/other": false]),
        ("POST", 303, [("Location", "http://localhost/other")], ["/doc": true, "/other": true]),
        ("PUT", 201, [("Content-Location", "/other")], ["/doc": true, "/other": true]),
        ("POST", 303, [("Location", "http://elsewhere.example/other")], ["/doc": true, "/other": false]),
    ]

    @Test(arguments: unsafeRequests)
    func unsafeMethodsInvalidate(method: String, status: Int, fields: [(String, String)], refetched: [String: Bool]) throws {
        let backend = try MockBackend(name: "b1") { req in
            if req.method != "GET" { return MockResponse(status: status, headers: fields, text: "done") }
            return MockResponse(headers: [("Cache-Control", "max-age=600")], text: "page \(req.target)")
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try ProxyCacheTests.fixture(backend, dir: dir)
        defer { f.proxy.stop() }
        for path in ["/doc", "/other"] { _ = try f.get(path) }
        _ = ProxyCacheTests.entries(dir, count: 2)
        for path in ["/doc", "/other"] { #expect(try f.get(path).header("X-Cache") == "HIT") }
        let answer = try f.raw("\(method) /doc HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        #expect(answer.hasPrefix("HTTP/1.1 \(status)"))
        #expect(backend.received.last?.method == method)
        for path in ["/doc", "/other"] {
            let r = try f.get(path)
            #expect(r.text == "page \(path)")
            #expect(r.header("X-Cache") == (refetched[path]! ? "MISS" : "HIT"), "\(path)")
        }
    }

    // MARK: - 5. Interim responses (RFC 9111 §3)

    /// A 103 before the final response is not what gets stored: the HIT is the 200, without the 103's fields,
    /// and a final response that may not be stored is not stored because its 1xx said it could be.
    @Test(arguments: [("max-age=600", true), ("no-store", false)])
    func interimResponsesAreNeverStored(finalCacheControl: String, cached: Bool) throws {
        let backend = try MockBackend(name: "b1") { _ in
            var r = MockResponse(headers: [("Cache-Control", finalCacheControl)], text: "final")
            r.interim = Array("HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\nCache-Control: max-age=900\r\n\r\n".utf8)
            return r
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try ProxyCacheTests.fixture(backend, dir: dir)
        defer { f.proxy.stop() }
        let first = try f.get("/i")
        #expect(first.status == 200 && first.text == "final")
        if cached { _ = ProxyCacheTests.entries(dir, count: 1) } else { usleep(100_000) }
        let second = try f.get("/i")
        #expect(second.status == 200 && second.text == "final")
        #expect(second.header("X-Cache") == (cached ? "HIT" : "MISS"))
        #expect(second.header("Link") == nil && second.header("Cache-Control") == finalCacheControl)
        #expect(backend.requests == (cached ? 1 : 2))
        if cached {
            let stored = try Self.entryBytes(dir)
            #expect(!Self.contains(stored, "103") && !Self.contains(stored, "Link"))
        } else {
            #expect(ProxyCacheTests.entries(dir).isEmpty)
        }
    }
}
