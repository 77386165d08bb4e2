/// ngx_http_browser_module: which User-Agents `$modern_browser` and `$ancient_browser` call modern or ancient,
/// and the values the two take.
public struct BrowserSettings: Sendable {
    /// `modern_browser NAME VERSION` lines and `modern_browser unlisted`. A level that writes either inherits
    /// neither from above, as nginx merges the two together.
    @Setting public var modern = ModernBrowsers()
    /// `ancient_browser` substrings and `netscape4`, merged together in the same way.
    @Setting public var ancient = AncientBrowsers()
    /// `modern_browser_value`, `ancient_browser_value`: "1" unless a level says otherwise.
    @Setting public var modernValue: [UInt8] = [UInt8(ascii: "1")]
    @Setting public var ancientValue: [UInt8] = [UInt8(ascii: "1")]

    public init() {}
}

/// One level's `modern_browser` lines.
public struct ModernBrowsers: Sendable, Equatable {
    /// In the order written; the runtime checks them in nginx's order of families.
    public var versions: [ModernBrowser] = []
    /// `modern_browser unlisted`: a browser no line names (or no User-Agent at all) is modern.
    public var unlisted = false

    public init() {}
}

/// `modern_browser NAME VERSION`: that family is modern from this version on.
public struct ModernBrowser: Sendable, Equatable {
    public let family: BrowserFamily
    /// nginx's number for a version of up to four dotted parts, each part a hundred times the next
    /// (`9.0` is 9000000, `1.8.0.5` is 1080005); more parts or larger ones overflow as nginx's arithmetic does.
    public let version: UInt64

    public init(family: BrowserFamily, version: UInt64) {
        self.family = family
        self.version = version
    }

    /// nginx's parse of a version: digits and dots only; nil for anything else.
    public static func version(_ text: [UInt8]) -> UInt64? {
        var version: UInt64 = 0, part: UInt64 = 0, scale: UInt64 = 1_000_000
        for c in text {
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                part = part &* 10 &+ UInt64(c - UInt8(ascii: "0"))
            } else if c == UInt8(ascii: ".") {
                version = version &+ part &* scale
                part = 0
                scale /= 100
            } else {
                return nil
            }
        }
        return version &+ part &* scale
    }
}

/// The families nginx's browser module knows, in the order it checks them (Opera first: it may say MSIE too).
public enum BrowserFamily: String, Sendable, CaseIterable, Comparable {
    case opera, msie, gecko, safari, konqueror

    public static func < (a: BrowserFamily, b: BrowserFamily) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One level's `ancient_browser` lines.
public struct AncientBrowsers: Sendable, Equatable {
    /// Substrings of User-Agent, matched as written (case counts).
    public var substrings: [[UInt8]] = []
    /// `netscape4`: "Mozilla/" with a major version 1 to 4.
    public var netscape4 = false

    public init() {}
}
