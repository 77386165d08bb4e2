/// Everything that http, server and location levels can set and that merges downwards
/// (http → server → location → nested location), grouped by module.
///
///     location.settings.proxy.readTimeout   // effective value for that location
public struct HTTPSettings: Sendable {
    public var proxy = ProxySettings()
    public var fastcgi = FastCGISettings()
    public var uwsgi = UWSGISettings()
    /// `scgi_*`: the family's settings, SCGI has none of its own.
    public var scgi = CGIParamsSettings()
    public var memcached = MemcachedSettings()
    public var gzip = GzipSettings()
    public var client = ClientSettings()
    public var content = ContentSettings()
    public var logging = LoggingSettings()
    public var rewrite = RewriteSettings()
    public var access = AccessSettings()
    public var limits = LimitSettings()
    public var files = FileSettings()
    public var ssl = SSLSettings()
    public var proxySSL = ProxySSLSettings()
    /// `uwsgi_ssl_*`: the same settings for `uwsgi_pass suwsgi://…`.
    public var uwsgiSSL = ProxySSLSettings()
    public var resolver = ResolverSettings()
    public var ssi = SSISettings()
    public var subFilter = SubFilterSettings()
    public var addition = AdditionSettings()
    public var referer = RefererSettings()
    public var browser = BrowserSettings()
    public var secureLink = SecureLinkSettings()
    public var userid = UserIDSettings()
    public var dav = DAVSettings()

    public init() {}
}

/// Connection and request limits of the client side (`client_*`, `keepalive_*`, `send_timeout`, TCP flags).
public struct ClientSettings: Sendable {
    @Setting public var keepaliveTimeout: Duration = .seconds(75)
    /// The optional second argument of `keepalive_timeout`: the `Keep-Alive: timeout=N` header value.
    @Setting public var keepaliveHeaderTimeout: Duration? = nil
    @Setting public var keepaliveRequests: Int = 1000
    @Setting public var keepaliveTime: Duration = .seconds(3600)
    @Setting public var headerTimeout: Duration = .seconds(60)
    @Setting public var bodyTimeout: Duration = .seconds(60)
    @Setting public var sendTimeout: Duration = .seconds(60)
    /// `client_max_body_size`; 0 disables the check.
    @Setting public var maxBodySize: Int = 1 << 20
    @Setting public var bodyBufferSize: Int = 16384
    @Setting public var headerBufferSize: Int = 1024
    @Setting public var largeHeaderBuffers = BufferCount(count: 4, size: 8192)
    /// `connection_pool_size`: switchyard has no pools (README); kept for nginx's check that a large header buffer
    /// is at least this big (default 64 pointers: 512 bytes).
    @Setting public var connectionPoolSize: Int = 512
    /// `max_headers`: more header fields in a request is a 400 (Debian's nginx 1.22 has it, default 1000).
    @Setting public var maxHeaders: Int = 1000
    /// `client_body_temp_path`: where request bodies over `client_body_buffer_size` are spooled.
    @Setting public var bodyTempPath: String = "client_body_temp"
    /// Its levels: `client_body_temp_path /tmp/b 1 2` → `[1, 2]` (`/tmp/b/7/45/0000004567`).
    @Setting public var bodyTempLevels: [Int] = []
    @Setting public var resetTimedoutConnection: Bool = false
    /// Accepted for compatibility; switchyard proxies, it does not serve files with sendfile(2).
    @Setting public var sendfile: Bool = false
    @Setting public var tcpNodelay: Bool = true
    /// `ignore_invalid_headers` (http, server): drop header lines whose names are not tokens.
    @Setting public var ignoreInvalidHeaders: Bool = true
    /// `underscores_in_headers` (http, server): `_` is a valid header-name byte.
    @Setting public var underscoresInHeaders: Bool = false
    /// `keepalive_disable none | msie6 | safari …`: browsers whose connections are not kept alive.
    @Setting public var keepaliveDisable: Set<KeepaliveDisable> = [.msie6]
    /// `client_body_in_file_only on | clean | off`: the whole body always goes to a temp file.
    @Setting public var bodyInFileOnly: BodyInFileOnly = .off
    /// `chunked_transfer_encoding`: off makes a response of unknown length close-delimited.
    @Setting public var chunkedTransferEncoding: Bool = true
    /// `limit_rate` bytes per second (nil: no limit); may hold variables, evaluated once per request.
    @Setting public var limitRate: Template? = nil
    /// `limit_rate_after`: bytes sent at full speed before `limit_rate` applies.
    @Setting public var limitRateAfter: Template? = nil
    /// `lingering_close`: after the last response, read what the client still sends before closing (`on`: only
    /// when it may still be sending; `always`; `off`).
    @Setting public var lingeringClose: LingeringClose = .on
    /// `lingering_time`: the longest a lingering close (or a discarded request body) is read.
    @Setting public var lingeringTime: Duration = .seconds(30)
    /// `lingering_timeout`: the longest wait for the next bytes meanwhile.
    @Setting public var lingeringTimeout: Duration = .seconds(5)

    public init() {}
}

public enum LingeringClose: String, Sendable {
    case off, on, always
}

/// `keepalive_disable` browsers.
public enum KeepaliveDisable: String, Sendable, CaseIterable {
    case msie6, safari
}

/// `client_body_in_file_only`: every body goes to a temp file named by `$request_body_file`; `clean` removes the
/// file after the request, `on` keeps it (for whatever reads it, say an upload handler).
public enum BodyInFileOnly: String, Sendable {
    case off, on, clean
}

/// `N size` pairs such as `proxy_buffers 4 128k` or `large_client_header_buffers 4 8k`.
public struct BufferCount: Sendable, Equatable {
    public var count: Int
    public var size: Int

    public init(count: Int, size: Int) {
        self.count = count
        self.size = size
    }
}
