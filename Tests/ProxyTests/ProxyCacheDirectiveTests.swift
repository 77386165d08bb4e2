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
