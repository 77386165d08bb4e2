/// The response cache of an upstream module: `proxy_cache*`, `fastcgi_cache*`, `uwsgi_cache*`, `scgi_cache*`
/// (nginx declares the same slots in each module, with the same arguments and merge rules). One type for all
/// four, filled by the same directive rows per prefix (UpstreamCacheDirectives), compiled by the same
/// `CacheLocation.build`.
public struct UpstreamCacheSettings: Sendable {
    /// `*_cache zone`; nil is `off`.
    @Setting public var zone: String? = nil
    /// `proxy_cache_key`'s default. The CGI modules have none: `$key.isSet` tells whether one was written
    /// (a CGI location that caches without one is nginx's `no "fastcgi_cache_key" for "fastcgi_cache"`).
    @Setting public var key: Template = try! Template("$scheme$proxy_host$request_uri")
    @Setting public var valid: [CacheValid] = []
    @Setting public var methods: Set<String> = ["GET", "HEAD"]
    @Setting public var minUses: Int = 1
    @Setting public var bypass: [Template] = []
    @Setting public var noCache: [Template] = []
    /// `*_cache_use_stale`; empty is `off`.
    @Setting public var useStale: Set<String> = []
    @Setting public var backgroundUpdate: Bool = false
    @Setting public var lock: Bool = false
    @Setting public var lockTimeout: Duration = .seconds(5)
    @Setting public var lockAge: Duration = .seconds(5)
    @Setting public var revalidate: Bool = false
    /// `proxy_cache_convert_head` (the proxy module's only: the CGI modules send a HEAD as it came, nginx's
    /// `cache_convert_head` left 0 there).
    @Setting public var convertHead: Bool = true
    /// `*_cache_max_range_offset`: a Range starting this far in or beyond goes upstream as it is, uncached;
    /// nil is no limit.
    @Setting public var maxRangeOffset: Int? = nil
    /// `proxy_cache_target_field`: RFC 9213's target list, lowercased, most specific first (CDN-Cache-Control last).
    @Setting public var targetFields: [String] = ["cdn-cache-control"]

    public init() {}
}

/// `*_cache_valid [code ...] time`: no codes means 200, 301, 302; `any` matches every code.
public struct CacheValid: Sendable, Equatable {
    public enum Codes: Sendable, Equatable {
        case any
        case list([Int])
    }

    public let codes: Codes
    public let time: Duration
}

/// The module a cache zone belongs to: nginx keeps each module's `*_cache_path` zones apart (a zone is tagged
/// with its module; `fastcgi_cache` cannot name a `proxy_cache_path` zone).
public enum CacheModule: String, Sendable, Equatable, CaseIterable {
    case proxy, fastcgi, uwsgi, scgi

    /// The directives' prefix: `proxy`, `fastcgi`, …
    public var prefix: String { rawValue }
}
