/// The `proxy_cache_*` settings the pure policy needs for one location (Config builds it).
///
///     var r = CacheRules()
///     r.valid = [CacheValidRule(codes: [200, 302], seconds: 3600), CacheValidRule(codes: [301], seconds: 86400),
///                .any(seconds: 600)]                       // the reference vhost
public struct CacheRules: Sendable, Equatable {
    /// `proxy_cache_valid` lines in config order; the first that matches the status wins (nginx).
    public var valid: [CacheValidRule] = []
    /// `proxy_ignore_headers`.
    public var ignoreHeaders: CacheIgnoredHeaders = []
    /// `proxy_cache_methods` (GET and HEAD are always included, as in nginx).
    public var methods: Set<[UInt8]> = [Array("GET".utf8), Array("HEAD".utf8)]
    /// `proxy_cache_min_uses` (default 1).
    public var minUses = 1
    /// RFC 9213's target list, lowercased, most specific first: `proxy_cache_target_field`'s names, then
    /// `cdn-cache-control` (empty with `proxy_cache_target_field off`).
    public var targetFields: [[UInt8]] = [CacheRules.cdnCacheControl]
    public static let cdnCacheControl = Array("cdn-cache-control".utf8)

    public init() {}

    /// The `proxy_cache_valid` time for a status; nil when no line covers it. A time of 0 means
    /// "do not cache" and is returned as nil too.
    public func validity(status: Int) -> Int64? {
        for rule in valid where rule.codes == nil || rule.codes!.contains(status) {
            return rule.seconds > 0 ? rule.seconds : nil
        }
        return nil
    }
}

/// One `proxy_cache_valid [code ...|any] time` line.
public struct CacheValidRule: Sendable, Equatable {
    /// nil = `any`.
    public let codes: [Int]?
    public let seconds: Int64

    public init(codes: [Int], seconds: Int64) {
        self.codes = codes
        self.seconds = seconds
    }

    /// A bare time (`proxy_cache_valid 5m;`) covers 200, 301 and 302, as nginx documents.
    public init(seconds: Int64) {
        self.init(codes: [200, 301, 302], seconds: seconds)
    }

    private init(any seconds: Int64) {
        codes = nil
        self.seconds = seconds
    }

    public static func any(seconds: Int64) -> CacheValidRule { CacheValidRule(any: seconds) }
}

/// `proxy_ignore_headers` values the cache acts on.
public struct CacheIgnoredHeaders: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let xAccelExpires = CacheIgnoredHeaders(rawValue: 1 << 0)
    public static let expires = CacheIgnoredHeaders(rawValue: 1 << 1)
    public static let cacheControl = CacheIgnoredHeaders(rawValue: 1 << 2)
    public static let setCookie = CacheIgnoredHeaders(rawValue: 1 << 3)
    public static let vary = CacheIgnoredHeaders(rawValue: 1 << 4)
    /// An upstream's `X-Accel-Buffering` does not turn buffering, and with it storing, on or off.
    public static let xAccelBuffering = CacheIgnoredHeaders(rawValue: 1 << 5)

    /// `X-Accel-Expires`, `Expires`, `Cache-Control`, `Set-Cookie`, `Vary`, `X-Accel-Buffering` (case-insensitive); other
    /// names nginx accepts (`X-Accel-Redirect`, …) do not concern the cache and give `[]`; unknown gives nil.
    public init?(headerName: String) {
        switch headerName.lowercased() {
        case "x-accel-expires": self = .xAccelExpires
        case "expires": self = .expires
        case "cache-control": self = .cacheControl
        case "set-cookie": self = .setCookie
        case "vary": self = .vary
        case "x-accel-buffering": self = .xAccelBuffering
        case "x-accel-redirect", "x-accel-limit-rate", "x-accel-charset": self = []
        default: return nil
        }
    }
}
