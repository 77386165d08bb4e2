import Config
@testable import Proxy
import Testing

/// ngx_http_browser_module's verdict without sockets: the verdicts nginx 1.22 gives for the same lines and
/// User-Agents.
struct BrowserCheckTests {
    private func check(_ modern: [(BrowserFamily, String)] = [], unlisted: Bool = false, ancient: [String] = [],
                       netscape4: Bool = false) -> BrowserCheck {
        var s = BrowserSettings()
        var m = ModernBrowsers()
        m.versions = modern.map { ModernBrowser(family: $0.0, version: ModernBrowser.version(Array($0.1.utf8))!) }
        m.unlisted = unlisted
        s.modern = m
        var a = AncientBrowsers()
        a.substrings = ancient.map { Array($0.utf8) }
        a.netscape4 = netscape4
        s.ancient = a
        return BrowserCheck(s)
    }

    private func modern(_ c: BrowserCheck, _ agent: String?) -> Bool { c.isModern(agent.map { Array($0.utf8)[...] }) }

    static let ie6 = "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)"
    static let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0"
    static let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"

    /// nginx's table: where each family's name is looked for, and where its version starts.
    @Test func theBuiltInTableIsNginxs() {
        func row(_ f: BrowserFamily) -> (Int, String, Int) {
            let t = BrowserCheck.family(f)
            return (t.skip, String(decoding: t.name, as: UTF8.self), t.add)
        }
        #expect(row(.opera) == (0, "Opera", 6))
        #expect(row(.msie) == (25, "MSIE ", 5))          // after "Mozilla/4.0 (compatible; "
        #expect(row(.gecko) == (13, "rv:", 3))            // after "Mozilla/5.0 ("
        #expect(row(.safari) == (13, "Safari/", 7))
        #expect(row(.konqueror) == (25, "Konqueror/", 10))  // after "Mozilla/5.0 (compatible; "
    }

    static let versionRows: [(String, Bool)] = [
        (ie6, true),
        ("Mozilla/4.0 (compatible; MSIE 5.5; Windows 98)", false),
        ("Mozilla/4.0 (compatible; MSIE 6.0.0.1; X)", true),
        ("Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.0; en) Opera 8.0", false),   // Opera first, and older
        ("Opera/9.80 (X11; Linux x86_64) Presto/2.12.388 Version/12.16", true),
        ("Mozilla/5.0 (X11; U; Linux i686; en-US; rv:1.8.1) Gecko/2008", false),
        (firefox, true),
        (chrome, true),                                   // by its Safari/537.36
        ("Mozilla/5.0 (compatible; Konqueror/3.5; Linux) KHTML/3.5.10 (like Gecko)", true),
        ("Mozilla/5.0 (compatible; Konqueror/2.2; Linux)", false),
        ("MSIE 7.0 x", false),                            // "MSIE " before byte 25 is not looked at
        ("curl/8.5.0", false),                            // no family named, not `unlisted`
    ]

    @Test(arguments: versionRows) func versions(_ agent: String, _ expected: Bool) {
        let c = check([(.msie, "6.0"), (.gecko, "1.9"), (.opera, "9.0"), (.safari, "3.0"), (.konqueror, "3.0")])
        #expect(modern(c, agent) == expected)
        #expect(!modern(c, nil))
    }

    /// A list without Opera gets one no Opera reaches: an Opera that claims MSIE 7 is still not MSIE.
    @Test func operaIsNeverTakenForTheMSIEItClaims() {
        let c = check([(.msie, "7.0")], unlisted: true)
        #expect(!modern(c, "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 5.0; en) Opera 9.0"))
        #expect(modern(c, "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.0)"))
        #expect(!modern(c, Self.ie6))
        #expect(modern(c, "curl/8.5.0") && modern(c, nil))   // unlisted
    }

    /// Lines of one family are checked in the order written; the first found decides.
    @Test func theFirstLineOfAFamilyDecides() {
        let c = check([(.msie, "5.5"), (.msie, "7.0")])
        #expect(modern(c, Self.ie6))
        #expect(!modern(c, Self.firefox))
    }

    @Test func ancientSubstringsAndNetscape4() {
        let c = check(unlisted: true, ancient: ["Links", "Lynx"], netscape4: true)
        #expect(!modern(c, "Lynx/2.8.9rel.1 libwww-FM/2.14"))
        #expect(!modern(c, "Mozilla/4.72 [en] (X11; U; Linux 2.2.14 i686)"))
        #expect(!modern(c, Self.ie6))                    // Mozilla/4.0 is Netscape 4 to nginx too
        #expect(modern(c, "Mozilla/0.9 [en] (X11; U)"))  // major 0 is not 1 to 4
        #expect(!modern(c, "Mozilla/4.0 (X)"))
        #expect(modern(c, "Mozilla/4.0 X"))              // not longer than "Mozilla/4.72 "
        #expect(modern(c, "lynx"))                       // case counts
        #expect(modern(c, Self.firefox) && modern(c, nil))
        #expect(!modern(check(unlisted: true, ancient: [""]), "anything"))
    }

    /// With no lines at all, every browser is ancient, as in nginx.
    @Test func nothingConfiguredMeansAncient() {
        var out: [UInt8] = []
        BrowserCheck.standard.append(modern: true, agent: Array(Self.firefox.utf8)[...], to: &out)
        #expect(out.isEmpty)
        BrowserCheck.standard.append(modern: false, agent: Array(Self.firefox.utf8)[...], to: &out)
        #expect(out == Array("1".utf8))
    }
}
