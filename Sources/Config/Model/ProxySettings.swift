/// `proxy_*` directives (ngx_http_proxy_module) that merge downwards. `proxy_pass` itself is the
/// location's `handler`, not a setting: nginx does not inherit it into nested locations.
public struct ProxySettings: Sendable {
    /// `proxy_set_header` as configured; a level that sets any does not inherit its parent's.
    /// Use `requestHeaders` for what is actually sent.
    @Setting public var setHeaders: [HeaderTemplate] = []
    @Setting public var hideHeaders: [String] = []
    @Setting public var passHeaders: [String] = []
    @Setting public var httpVersion: HTTPVersion = .http10
    @Setting public var redirect: ProxyRedirect = .rules([.default])
    @Setting public var nextUpstream: Set<NextUpstreamCondition> = [.error, .timeout]
    /// 0 means no limit.
    @Setting public var nextUpstreamTries: Int = 0
    /// `.zero` means no limit.
    @Setting public var nextUpstreamTimeout: Duration = .zero
    @Setting public var connectTimeout: Duration = .seconds(60)
    @Setting public var sendTimeout: Duration = .seconds(60)
    @Setting public var readTimeout: Duration = .seconds(60)
    @Setting public var bufferSize: Int = 4096
    @Setting public var buffers = BufferCount(count: 8, size: 4096)
    @Setting public var busyBuffersSize: Int = 8192
    @Setting public var buffering: Bool = true
    @Setting public var requestBuffering: Bool = true
    /// `proxy_bind`: the local address upstream connections are made from; nil is `off`.
    @Setting public var bind: ProxyBind? = nil
    /// `proxy_socket_keepalive`: SO_KEEPALIVE on upstream connections.
    @Setting public var socketKeepalive: Bool = false
    /// `proxy_force_ranges`: byte ranges of a proxied 200, cached or not, whether or not it said Accept-Ranges.
    @Setting public var forceRanges: Bool = false
    /// `proxy_limit_rate`: bytes a second read from the upstream per request; 0 is no limit.
    @Setting public var limitRate: Int = 0
    /// Absolute after load.
    @Setting public var tempPath: String = "proxy_temp"
    @Setting public var tempFileWriteSize: Int = 8192
    @Setting public var maxTempFileSize: Int = 1 << 30
    @Setting public var interceptErrors: Bool = false
    @Setting public var passRequestHeaders: Bool = true
    @Setting public var passRequestBody: Bool = true
    @Setting public var ignoreClientAbort: Bool = false
    @Setting public var ignoreHeaders: Set<String> = []
    /// `proxy_method`: the method sent upstream instead of the client's (may hold variables).
    @Setting public var method: Template? = nil
    /// `proxy_set_body`: the body sent upstream instead of the client's (which is read and discarded).
    @Setting public var setBody: Template? = nil
    /// `proxy_cookie_domain` and `proxy_cookie_path`: Set-Cookie attribute rewrites, in order.
    @Setting public var cookieDomain: [CookieRewrite] = []
    @Setting public var cookiePath: [CookieRewrite] = []
    /// `proxy_cookie_flags`: flags added to or removed from Set-Cookie, by cookie name.
    @Setting public var cookieFlags: [CookieFlagsRule] = []
    /// `proxy_pass_trailers` (nginx 1.27.2): pass the upstream's trailer fields to the client.
    @Setting public var passTrailers: Bool = false
    /// `proxy_store`: a whole 200 from the upstream is also saved as a file.
    @Setting public var store: StoreTarget = .off
    /// `proxy_store_access`: the mode of stored files (directories made for them get the matching search bits).
    @Setting public var storeAccess: UInt32 = 0o600
    /// `proxy_cache*`: the same settings as `fastcgi_cache*`, `uwsgi_cache*` and `scgi_cache*`.
    public var cache = UpstreamCacheSettings()

    public init() {}

    /// nginx's headers sent unless overridden by name (case-insensitively).
    public static let defaultRequestHeaders: [HeaderTemplate] = [
        HeaderTemplate(name: "Host", value: try! Template("$proxy_host"), location: nil),
        HeaderTemplate(name: "Connection", value: Template(literal: "close"), location: nil),
    ]

    /// What goes upstream: the configured headers, then each default whose name is not configured.
    /// An empty value means "do not send the header", as in nginx.
    public var requestHeaders: [HeaderTemplate] {
        let configured = Set(setHeaders.map { $0.name.lowercased() })
        return setHeaders + ProxySettings.defaultRequestHeaders.filter { !configured.contains($0.name.lowercased()) }
    }
}

/// `proxy_store on | off | string`: where a proxied 200 is saved.
public enum StoreTarget: Sendable, Equatable {
    case off
    /// `on`: the file `root` or `alias` maps the URI to (`$request_filename`).
    case mappedURI
    /// A path, variables allowed.
    case path(Template)
}

/// `proxy_set_header name value`.
public struct HeaderTemplate: Sendable, Equatable {
    public let name: String
    public let value: Template
    public let location: SourceLocation?
}

/// `proxy_redirect default | off | redirect replacement` (rules accumulate in order).
public enum ProxyRedirect: Sendable, Equatable {
    case off
    case rules([ProxyRedirectRule])
}

public enum ProxyRedirectRule: Sendable, Equatable {
    /// `proxy_redirect default`: the proxy_pass URL is replaced by the location prefix.
    case `default`
    case literal(Template, replacement: Template)
    case regex(String, caseInsensitive: Bool, replacement: Template)
}

/// `proxy_bind address [transparent]`: an IP address (a port too, rarely), or a template evaluated per request
/// (`$remote_addr` with `transparent`, the client's own address).
public struct ProxyBind: Sendable, Equatable {
    public var address: Template
    public var transparent: Bool
}

/// `proxy_next_upstream` conditions; `off` is the empty set.
public enum NextUpstreamCondition: String, Sendable, CaseIterable {
    case error, timeout
    case invalidHeader = "invalid_header"
    case http500 = "http_500"
    case http502 = "http_502"
    case http503 = "http_503"
    case http504 = "http_504"
    case http403 = "http_403"
    case http404 = "http_404"
    case http429 = "http_429"
    case nonIdempotent = "non_idempotent"
}

/// What `proxy_cookie_domain`, `proxy_cookie_path` and `proxy_redirect` match: a text (may hold variables,
/// compared case-insensitively for domains) or a regular expression (`~`, `~*`) whose captures the
/// replacement may use.
public enum RewriteMatch: Sendable, Equatable {
    case literal(Template)
    case regex(String, caseInsensitive: Bool)
}

/// `proxy_cookie_domain domain replacement` / `proxy_cookie_path path replacement`.
public struct CookieRewrite: Sendable, Equatable {
    public let match: RewriteMatch
    public let replacement: Template
}

/// `proxy_cookie_flags cookie [secure] [httponly] [samesite=strict|lax|none] [nosecure] [nohttponly] [nosamesite]`.
public struct CookieFlagsRule: Sendable, Equatable {
    public enum Flag: Sendable, Equatable {
        case secure, httpOnly, sameSite(String), noSecure, noHttpOnly, noSameSite
        /// A flag with variables (or a word that is none of the above), read when a response comes, as nginx's
        /// complex value: one of the words above then, else nothing.
        case evaluated(Template)
    }
    /// A cookie name (case-sensitive) or a regex over it.
    public let cookie: RewriteMatch
    public let flags: [Flag]
}
