import Glibc
import HTTP1
import SwitchyardTestSupport
import Testing

/// The cache directives of RFC 9111 §5.2.2 and RFC 9213 that nginx does not know (README's differences table):
/// the real binary, a MockBackend with controlled headers, the cache on a temp directory. The lifetimes with a
/// controlled clock are in CacheTests (CachePolicyTests, CacheTargetedFieldTests).
@Suite(.serialized) struct ProxyCacheDirectiveTests {
    // MARK: - Issue point 6. Targeted fields (RFC 9213)

    /// `CDN-Cache-Control` decides over `Cache-Control` (and is passed on); a `proxy_cache_target_field` decides over
    /// both and is not passed on; an invalid targeted value counts as absent.
    static let targeted: [(String, [(String, String)], Bool)] = [
        // directive, upstream fields → stored
        ("", [("Cache-Control", "no-store"), ("CDN-Cache-Control", "max-age=600")], true),
        ("", [("Cache-Control", "max-age=600"), ("CDN-Cache-Control", "no-store")], false),
        ("", [("Cache-Control", "max-age=600"), ("CDN-Cache-Control", "max-age=\"600")], true),   // invalid: ignored
        ("proxy_cache_target_field Switchyard-Cache-Control;",
         [("Switchyard-Cache-Control", "max-age=600"), ("CDN-Cache-Control", "no-store"), ("Cache-Control", "no-store")], true),
        ("proxy_cache_target_field Switchyard-Cache-Control;",
         [("Switchyard-Cache-Control", "private"), ("CDN-Cache-Control", "max-age=600")], false),
        ("proxy_cache_target_field off;", [("Cache-Control", "no-store"), ("CDN-Cache-Control", "max-age=600")], false),
        ("proxy_ignore_headers Cache-Control;", [("CDN-Cache-Control", "no-store")], true),
    ]

    @Test(arguments: targeted)
    func targetedFieldsDecide(directive: String, fields: [(String, String)], stored: Bool) throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(headers: fields, text: "targeted") }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try ProxyCacheTests.fixture(backend, dir: dir, extra: directive)
        defer { f.proxy.stop() }
        let miss = try f.get("/t")
        #expect(miss.text == "targeted")
        // The switchyard field is this cache's alone; CDN-Cache-Control goes on to a CDN in front.
        #expect(miss.header("Switchyard-Cache-Control") == nil)
        #expect(miss.header("CDN-Cache-Control") == fields.first { $0.0 == "CDN-Cache-Control" }?.1)
        if stored { _ = ProxyCacheTests.entries(dir, count: 1) } else { usleep(100_000) }
        let second = try f.get("/t")
        #expect(second.header("X-Cache") == (stored ? "HIT" : "MISS"))
        #expect(second.header("Switchyard-Cache-Control") == nil)
        #expect(backend.requests == (stored ? 1 : 2))
    }

    /// `proxy_pass_header` passes a switchyard targeted field on, as it does nginx's X-Accel-Expires.
    @Test func passHeaderForwardsTheSwitchyardField() throws {
        let backend = try MockBackend(name: "b1") { _ in
            MockResponse(headers: [("Switchyard-Cache-Control", "max-age=60")], text: "x")
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try ProxyCacheTests.fixture(backend, dir: dir, extra: """
            proxy_cache_target_field Switchyard-Cache-Control; proxy_pass_header Switchyard-Cache-Control;
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/p").header("Switchyard-Cache-Control") == "max-age=60")
    }
}

extension ProxyCacheDirectiveTests {
    // MARK: - Issue point 9. must-understand, no-cache and private with field names (RFC 9111 §5.2.2)

    /// `private="Set-Cookie"`: stored, without that field (the MISS still gives its client the cookie);
    /// `no-cache="X-Secret"`: stored, and the field is never served from the cache.
    @Test(arguments: [("private=\"Set-Cookie\", max-age=600", "Set-Cookie", "s=1"),
                      ("no-cache=\"X-Secret\", max-age=600", "X-Secret", "hush"),
                      ("private=X-Secret, no-cache=\"X-Other, X-Secret\", max-age=600", "X-Secret", "hush")])
    func namedFieldsAreLeftOutOfTheStoredCopy(cacheControl: String, field: String, value: String) throws {
        let backend = try MockBackend(name: "b1") { _ in
            MockResponse(headers: [("Cache-Control", cacheControl), (field, value), ("X-Kept", "k")], text: "named")
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try ProxyCacheTests.fixture(backend, dir: dir)
        defer { f.proxy.stop() }
        let miss = try f.get("/n")
        #expect(miss.header("X-Cache") == "MISS" && miss.header(field) == value)
        let stored = try ProxyCacheRFCTests.entryBytes(dir)
        #expect(!ProxyCacheRFCTests.contains(stored, value) && ProxyCacheRFCTests.contains(stored, "X-Kept: k"))
        let hit = try f.get("/n")
        #expect(hit.header("X-Cache") == "HIT" && hit.text == "named")
        #expect(hit.header(field) == nil && hit.header("X-Kept") == "k")
        #expect(backend.requests == 1)
    }

    /// `must-understand, no-store`: a cache that knows the status code's rules stores it (no-store was for those
    /// that do not); an unknown status code is never stored.
    @Test(arguments: [(200, true), (404, true), (299, false)])
    func mustUnderstand(status: Int, stored: Bool) throws {
        let backend = try MockBackend(name: "b1") { _ in
            MockResponse(status: status, headers: [("Cache-Control", "must-understand, no-store, max-age=600")], text: "mu")
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try ProxyCacheTests.fixture(backend, dir: dir, extra: "proxy_cache_valid any 1h;")
        defer { f.proxy.stop() }
        #expect(try f.get("/mu").status == status)
        if stored { _ = ProxyCacheTests.entries(dir, count: 1) } else { usleep(100_000) }
        #expect(try f.get("/mu").status == status)   // (add_header X-Cache is for 2xx/3xx only)
        #expect(backend.requests == (stored ? 1 : 2))
    }

    /// A 304 whose Cache-Control names a field keeps it out of the updated entry too.
    @Test func revalidationLeavesNamedFieldsOut() throws {
        let backend = try MockBackend(name: "b1") { req in
            if req.header("If-None-Match") == "\"v1\"" {
                return MockResponse(status: 304, headers: [("ETag", "\"v1\""), ("Cache-Control", "no-cache=\"X-Token\", max-age=600"),
                                                           ("X-Token", "t2")])
            }
            return MockResponse(headers: [("ETag", "\"v1\""), ("Cache-Control", "max-age=1"), ("X-Token", "t1")], text: "r")
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try ProxyCacheTests.fixture(backend, dir: dir, extra: "proxy_cache_revalidate on;")
        defer { f.proxy.stop() }
        #expect(try f.get("/r").header("X-Token") == "t1")
        _ = ProxyCacheTests.entries(dir, count: 1)
        usleep(2_100_000)
        let revalidated = try f.get("/r")
        #expect(revalidated.header("X-Cache") == "REVALIDATED" && revalidated.header("X-Token") == nil)
        let hit = try f.get("/r")
        #expect(hit.header("X-Cache") == "HIT" && hit.header("X-Token") == nil)
        let stored = try ProxyCacheRFCTests.entryBytes(dir)
        #expect(!ProxyCacheRFCTests.contains(stored, "X-Token:") && !ProxyCacheRFCTests.contains(stored, "t1"))
    }
}

extension ProxyCacheDirectiveTests {
    // MARK: - Issue point 10. Heuristically cacheable status codes (RFC 9110 §15.1)

    /// With explicit freshness (max-age, s-maxage or Expires) a heuristically cacheable status is stored though no
    /// `proxy_cache_valid` line lists it (here: only 200).
    static let heuristic: [(Int, String)] = [203, 204, 300, 301, 308, 404, 405, 410, 414, 501].flatMap { status in
        [(status, "Cache-Control"), (status, "Expires")]
    } + [(404, "s-maxage")]

    @Test(arguments: heuristic)
    func heuristicallyCacheableStatusesWithExplicitFreshness(status: Int, freshness: String) throws {
        let backend = try MockBackend(name: "b1") { _ in
            let field: (String, String) = switch freshness {
            case "Expires": ("Expires", ProxyCacheRFCTests.httpDate(ProxyCacheRFCTests.now + 600))
            case "s-maxage": ("Cache-Control", "s-maxage=600")
            default: ("Cache-Control", "max-age=600")
            }
            var headers = [field, ("Date", ProxyCacheRFCTests.httpDate(ProxyCacheRFCTests.now))]
            if status / 100 == 3 { headers.append(("Location", "http://localhost/elsewhere")) }
            return MockResponse(status: status, headers: headers, body: status == 204 ? [] : Array("status \(status)".utf8))
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try ProxyCacheTests.fixture(backend, dir: dir)
        defer { f.proxy.stop() }
        #expect(try f.get("/s").status == status)
        _ = ProxyCacheTests.entries(dir, count: 1)
        let second = try f.get("/s")
        #expect(second.status == status && second.text == (status == 204 ? "" : "status \(status)"))
        #expect(backend.requests == 1)
    }

    /// Without explicit freshness, nginx's rule stays: only what `proxy_cache_valid` lists is stored.
    @Test(arguments: [404, 410])
    func withoutExplicitFreshnessProxyCacheValidDecides(status: Int) throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(status: status, text: "no lifetime") }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try ProxyCacheTests.fixture(backend, dir: dir)
        defer { f.proxy.stop() }
        _ = try f.get("/s")
        usleep(100_000)
        _ = try f.get("/s")
        #expect(backend.requests == 2)
        #expect(ProxyCacheTests.entries(dir).isEmpty)
    }
}
