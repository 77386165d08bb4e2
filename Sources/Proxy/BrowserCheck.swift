import Config
import HTTP1

/// `$msie`, `$modern_browser`, `$ancient_browser` (ngx_http_browser_module), which `set` may change.
enum BrowserVariable: String, Sendable, Equatable {
    case msie
    case modernBrowser = "modern_browser"
    case ancientBrowser = "ancient_browser"
}

/// A location's `modern_browser` and `ancient_browser` lines, compiled at load: the verdict nginx's browser module
/// gives a User-Agent (ngx_http_browser), and the variables' values. Pure: tested without sockets.
struct BrowserCheck {
    /// Where nginx looks for a family's version: `name` searched from byte `skip` on, the version `add` bytes
    /// after where it starts.
    struct Family: Equatable {
        let skip: Int
        let name: [UInt8]
        let add: Int
    }

    /// nginx's table (ngx_http_modern_browser_masks), e.g. "Mozilla/4.0 (compatible; MSIE 6.0; …)" for msie.
    static func family(_ f: BrowserFamily) -> Family {
        switch f {
        case .opera: Family(skip: 0, name: Array("Opera".utf8), add: 6)   // "Opera/9.01" and "Opera 7.50"
        case .msie: Family(skip: 25, name: Array("MSIE ".utf8), add: 5)
        case .gecko: Family(skip: 13, name: Array("rv:".utf8), add: 3)
        case .safari: Family(skip: 13, name: Array("Safari/".utf8), add: 7)
        case .konqueror: Family(skip: 25, name: Array("Konqueror/".utf8), add: 10)
        }
    }

    /// Opera may say MSIE: a list that names no Opera gets one with a version no Opera reaches, so Opera is
    /// never taken for the MSIE it claims to be.
    static let unreachable: UInt64 = 4_001_000_000

    struct Modern {
        let family: Family
        let version: UInt64
    }

    /// nil: no `modern_browser NAME VERSION` line here.
    let modern: [Modern]?
    let unlisted: Bool
    /// nil: no `ancient_browser` substring here.
    let ancient: [[UInt8]]?
    let netscape4: Bool
    let modernValue: [UInt8]
    let ancientValue: [UInt8]

    init(_ s: BrowserSettings = BrowserSettings()) {
        if s.modern.versions.isEmpty {
            modern = nil
        } else {
            var lines = s.modern.versions
            if !lines.contains(where: { $0.family == .opera }) {
                lines.append(ModernBrowser(family: .opera, version: Self.unreachable))
            }
            // nginx sorts by family, Opera first; lines of one family keep their order.
            let sorted = lines.enumerated().sorted { ($0.element.family, $0.offset) < ($1.element.family, $1.offset) }
            modern = sorted.map { Modern(family: Self.family($0.element.family), version: $0.element.version) }
        }
        unlisted = s.modern.unlisted
        ancient = s.ancient.substrings.isEmpty ? nil : s.ancient.substrings
        netscape4 = s.ancient.netscape4
        modernValue = s.modernValue
        ancientValue = s.ancientValue
    }

    /// Nothing configured: every User-Agent is ancient (`$ancient_browser` is "1"), as in nginx.
    static let standard = BrowserCheck()

    /// Whether `agent` (the first User-Agent; nil without one) is a modern browser here.
    func isModern(_ agent: ArraySlice<UInt8>?) -> Bool {
        guard let ua = agent else { return unlisted }
        if let modern {
            // The first listed family found in the agent decides.
            for m in modern {
                if let verdict = Self.versionVerdict(ua, m) { return verdict }
            }
            if !unlisted { return false }
        }
        if netscape4, ua.count > 13, ua.starts(with: Self.mozilla) {
            let major = ua[ua.startIndex + 8]
            if major > UInt8(ascii: "0") && major < UInt8(ascii: "5") { return false }
        }
        if let ancient {
            for a in ancient where a.isEmpty || Bytes.firstIndex(of: a, in: ua) != nil { return false }
        }
        return unlisted
    }

    /// nil when the agent does not name `m`'s family where nginx looks; else whether its version reaches `m`'s.
    /// The version is read as the directive's is, and a dotted part already past it decides at once.
    static func versionVerdict(_ ua: ArraySlice<UInt8>, _ m: Modern) -> Bool? {
        let from = ua.startIndex + m.family.skip
        guard from < ua.endIndex, let at = Bytes.firstIndex(of: m.family.name, in: ua[from...]) else { return nil }
        var i = at + m.family.add
        guard i < ua.endIndex else { return nil }
        var version: UInt64 = 0, part: UInt64 = 0, scale: UInt64 = 1_000_000
        while i < ua.endIndex {
            let c = ua[i]
            i += 1
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                part = part &* 10 &+ UInt64(c - UInt8(ascii: "0"))
            } else if c == UInt8(ascii: ".") {
                version = version &+ part &* scale
                if version > m.version { return true }
                part = 0
                scale /= 100
            } else {
                break
            }
        }
        return version &+ part &* scale >= m.version
    }

    /// `$modern_browser` (`modern` true) or `$ancient_browser`: the level's value when the verdict is the one the
    /// variable names, else empty.
    func append(modern wanted: Bool, agent: ArraySlice<UInt8>?, to out: inout [UInt8]) {
        guard isModern(agent) == wanted else { return }
        out.append(contentsOf: wanted ? modernValue : ancientValue)
    }

    private static let mozilla = Array("Mozilla/".utf8)
}
