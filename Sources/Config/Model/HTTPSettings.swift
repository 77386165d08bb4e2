/// Everything that http, server and location levels can set and that merges downwards
/// (http → server → location → nested location), grouped by module.
///
///     location.settings.proxy.readTimeout   // effective value for that location
public struct HTTPSettings: Sendable {
    /// Each module's box (CopyOnWrite.swift). Code reads and writes a module through its property below; the
    /// directive table's key paths go through these (`\.modules.proxy.$readTimeout`) to reach the setting in place.
    public struct Modules: Sendable {
        public var proxy: CopyOnWrite<ProxySettings>
        public var fastcgi: CopyOnWrite<FastCGISettings>
        public var uwsgi: CopyOnWrite<UWSGISettings>
        public var scgi: CopyOnWrite<CGIParamsSettings>
        public var memcached: CopyOnWrite<MemcachedSettings>
        public var gzip: CopyOnWrite<GzipSettings>
        public var client: CopyOnWrite<ClientSettings>
        public var content: CopyOnWrite<ContentSettings>
        public var logging: CopyOnWrite<LoggingSettings>
        public var rewrite: CopyOnWrite<RewriteSettings>
        public var access: CopyOnWrite<AccessSettings>
        public var limits: CopyOnWrite<LimitSettings>
        public var files: CopyOnWrite<FileSettings>
        public var ssl: CopyOnWrite<SSLSettings>
        public var proxySSL: CopyOnWrite<ProxySSLSettings>
        public var uwsgiSSL: CopyOnWrite<ProxySSLSettings>
        public var resolver: CopyOnWrite<ResolverSettings>
        public var ssi: CopyOnWrite<SSISettings>
        public var subFilter: CopyOnWrite<SubFilterSettings>
        public var addition: CopyOnWrite<AdditionSettings>
        public var referer: CopyOnWrite<RefererSettings>
        public var browser: CopyOnWrite<BrowserSettings>
        public var secureLink: CopyOnWrite<SecureLinkSettings>
        public var userid: CopyOnWrite<UserIDSettings>
        public var dav: CopyOnWrite<DAVSettings>
    }

    public var modules: Modules

    @inlinable public var proxy: ProxySettings {
        _read { yield modules.proxy.value }
        _modify { yield &modules.proxy.value }
    }
    @inlinable public var fastcgi: FastCGISettings {
        _read { yield modules.fastcgi.value }
        _modify { yield &modules.fastcgi.value }
    }
    @inlinable public var uwsgi: UWSGISettings {
        _read { yield modules.uwsgi.value }
        _modify { yield &modules.uwsgi.value }
    }
    /// `scgi_*`: the family's settings, SCGI has none of its own.
    @inlinable public var scgi: CGIParamsSettings {
        _read { yield modules.scgi.value }
        _modify { yield &modules.scgi.value }
    }
    @inlinable public var memcached: MemcachedSettings {
        _read { yield modules.memcached.value }
        _modify { yield &modules.memcached.value }
    }
    @inlinable public var gzip: GzipSettings {
        _read { yield modules.gzip.value }
        _modify { yield &modules.gzip.value }
    }
    @inlinable public var client: ClientSettings {
        _read { yield modules.client.value }
        _modify { yield &modules.client.value }
    }
    @inlinable public var content: ContentSettings {
        _read { yield modules.content.value }
        _modify { yield &modules.content.value }
    }
    @inlinable public var logging: LoggingSettings {
        _read { yield modules.logging.value }
        _modify { yield &modules.logging.value }
    }
    @inlinable public var rewrite: RewriteSettings {
        _read { yield modules.rewrite.value }
        _modify { yield &modules.rewrite.value }
    }
    @inlinable public var access: AccessSettings {
        _read { yield modules.access.value }
        _modify { yield &modules.access.value }
    }
    @inlinable public var limits: LimitSettings {
        _read { yield modules.limits.value }
        _modify { yield &modules.limits.value }
    }
    @inlinable public var files: FileSettings {
        _read { yield modules.files.value }
        _modify { yield &modules.files.value }
    }
    @inlinable public var ssl: SSLSettings {
        _read { yield modules.ssl.value }
        _modify { yield &modules.ssl.value }
    }
    @inlinable public var proxySSL: ProxySSLSettings {
        _read { yield modules.proxySSL.value }
        _modify { yield &modules.proxySSL.value }
    }
    /// `uwsgi_ssl_*`: the same settings for `uwsgi_pass suwsgi://…`.
    @inlinable public var uwsgiSSL: ProxySSLSettings {
        _read { yield modules.uwsgiSSL.value }
        _modify { yield &modules.uwsgiSSL.value }
    }
    @inlinable public var resolver: ResolverSettings {
        _read { yield modules.resolver.value }
        _modify { yield &modules.resolver.value }
    }
    @inlinable public var ssi: SSISettings {
        _read { yield modules.ssi.value }
        _modify { yield &modules.ssi.value }
    }
    @inlinable public var subFilter: SubFilterSettings {
        _read { yield modules.subFilter.value }
        _modify { yield &modules.subFilter.value }
    }
    @inlinable public var addition: AdditionSettings {
        _read { yield modules.addition.value }
        _modify { yield &modules.addition.value }
    }
    @inlinable public var referer: RefererSettings {
        _read { yield modules.referer.value }
        _modify { yield &modules.referer.value }
    }
    @inlinable public var browser: BrowserSettings {
        _read { yield modules.browser.value }
        _modify { yield &modules.browser.value }
    }
    @inlinable public var secureLink: SecureLinkSettings {
        _read { yield modules.secureLink.value }
        _modify { yield &modules.secureLink.value }
    }
    @inlinable public var userid: UserIDSettings {
        _read { yield modules.userid.value }
        _modify { yield &modules.userid.value }
    }
    @inlinable public var dav: DAVSettings {
        _read { yield modules.dav.value }
        _modify { yield &modules.dav.value }
    }

    /// Every field at its default, unset: built once; every new level starts as a copy of it (a pointer per
    /// module), and a module still in these boxes was not written at its level (`inherit(from:)`).
    static let unset = HTTPSettings(modules: Modules(
        proxy: CopyOnWrite(ProxySettings()),
        fastcgi: CopyOnWrite(FastCGISettings()),
        uwsgi: CopyOnWrite(UWSGISettings()),
        scgi: CopyOnWrite(CGIParamsSettings()),
        memcached: CopyOnWrite(MemcachedSettings()),
        gzip: CopyOnWrite(GzipSettings()),
        client: CopyOnWrite(ClientSettings()),
        content: CopyOnWrite(ContentSettings()),
        logging: CopyOnWrite(LoggingSettings()),
        rewrite: CopyOnWrite(RewriteSettings()),
        access: CopyOnWrite(AccessSettings()),
        limits: CopyOnWrite(LimitSettings()),
        files: CopyOnWrite(FileSettings()),
        ssl: CopyOnWrite(SSLSettings()),
        proxySSL: CopyOnWrite(ProxySSLSettings()),
        uwsgiSSL: CopyOnWrite(ProxySSLSettings()),
        resolver: CopyOnWrite(ResolverSettings()),
        ssi: CopyOnWrite(SSISettings()),
        subFilter: CopyOnWrite(SubFilterSettings()),
        addition: CopyOnWrite(AdditionSettings()),
        referer: CopyOnWrite(RefererSettings()),
        browser: CopyOnWrite(BrowserSettings()),
        secureLink: CopyOnWrite(SecureLinkSettings()),
        userid: CopyOnWrite(UserIDSettings()),
        dav: CopyOnWrite(DAVSettings())))

    public init() { self = Self.unset }

    private init(modules: Modules) { self.modules = modules }

    /// nginx's merge (HTTPSettings+Inherit.swift has each module's, field by field): a module this level did not
    /// write shares its parent's.
    mutating func inherit(from parent: HTTPSettings) {
        let unset = Self.unset.modules
        modules.proxy.share(from: parent.modules.proxy, unset: unset.proxy) { $0.inherit(from: $1) }
        modules.fastcgi.share(from: parent.modules.fastcgi, unset: unset.fastcgi) { $0.inherit(from: $1) }
        modules.uwsgi.share(from: parent.modules.uwsgi, unset: unset.uwsgi) { $0.inherit(from: $1) }
        modules.scgi.share(from: parent.modules.scgi, unset: unset.scgi) { $0.inherit(from: $1) }
        modules.memcached.share(from: parent.modules.memcached, unset: unset.memcached) { $0.inherit(from: $1) }
        modules.gzip.share(from: parent.modules.gzip, unset: unset.gzip) { $0.inherit(from: $1) }
        modules.client.share(from: parent.modules.client, unset: unset.client) { $0.inherit(from: $1) }
        modules.content.share(from: parent.modules.content, unset: unset.content,
                              inheritsWhole: { !$0.$isInternal.isSet }) { $0.inherit(from: $1) }
        modules.logging.share(from: parent.modules.logging, unset: unset.logging) { $0.inherit(from: $1) }
        modules.rewrite.share(from: parent.modules.rewrite, unset: unset.rewrite) { $0.inherit(from: $1) }
        modules.access.share(from: parent.modules.access, unset: unset.access) { $0.inherit(from: $1) }
        modules.limits.share(from: parent.modules.limits, unset: unset.limits) { $0.inherit(from: $1) }
        modules.files.share(from: parent.modules.files, unset: unset.files,
                            inheritsWhole: { !$0.$tryFiles.isSet }) { $0.inherit(from: $1) }
        modules.ssl.share(from: parent.modules.ssl, unset: unset.ssl) { $0.inherit(from: $1) }
        modules.proxySSL.share(from: parent.modules.proxySSL, unset: unset.proxySSL) { $0.inherit(from: $1) }
        modules.uwsgiSSL.share(from: parent.modules.uwsgiSSL, unset: unset.uwsgiSSL) { $0.inherit(from: $1) }
        modules.resolver.share(from: parent.modules.resolver, unset: unset.resolver) { $0.inherit(from: $1) }
        modules.ssi.share(from: parent.modules.ssi, unset: unset.ssi) { $0.inherit(from: $1) }
        modules.subFilter.share(from: parent.modules.subFilter, unset: unset.subFilter) { $0.inherit(from: $1) }
        modules.addition.share(from: parent.modules.addition, unset: unset.addition) { $0.inherit(from: $1) }
        modules.referer.share(from: parent.modules.referer, unset: unset.referer) { $0.inherit(from: $1) }
        modules.browser.share(from: parent.modules.browser, unset: unset.browser) { $0.inherit(from: $1) }
        modules.secureLink.share(from: parent.modules.secureLink, unset: unset.secureLink) { $0.inherit(from: $1) }
        modules.userid.share(from: parent.modules.userid, unset: unset.userid) { $0.inherit(from: $1) }
        modules.dav.share(from: parent.modules.dav, unset: unset.dav) { $0.inherit(from: $1) }
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
