/// The browser families nginx reads from User-Agent (ngx_http_process_user_agent), which keepalive_disable,
/// gzip_disable msie6, msie_refresh, msie_padding and `$msie` go by. Made from the field's bytes, with nginx's
/// exact rules:
/// - msie: "MSIE " with at least three bytes after it; msie6 besides when those say 4., 5. or 6. (6 only when no
///   "SV1" follows);
/// - opera: "Opera" anywhere, which clears msie and msie6;
/// - neither msie nor opera: the first of gecko ("Gecko/"), chrome ("Chrome/"), safari ("Safari/" and
///   "Mac OS X"), konqueror ("Konqueror").
/// ```
/// UserAgentFlags(userAgent: Array("Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)".utf8))   // [.msie, .msie6]
/// ```
public struct UserAgentFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let msie = UserAgentFlags(rawValue: 1 << 0)
    public static let msie6 = UserAgentFlags(rawValue: 1 << 1)
    public static let opera = UserAgentFlags(rawValue: 1 << 2)
    public static let gecko = UserAgentFlags(rawValue: 1 << 3)
    public static let chrome = UserAgentFlags(rawValue: 1 << 4)
    public static let safari = UserAgentFlags(rawValue: 1 << 5)
    public static let konqueror = UserAgentFlags(rawValue: 1 << 6)

    /// The flags of a head: its first User-Agent field's, as nginx 1.22 reads no other line.
    public init(head: some HTTPHead) {
        self = head.firstHeader("user-agent").map { UserAgentFlags(userAgent: $0) } ?? []
    }

    /// The flags of one User-Agent value.
    public init<C: Collection<UInt8>>(userAgent agent: C) where C.Index == Int {
        self = []
        if let i = Self.find(Self.msieName, in: agent, from: agent.startIndex), i + 7 < agent.endIndex {
            insert(.msie)
            if agent[i + 6] == UInt8(ascii: ".") {
                switch agent[i + 5] {
                case UInt8(ascii: "4"), UInt8(ascii: "5"): insert(.msie6)
                case UInt8(ascii: "6"): if Self.find(Self.sv1, in: agent, from: i + 8) == nil { insert(.msie6) }
                default: break
                }
            }
        }
        if Self.find(Self.operaName, in: agent, from: agent.startIndex) != nil {
            insert(.opera)
            remove([.msie, .msie6])
        }
        guard !contains(.msie) && !contains(.opera) else { return }
        let start = agent.startIndex
        if Self.find(Self.geckoName, in: agent, from: start) != nil {
            insert(.gecko)
        } else if Self.find(Self.chromeName, in: agent, from: start) != nil {
            insert(.chrome)
        } else if Self.find(Self.safariName, in: agent, from: start) != nil,
                  Self.find(Self.macOSX, in: agent, from: start) != nil {
            insert(.safari)
        } else if Self.find(Self.konquerorName, in: agent, from: start) != nil {
            insert(.konqueror)
        }
    }

    /// The first place of `needle` in `hay` at or after `from`.
    static func find<C: Collection<UInt8>>(_ needle: [UInt8], in hay: C, from: Int) -> Int? where C.Index == Int {
        guard let first = needle.first, hay.endIndex - from >= needle.count else { return nil }
        var i = from
        let last = hay.endIndex - needle.count
        while i <= last {
            if hay[i] == first {
                var j = 1
                while j < needle.count && hay[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    private static let msieName = Array("MSIE ".utf8), sv1 = Array("SV1".utf8), operaName = Array("Opera".utf8)
    private static let geckoName = Array("Gecko/".utf8), chromeName = Array("Chrome/".utf8)
    private static let safariName = Array("Safari/".utf8), macOSX = Array("Mac OS X".utf8)
    private static let konquerorName = Array("Konqueror".utf8)
}
