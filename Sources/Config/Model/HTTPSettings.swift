/// Everything that http, server and location levels can set and that merges downwards
/// (http → server → location → nested location), grouped by module.
///
///     location.settings.proxy.readTimeout   // effective value for that location
public struct HTTPSettings: Sendable {
    @CopyOnWrite public var proxy: ProxySettings
    @CopyOnWrite public var fastcgi: FastCGISettings
    @CopyOnWrite public var uwsgi: UWSGISettings
    /// `scgi_*`: the family's settings, SCGI has none of its own.
    @CopyOnWrite public var scgi: CGIParamsSettings
    @CopyOnWrite public var memcached: MemcachedSettings
    @CopyOnWrite public var gzip: GzipSettings
    @CopyOnWrite public var client: ClientSettings
    @CopyOnWrite public var content: ContentSettings
    @CopyOnWrite public var logging: LoggingSettings
    @CopyOnWrite public var rewrite: RewriteSettings
    @CopyOnWrite public var access: AccessSettings
    @CopyOnWrite public var limits: LimitSettings
    @CopyOnWrite public var files: FileSettings
    @CopyOnWrite public var ssl: SSLSettings
    @CopyOnWrite public var proxySSL: ProxySSLSettings
    /// `uwsgi_ssl_*`: the same settings for `uwsgi_pass suwsgi://…`.
    @CopyOnWrite public var uwsgiSSL: ProxySSLSettings
    @CopyOnWrite public var resolver: ResolverSettings
    @CopyOnWrite public var ssi: SSISettings
    @CopyOnWrite public var subFilter: SubFilterSettings
    @CopyOnWrite public var addition: AdditionSettings
    @CopyOnWrite public var referer: RefererSettings
    @CopyOnWrite public var browser: BrowserSettings
    @CopyOnWrite public var secureLink: SecureLinkSettings
    @CopyOnWrite public var userid: UserIDSettings
    @CopyOnWrite public var dav: DAVSettings

    /// Every field at its default, unset: built once; every new level starts as a copy of it (a pointer per
    /// module), and a module still in these boxes was not written at its level (`inherit(from:)`).
    static let unset = HTTPSettings(defaults: ())

    public init() { self = Self.unset }

    private init(defaults: Void) {
        proxy = ProxySettings()
        fastcgi = FastCGISettings()
        uwsgi = UWSGISettings()
        scgi = CGIParamsSettings()
        memcached = MemcachedSettings()
        gzip = GzipSettings()
        client = ClientSettings()
        content = ContentSettings()
        logging = LoggingSettings()
        rewrite = RewriteSettings()
        access = AccessSettings()
        limits = LimitSettings()
        files = FileSettings()
        ssl = SSLSettings()
        proxySSL = ProxySSLSettings()
        uwsgiSSL = ProxySSLSettings()
        resolver = ResolverSettings()
        ssi = SSISettings()
        subFilter = SubFilterSettings()
        addition = AdditionSettings()
        referer = RefererSettings()
        browser = BrowserSettings()
        secureLink = SecureLinkSettings()
        userid = UserIDSettings()
        dav = DAVSettings()
    }

    /// nginx's merge (HTTPSettings+Inherit.swift has each module's, field by field). Here, because the modules'
    /// boxes are private to this file: a module this level did not write shares its parent's.
    mutating func inherit(from parent: HTTPSettings) {
        _proxy.share(from: parent._proxy, unset: Self.unset._proxy) { $0.inherit(from: $1) }
        _fastcgi.share(from: parent._fastcgi, unset: Self.unset._fastcgi) { $0.inherit(from: $1) }
        _uwsgi.share(from: parent._uwsgi, unset: Self.unset._uwsgi) { $0.inherit(from: $1) }
        _scgi.share(from: parent._scgi, unset: Self.unset._scgi) { $0.inherit(from: $1) }
        _memcached.share(from: parent._memcached, unset: Self.unset._memcached) { $0.inherit(from: $1) }
        _gzip.share(from: parent._gzip, unset: Self.unset._gzip) { $0.inherit(from: $1) }
        _client.share(from: parent._client, unset: Self.unset._client) { $0.inherit(from: $1) }
        _content.merge(from: parent._content) { $0.inherit(from: $1) }
        _logging.share(from: parent._logging, unset: Self.unset._logging) { $0.inherit(from: $1) }
        _rewrite.share(from: parent._rewrite, unset: Self.unset._rewrite) { $0.inherit(from: $1) }
        _access.share(from: parent._access, unset: Self.unset._access) { $0.inherit(from: $1) }
        _limits.share(from: parent._limits, unset: Self.unset._limits) { $0.inherit(from: $1) }
        _files.merge(from: parent._files) { $0.inherit(from: $1) }
        _ssl.share(from: parent._ssl, unset: Self.unset._ssl) { $0.inherit(from: $1) }
        _proxySSL.share(from: parent._proxySSL, unset: Self.unset._proxySSL) { $0.inherit(from: $1) }
        _uwsgiSSL.share(from: parent._uwsgiSSL, unset: Self.unset._uwsgiSSL) { $0.inherit(from: $1) }
        _resolver.share(from: parent._resolver, unset: Self.unset._resolver) { $0.inherit(from: $1) }
        _ssi.share(from: parent._ssi, unset: Self.unset._ssi) { $0.inherit(from: $1) }
        _subFilter.share(from: parent._subFilter, unset: Self.unset._subFilter) { $0.inherit(from: $1) }
        _addition.share(from: parent._addition, unset: Self.unset._addition) { $0.inherit(from: $1) }
        _referer.share(from: parent._referer, unset: Self.unset._referer) { $0.inherit(from: $1) }
        _browser.share(from: parent._browser, unset: Self.unset._browser) { $0.inherit(from: $1) }
        _secureLink.share(from: parent._secureLink, unset: Self.unset._secureLink) { $0.inherit(from: $1) }
        _userid.share(from: parent._userid, unset: Self.unset._userid) { $0.inherit(from: $1) }
        _dav.share(from: parent._dav, unset: Self.unset._dav) { $0.inherit(from: $1) }
    }
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
