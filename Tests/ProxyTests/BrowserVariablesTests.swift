import SwitchyardTestSupport
import Testing

/// `$modern_browser`, `$ancient_browser` and `$msie` through a running switchyard: the answers nginx 1.22 gives
/// for the same configuration and User-Agents.
struct BrowserVariablesTests {
    static let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0"
    static let oldFirefox = "Mozilla/5.0 (X11; rv:1.9) Gecko/2008"
    static let ie6 = "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)"
    static let ie7 = "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.0)"

    private func fixture() throws -> Fixture {
        try Fixture(http: """
            modern_browser_value modern;
            server {
                listen 127.0.0.1:PORT;
                modern_browser gecko 2.0; modern_browser unlisted;
                location / { return 200 "m=$modern_browser a=$ancient_browser msie=$msie"; }
                location /strict { modern_browser msie 7.0; ancient_browser_value old;
                                   return 200 "m=$modern_browser a=$ancient_browser"; }
                location /set { set $msie changed; set $ancient_browser x;
                                return 200 "m=$modern_browser a=$ancient_browser msie=$msie"; }
                location /old { if ($ancient_browser) { return 403; } return 204; }
            }
            """)
    }

    private func text(_ f: Fixture, _ path: String, _ agent: String?) throws -> String {
        try f.get(path, headers: agent.map { ["User-Agent": $0] } ?? [:]).text
    }

    @Test func theServersLinesAndTheHTTPLevelsValue() throws {
        let f = try fixture()
        defer { f.proxy.stop() }
        #expect(try text(f, "/", Self.firefox) == "m=modern a= msie=")
        #expect(try text(f, "/", Self.oldFirefox) == "m= a=1 msie=")
        #expect(try text(f, "/", Self.ie6) == "m=modern a= msie=1")   // no family listed: `unlisted`
        #expect(try text(f, "/", nil) == "m=modern a= msie=")
    }

    /// A location with lines of its own inherits neither the server's lines nor its `unlisted`.
    @Test func aLocationsOwnLines() throws {
        let f = try fixture()
        defer { f.proxy.stop() }
        #expect(try text(f, "/strict", Self.ie6) == "m= a=old")
        #expect(try text(f, "/strict", Self.ie7) == "m=modern a=")
        #expect(try text(f, "/strict", "curl/8") == "m= a=old")
    }

    @Test func setChangesTheVariablesAndIfTestsThem() throws {
        let f = try fixture()
        defer { f.proxy.stop() }
        #expect(try text(f, "/set", Self.firefox) == "m=modern a=x msie=changed")
        #expect(try f.get("/old", headers: ["User-Agent": "curl/8"]).status == 204)
        #expect(try f.get("/old", headers: ["User-Agent": Self.oldFirefox]).status == 403)
    }
}
