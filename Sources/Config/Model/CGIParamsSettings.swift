/// What the CGI-family modules (ngx_http_fastcgi_module, and the uwsgi and scgi ones) share: the parameters
/// sent to the application, the upstream's timeouts and retries, the head's buffer and the header filters.
/// Each module has one (`fastcgi_*`, `uwsgi_*`, `scgi_*`); the same directive rows fill them (CGIFamilyDirectives).
public struct CGIParamsSettings: Sendable {
    /// `*_param`: a level that sets any does not inherit its parent's (nginx's array rule).
    @Setting public var params: [CGIParam] = []
    @Setting public var hideHeaders: [String] = []
    @Setting public var passHeaders: [String] = []
    @Setting public var ignoreHeaders: Set<String> = []
    @Setting public var nextUpstream: Set<NextUpstreamCondition> = [.error, .timeout]
    @Setting public var nextUpstreamTries: Int = 0
    @Setting public var nextUpstreamTimeout: Duration = .zero
    @Setting public var connectTimeout: Duration = .seconds(60)
    @Setting public var sendTimeout: Duration = .seconds(60)
    @Setting public var readTimeout: Duration = .seconds(60)
    /// The largest response head accepted from the application (nginx: the first buffer, which holds it).
    @Setting public var bufferSize: Int = 4096
    /// Checked as nginx checks them; the response streams through one bounded buffer (README).
    @Setting public var buffers = BufferCount(count: 8, size: 4096)
    @Setting public var busyBuffersSize: Int = 8192
    @Setting public var tempFileWriteSize: Int = 8192
    /// `*_max_temp_file_size`: no temp files are written (README); kept for nginx's check against the buffers.
    @Setting public var maxTempFileSize: Int = 1 << 30
    @Setting public var interceptErrors: Bool = false
    /// `*_force_ranges`: byte ranges answered from the application's response whatever its Accept-Ranges.
    @Setting public var forceRanges: Bool = false
    /// `*_limit_rate`: bytes per second read from the application (0: no limit).
    @Setting public var limitRate: Int = 0
    /// `*_bind`: the local address connections to the application are made from; nil is `off`.
    @Setting public var bind: ProxyBind? = nil
    /// `*_socket_keepalive`: SO_KEEPALIVE on connections to the application.
    @Setting public var socketKeepalive: Bool = false
    /// `*_ignore_client_abort`: a client closing its side does not end the request to the application.
    @Setting public var ignoreClientAbort: Bool = false
    @Setting public var passRequestHeaders: Bool = true
    @Setting public var passRequestBody: Bool = true
    /// `*_request_buffering off`: a Content-Length body streams to the application as it arrives.
    @Setting public var requestBuffering: Bool = true
    /// `*_cache*`: the response cache, the same as `proxy_cache*` (no default key: nginx's CGI modules need one).
    /// Kept out of line, copied on write: `HTTPSettings` is copied at every level of a configuration's recursive
    /// freeze, and three caches inline made a 100-level nesting overflow the stack.
    public var cache: UpstreamCacheSettings {
        get { cacheStorage.value }
        set {
            if isKnownUniquelyReferenced(&cacheStorage) { cacheStorage.value = newValue } else { cacheStorage = CacheStorage(newValue) }
        }
    }
    private var cacheStorage = CacheStorage(UpstreamCacheSettings())

    public init() {}
}

/// `fastcgi_param` / `uwsgi_param` / `scgi_param NAME VALUE [if_not_empty]`.
public struct CGIParam: Sendable, Equatable {
    public let name: String
    public let value: Template
    /// `if_not_empty`: the parameter is not sent when its value is empty.
    public let ifNotEmpty: Bool
    public let location: SourceLocation?
}

/// The box of `CGIParamsSettings.cache`: never mutated while shared (the setter copies first).
private final class CacheStorage: @unchecked Sendable {
    var value: UpstreamCacheSettings
    init(_ value: UpstreamCacheSettings) { self.value = value }
}
