@testable import Config
import Testing

/// ngx_http_browser_module's directives: their arguments, nginx's merge, nginx's messages.
struct BrowserDirectivesTests {
    private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func linesAddUpAtOneLevel() throws {
        let config = try load(http("""
            server { listen 80;
                location / {
                    modern_browser MSIE 6.0; modern_browser gecko 1.9.1; modern_browser unlisted;
                    ancient_browser Links Lynx; ancient_browser netscape4 "Old UA";
                    modern_browser_value modern; modern_browser_value yes;
                    ancient_browser_value "";
                }
            }
            """))
        let b = firstLocation(config).settings.browser
        #expect(b.modern.versions == [ModernBrowser(family: .msie, version: 6_000_000),
                                      ModernBrowser(family: .gecko, version: 1_090_100)])
        #expect(b.modern.unlisted)
        #expect(b.ancient.substrings == [bytes("Links"), bytes("Lynx"), bytes("Old UA")] && b.ancient.netscape4)
        #expect(b.modernValue == bytes("yes"))            // a second line replaces the first
        #expect(b.ancientValue == [])
    }

    /// nginx merges the `modern_browser` lines and `unlisted` as one, the `ancient_browser` lines and
    /// `netscape4` as one, and each value alone; the values are "1" where no level sets them.
    @Test func inheritance() throws {
        let config = try load(http("""
            modern_browser gecko 2.0; ancient_browser Lynx; modern_browser_value M;
            server { listen 80;
                location /all { }
                location /unlisted { modern_browser unlisted; ancient_browser netscape4; ancient_browser_value A; }
            }
            """))
        let locations = config.http!.servers[0].locations
        let all = locations[0].settings.browser, own = locations[1].settings.browser
        #expect(all.modern.versions == [ModernBrowser(family: .gecko, version: 2_000_000)] && !all.modern.unlisted)
        #expect(all.ancient.substrings == [bytes("Lynx")] && !all.ancient.netscape4)
        #expect(all.modernValue == bytes("M") && all.ancientValue == bytes("1"))
        #expect(own.modern.versions.isEmpty && own.modern.unlisted)
        #expect(own.ancient.substrings.isEmpty && own.ancient.netscape4)
        #expect(own.modernValue == bytes("M") && own.ancientValue == bytes("A"))
        let plain = firstLocation(try load(http("server { listen 80; location / { } }"))).settings.browser
        #expect(plain.modern == ModernBrowsers() && plain.ancient == AncientBrowsers())
        #expect(plain.modernValue == bytes("1") && plain.ancientValue == bytes("1"))
    }

    /// Up to four dotted parts, each worth a hundredth of the one before; nginx's unsigned arithmetic past that.
    @Test(arguments: [
        ("9", UInt64(9_000_000)), ("9.0", 9_000_000), ("1.8.0.5", 1_080_005), ("3.5.10", 3_051_000),
        ("6..0", 6_000_000), ("", 0), ("1.2.3.4.5.6", 1_020_304), ("4000.99.99.99", 4_000_999_999),
        ("99999999999999999999", 15_908_979_783_593_147_840),   // wrapped, as nginx's ngx_uint_t
    ])
    func versionNumbers(_ text: String, _ value: UInt64) {
        #expect(ModernBrowser.version(Array(text.utf8)) == value)
    }

    @Test(arguments: [
        ("modern_browser chrome 1;", "unknown browser name \"chrome\" in /c/nginx.conf:3"),
        ("modern_browser msie 6.0b;", "invalid browser version \"6.0b\" in /c/nginx.conf:3"),
        ("modern_browser msie 6.0 x;", "invalid number of arguments in \"modern_browser\" directive in /c/nginx.conf:3"),
        ("modern_browser;", "invalid number of arguments in \"modern_browser\" directive in /c/nginx.conf:3"),
        ("ancient_browser;", "invalid number of arguments in \"ancient_browser\" directive in /c/nginx.conf:3"),
        ("modern_browser_value a b;", "invalid number of arguments in \"modern_browser_value\" directive in /c/nginx.conf:3"),
        ("ancient_browser_value;", "invalid number of arguments in \"ancient_browser_value\" directive in /c/nginx.conf:3"),
        ("server { if ($x) { modern_browser unlisted; } }", "\"modern_browser\" directive is not allowed here in /c/nginx.conf:3"),
        // nginx fails without a message here; switchyard names the argument.
        ("modern_browser Unlisted;", "invalid parameter \"Unlisted\" in /c/nginx.conf:3"),
    ])
    func errors(_ body: String, _ message: String) {
        #expect(loadError(http(body)) == message)
    }
}
