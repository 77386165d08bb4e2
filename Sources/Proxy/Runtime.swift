import Config
import Balancing
import EventLoop
import HTTP1
import Locking
import Regex

// The compiled, immutable form of a configuration that workers serve from (nginx's cycle; Hummingbird's
// Router → Responder). Built once per load or reload by `RuntimeBuilder`; a reload builds a new Runtime beside
// the old one and swaps it in, so requests in flight finish on the one they started with.
//
// These are final classes with `let` properties only: safe to share between worker threads.

/// Everything the workers need, frozen.
public final class Runtime: @unchecked Sendable {
    public let generation: Int
    let listens: [ListenRuntime]
    let upstreams: [UpstreamRuntime]
    /// Index in `upstreams` by name (the first of a name), for the next reload's builder.
    let upstreamIndex: [String: Int]
    let workers: Int
    let workerConnections: Int
    /// `multi_accept`: a listener's wake-up accepts every pending connection (a bounded batch), not one.
    let multiAccept: Bool
    let errorLog: ErrorLogFile
    /// The files of `error_log` lines in http, server and location blocks (LocationRuntime.errorLogs), for SIGUSR1.
    var levelErrorLogs: [ErrorLogFile] = []
    let accessLogFiles: [AccessLogFile]
    let limits: ParserLimits
    let serverTokens: Bool
    let shutdownTimeoutMillis: Int?
    let clientHeaderBufferSize: Int
    let defaultKeepaliveTimeoutMillis: Int
    let userVariableCount: Int
    /// Per user variable slot, its name when only `set` declares it: read unset, it is warned about
    /// (`uninitialized_variable_warn`); nil for the others.
    let setOnlyVariableNames: [[UInt8]?]
    /// `map`, `split_clients` and `geo` blocks, indexed by `VariableID.mapResult`.
    let maps: [any VariableBlock]
    let defaultRoot: [UInt8]
    let serverCount: Int
    /// `proxy_cache_path` zones by name (CacheZone.swift), carried over a reload when name and path stay.
    let cacheZones: [String: CacheZone]
    /// TLS contexts by what they were built from, so a reload keeps unchanged ones (and their session caches).
    let tlsContexts: [String: TLSContext]
    /// limit_req and limit_conn zones by name, carried over a reload that keeps name and size.
    let limitZones: LimitZoneSet
    /// `open_log_file_cache` directives, indexed by `AccessLogSink.fileCache` (each worker keeps its own table).
    let logFileCaches: [OpenLogFileCache]
    /// `health_check` lines: one prober for the whole process runs them (HealthProber.swift, on worker 0).
    let healthChecks: [HealthCheckRuntime]

    init(generation: Int, listens: [ListenRuntime], upstreams: [UpstreamRuntime], workers: Int,
         workerConnections: Int, errorLog: ErrorLogFile, accessLogFiles: [AccessLogFile], limits: ParserLimits,
         healthChecks: [HealthCheckRuntime] = [], serverTokens: Bool, shutdownTimeoutMillis: Int?, clientHeaderBufferSize: Int,
         defaultKeepaliveTimeoutMillis: Int, userVariableCount: Int, setOnlyVariableNames: [[UInt8]?] = [], maps: [any VariableBlock], defaultRoot: [UInt8],
         serverCount: Int, cacheZones: [String: CacheZone] = [:], tlsContexts: [String: TLSContext] = [:],
         limitZones: LimitZoneSet = LimitZoneSet(), logFileCaches: [OpenLogFileCache] = [], multiAccept: Bool = false) {
        self.generation = generation; self.listens = listens; self.upstreams = upstreams
        var index: [String: Int] = [:]
        for (i, u) in upstreams.enumerated() where index[u.name] == nil { index[u.name] = i }
        self.upstreamIndex = index
        self.workers = workers; self.workerConnections = workerConnections; self.errorLog = errorLog
        self.multiAccept = multiAccept
        self.accessLogFiles = accessLogFiles; self.limits = limits; self.serverTokens = serverTokens
        self.shutdownTimeoutMillis = shutdownTimeoutMillis; self.clientHeaderBufferSize = clientHeaderBufferSize
        self.defaultKeepaliveTimeoutMillis = defaultKeepaliveTimeoutMillis; self.userVariableCount = userVariableCount
        self.setOnlyVariableNames = setOnlyVariableNames
        self.maps = maps; self.defaultRoot = defaultRoot; self.serverCount = serverCount
        self.cacheZones = cacheZones
        self.tlsContexts = tlsContexts
        self.limitZones = limitZones
        self.logFileCaches = logFileCaches
        self.healthChecks = healthChecks
    }

    /// Set by the reload that replaces this runtime; runs when the last connection, exchange or tunnel that
    /// started under it lets go of it (nginx's old worker processes exiting).
    private let retirement = Lock<(@Sendable () -> Void)?>(nil)

    func onRetired(_ body: @escaping @Sendable () -> Void) { retirement.withLock { $0 = body } }

    deinit { retirement.withLock { $0 }?() }

    /// The reload that built this runtime commits: each upstream's servers take over the runtime API's edits
    /// from the servers they were merged from (UpstreamServers.commit). Before any worker serves this runtime.
    func commit(now: Instant, report: (String) -> Void) {
        for u in upstreams {
            u.servers.commit(now: now) { failure in report("\(failure) while saving the state of upstream \"\(u.name)\"") }
        }
    }
}

/// One listening address and the virtual servers reachable through it.
final class ListenRuntime: @unchecked Sendable {
    let address: SocketAddress
    let reusePort: Bool
    let backlog: Int32
    /// `listen`'s socket parameters (rcvbuf, sndbuf, deferred, fastopen, so_keepalive, ipv6only).
    let socketOptions: ListenerOptions
    let hosts: VirtualHosts
    /// The default server's `underscores_in_headers`, `ignore_invalid_headers` and `large_client_header_buffers`
    /// (its `limits`), for the request parser: nginx reads a head with the default server's settings, the Host
    /// field not being known yet.
    let underscoresInHeaders: Bool
    let ignoreInvalidHeaders: Bool
    let limits: ParserLimits
    /// The default server's `client_header_timeout`: how long a head may take on this address (nginx's rule,
    /// the same reason: the server is not known until the head is).
    let headerTimeoutMillis: Int
    /// `listen … ssl`: connections start with a TLS handshake (servers' contexts in `ServerRuntime.tls`).
    let ssl: Bool
    /// `listen … proxy_protocol`: each connection starts with a PROXY protocol header (ClientProxyProtocol.swift).
    let proxyProtocol: Bool
    /// On a wildcard address's socket (`*:port`, `[::]:port`): the addresses of the same port without `bind`,
    /// which have no socket of their own and are served through this one (nginx's ngx_http_add_addrs). A
    /// connection gets the servers of its local address (`serving(local:)`); empty for every other socket, whose
    /// connections take this runtime as it is, with no getsockname().
    let sharers: [ListenRuntime]
    /// This address is one of a wildcard's `sharers`: its connections come through `*:port` (`[::]:port`).
    let carried: Bool
    init(address: SocketAddress, reusePort: Bool, backlog: Int32, socketOptions: ListenerOptions = ListenerOptions(),
         hosts: VirtualHosts,
         underscoresInHeaders: Bool = false, ignoreInvalidHeaders: Bool = true, limits: ParserLimits = ParserLimits(),
         headerTimeoutMillis: Int = 60_000, ssl: Bool = false, proxyProtocol: Bool = false, sharers: [ListenRuntime] = [], carried: Bool = false) {
        self.sharers = sharers; self.carried = carried
        self.address = address; self.reusePort = reusePort; self.backlog = backlog; self.hosts = hosts
        self.socketOptions = socketOptions
        self.limits = limits
        self.headerTimeoutMillis = headerTimeoutMillis
        self.underscoresInHeaders = underscoresInHeaders; self.ignoreInvalidHeaders = ignoreInvalidHeaders
        self.ssl = ssl; self.proxyProtocol = proxyProtocol
    }

    /// The address whose servers a connection to `local` (its getsockname()) gets on this socket: the sharer
    /// with that IP address, else this wildcard address itself (nginx's ngx_http_init_connection).
    func serving(local: SocketAddress) -> ListenRuntime {
        for s in sharers where s.address.family == local.family && s.address.bytes == local.bytes { return s }
        return self
    }

    /// The address of the socket this address's connections come through: the wildcard of its port when it is
    /// carried, else its own.
    var socketAddress: SocketAddress {
        carried ? SocketAddress(family: address.family, bytes: address.bytes.map { _ in 0 }, port: address.port) : address
    }
}

/// server_name lookup for one listen address, in nginx's order: exact, longest leading wildcard
/// (`*.example.com`), longest trailing wildcard (`www.example.*`), then regexes in order; else the default.
final class VirtualHosts: @unchecked Sendable {
    let exact: ByteKeyMap<ServerRuntime>
    let leadingWildcards: [(suffix: [UInt8], server: ServerRuntime)]   // ".example.com", longest first
    let trailingWildcards: [(prefix: [UInt8], server: ServerRuntime)]  // "www.example.", longest first
    let regexes: [(regex: Regex, server: ServerRuntime)]
    /// Per regex: the variable slots its named groups fill (`~^(?<name>.+)\.example\.com$` → `$name`).
    let regexNamed: [[(group: Int, slot: Int)]]
    let defaultServer: ServerRuntime
    /// The server every request gets whatever its Host (one server block on the address, no regex names whose
    /// captures would matter): routing then skips reading and lowercasing the Host header.
    let onlyServer: ServerRuntime?
    /// Some server here checks client certificates with OCSP or fetches staples: only then does a finished
    /// handshake look for the server it ended with (ClientTLS.swift).
    let afterHandshake: Bool

    init(exact: [[UInt8]: ServerRuntime], leadingWildcards: [([UInt8], ServerRuntime)],
         trailingWildcards: [([UInt8], ServerRuntime)], regexes: [(Regex, ServerRuntime)], defaultServer: ServerRuntime,
         regexNamed: [[(group: Int, slot: Int)]] = []) {
        self.exact = ByteKeyMap(exact)
        self.regexNamed = regexNamed
        self.leadingWildcards = leadingWildcards.sorted { $0.0.count > $1.0.count }.map { (suffix: $0.0, server: $0.1) }
        self.trailingWildcards = trailingWildcards.sorted { $0.0.count > $1.0.count }.map { (prefix: $0.0, server: $0.1) }
        self.regexes = regexes.map { (regex: $0.0, server: $0.1) }
        self.defaultServer = defaultServer
        let unnamed = regexes.isEmpty && exact.values.allSatisfy { $0 === defaultServer }
            && leadingWildcards.allSatisfy { $0.1 === defaultServer } && trailingWildcards.allSatisfy { $0.1 === defaultServer }
        onlyServer = unnamed ? defaultServer : nil
        let all = [defaultServer] + Array(exact.values) + leadingWildcards.map(\.1) + trailingWildcards.map(\.1)
            + regexes.map(\.1)
        afterHandshake = all.contains { $0.clientOCSP != nil || $0.stapling != nil }
    }
}

/// A `server {}` block.
final class ServerRuntime: @unchecked Sendable {
    let name: [UInt8]            // the first server_name, for $server_name
    let locations: LocationTree
    let fallback: LocationRuntime  // serves a request no location matches (nginx: 404 from the server level)
    /// The server level's rewrite script, run once before the location search (nginx's server rewrite phase).
    let script: [RewriteOp]
    /// `location @name`: reached only by error_page, try_files and other internal redirects, never by a URI.
    let named: [[UInt8]: LocationRuntime]
    /// `merge_slashes` of this server.
    let mergeSlashes: Bool
    /// The server's TLS context (its certificates), chosen by SNI or as its address's default.
    let tls: TLSContext?
    let rejectHandshake: Bool
    /// ssl_verify_client: checked before each request (495, 496).
    let verifyClient: TLSContext.VerifyClient
    /// ssl_certificate with variables: what each handshake on `tls` loads (DynamicCertificates.swift).
    let dynamicCertificates: DynamicCertificates?
    /// ssl_ocsp: the check of client certificates after each handshake on `tls` (nil: none).
    let clientOCSP: ClientOCSPRuntime?
    /// ssl_stapling with responders: where `tls`'s staples are fetched (nil: none, or a file's).
    let stapling: StaplingRuntime?
    init(name: [UInt8], locations: LocationTree, fallback: LocationRuntime, script: [RewriteOp] = [],
         named: [[UInt8]: LocationRuntime] = [:], mergeSlashes: Bool = true,
         tls: TLSContext? = nil, rejectHandshake: Bool = false, verifyClient: TLSContext.VerifyClient = .off,
         dynamicCertificates: DynamicCertificates? = nil, clientOCSP: ClientOCSPRuntime? = nil,
         stapling: StaplingRuntime? = nil) {
        self.name = name; self.locations = locations; self.fallback = fallback; self.script = script
        self.named = named; self.mergeSlashes = mergeSlashes
        self.tls = tls; self.rejectHandshake = rejectHandshake; self.verifyClient = verifyClient
        self.dynamicCertificates = dynamicCertificates
        self.clientOCSP = clientOCSP; self.stapling = stapling
    }
}

/// The locations of one level: exact matches, prefixes (longest first), regexes (in order of appearance).
final class LocationTree: @unchecked Sendable {
    let exact: ByteKeyMap<LocationRuntime>
    let prefixes: [LocationRuntime]   // sorted by prefix length, longest first
    let regexes: [LocationRuntime]    // in configuration order
    /// URIs that get nginx's auto redirect: a proxied location `/a/` answers `/a` with a 301 to `/a/`.
    let autoRedirects: Set<[UInt8]>
    init(exact: [[UInt8]: LocationRuntime], prefixes: [LocationRuntime], regexes: [LocationRuntime]) {
        self.exact = ByteKeyMap(exact)
        self.prefixes = prefixes.sorted { $0.prefix.count > $1.prefix.count }
        self.regexes = regexes
        autoRedirects = Set((prefixes + exact.values).filter { $0.files.autoRedirect }.map { Array($0.prefix.dropLast()) })
    }
    static let empty = LocationTree(exact: [:], prefixes: [], regexes: [])
}

/// What a location does with a request once matched.
enum LocationAction {
    case proxy(ProxyRuntime)
    case files(StaticRuntime)
    case respond(status: Int, body: CompiledTemplate?)
    case stubStatus
    case upstreamStatus
    case metrics
    case jvmRouteStatus(upstream: Int)
    /// `api [write=on]`: the runtime API for upstream servers (APIHandler.swift).
    case api(write: Bool)
    /// `empty_gif` (EmptyGIF.swift).
    case emptyGIF
    /// `flv` (FLVFiles.swift): the location's files, with `start=`.
    case flv(StaticRuntime)
    /// `dashboard [api=URI]`: the live page over the API, built at load (DashboardPage.swift).
    case dashboard(DashboardPage)
}

enum RewriteFlag { case none, last, breakHere, redirect, permanent }

struct HeaderAddition {
    let name: [UInt8]
    let value: CompiledTemplate
    let always: Bool
}

/// A `location` after merging: every setting it serves with.
final class LocationRuntime: @unchecked Sendable {
    enum Match { case exact, prefix, prefixNoRegex, regex(Regex) }
    let match: Match
    let prefix: [UInt8]          // the exact/prefix text; empty for regex locations
    let displayName: String      // for logs and errors
    let children: LocationTree
    let action: LocationAction?
    /// `rewrite`, `set`, `return`, `break` and `if`, in order (RewriteScript runs it).
    let script: [RewriteOp]
    /// The variable slots a regex location's named groups fill.
    let namedCaptures: [(group: Int, slot: Int)]
    let addHeaders: [HeaderAddition]
    let errorPages: [Int: ErrorPageTarget]
    let accessLogs: [AccessLogSink]
    let clientMaxBodySize: Int64
    let clientBodyBufferSize: Int
    let clientBodyTemp: BodyTempPath
    let clientBodyTimeoutMillis: Int
    let sendTimeoutMillis: Int
    let keepaliveTimeoutMillis: Int
    let keepaliveRequests: Int
    let defaultType: [UInt8]
    /// `charset` and `charset_types` (ResponseCharset.swift); nil with `charset off`.
    let charset: ResponseCharset?
    let mimeTypes: MimeTable
    let gzip: GzipRuntime?
    let expires: ExpiresRuntime?
    /// limit_rate, keepalive_disable, chunked_transfer_encoding, add_trailer (ClientShaping.swift).
    let shaping: ClientShaping
    /// `limit_rate` is set, `keepalive_disable` names safari: read on every request, so kept as plain fields.
    let limitsRate: Bool
    let sniffsSafari: Bool
    /// allow/deny and realip (ClientIdentity.swift); nil when the location has neither. Set once by
    /// RuntimeBuilder before the runtime is published.
    var identity: ClientIdentityRuntime? = nil
    /// limit_req and limit_conn (LimitsRuntime.swift); nil when the location has neither. Set like `identity`.
    var limits: LimitsRuntime? = nil
    /// `limit_except`: another method is checked by its block's access settings instead of `identity`.
    var limitExcept: LimitExceptRuntime? = nil
    /// lingering_close, lingering_time, lingering_timeout. Set like `identity`.
    var lingering = Lingering.standard
    /// reset_timedout_connection: a connection closed on a client timeout or by `return 444` is reset
    /// (ClientConnection.closeAbruptly). Set like `identity`.
    var resetsTimedOut = false
    /// `server_tokens` (on, or `build`): the version in `Server` and in error pages. Set like `identity`.
    var serverTokens = true
    /// `uninitialized_variable_warn` (on by default). Set like `identity`.
    var warnsUninitialized = true
    /// `ssi on` and its settings (SSIRuntime.swift); nil when SSI is off. Set like `identity`.
    var ssi: SSIRuntime? = nil
    /// Whether any content filter (BodyFilters.swift: `ssi`, `subFilter`, `addition`) is on here, resolved at load: the one
    /// test a response pays without them.
    var filtersBody = false
    /// `sub_filter` lines and settings (SubFilterRuntime.swift); nil when the location has none. Set like `identity`.
    var subFilter: SubFilterRuntime? = nil
    /// `add_before_body` / `add_after_body` (AdditionRuntime.swift); nil when neither is set. Set like `identity`.
    var addition: AdditionRuntime? = nil
    /// `subrequest_output_buffer_size`: the most of this location's answer to a subrequest kept in memory (an SSI
    /// `include … set=`). Set like `identity`.
    var subrequestOutputBufferSize = 4096
    /// `mirror` URIs and `mirror_request_body` (MirrorPhase.swift); nil when the location mirrors nothing. Set
    /// like `identity`.
    var mirror: MirrorRuntime? = nil
    /// `log_subrequest on`: a mirror's subrequest answered here is logged too. Set like `identity`.
    var logSubrequest = false
    /// `post_action` (PostAction.swift): the URI or `@name` asked once a main request's response is finished;
    /// nil without one. Set like `identity`.
    var postAction: [UInt8]? = nil { didSet { hasPostAction = postAction != nil } }
    private(set) var hasPostAction = false
    /// `slice`: a main request proxied here is fetched in ranges of this size (SliceDriver.swift); 0: off. Set like
    /// `identity`.
    var sliceSize: Int64 = 0
    /// `gzip_static on|always` (GzipStaticFiles.swift); nil when off. Set like `identity`.
    var gzipStatic: GzipStaticRuntime? = nil
    /// `gunzip on` (GunzipRuntime.swift); it makes `filtersBody` true.
    var gunzip: GunzipRuntime? = nil
    /// `dav_methods` and its settings (DAVRuntime.swift); nil when no method is named. Set like `identity`.
    var dav: DAVRuntime? = nil
    /// `valid_referers` for `$invalid_referer`; nil without one. Set like `identity`.
    var referers: RefererCheck? = nil
    /// `modern_browser`, `ancient_browser` and their values, for `$modern_browser` and `$ancient_browser`. Set like
    /// `identity` where a level has any of them.
    var browsers = BrowserCheck.standard
    /// `secure_link` and `secure_link_md5`, or `secure_link_secret`, for `$secure_link`; nil without. Set like
    /// `identity`.
    var secureLink: SecureLink? = nil
    /// The `error_log` files of this level (nginx's clcf->error_log); empty: the main error log.
    var errorLogs: [ErrorLogFile] = []
    var userid: UserIDRuntime? = nil
    /// root/alias, index, try_files, `internal`, redirect style, error page rules (LocationFiles.swift).
    let files: LocationFiles
    /// `keepalive_timeout`'s second argument as the whole `Keep-Alive: timeout=N\r\n` line; nil without one.
    let keepaliveHeader: [UInt8]?
    /// `keepalive_time`: no request is kept alive on a connection older than this.
    let keepaliveTimeNanos: UInt64
    /// if_modified_since, etag, max_ranges (ResponseFilters.swift).
    let filters: ResponseFilters

    init(match: Match, prefix: [UInt8], displayName: String, children: LocationTree, action: LocationAction?,
         script: [RewriteOp], namedCaptures: [(group: Int, slot: Int)], addHeaders: [HeaderAddition],
         errorPages: [Int: ErrorPageTarget], accessLogs: [AccessLogSink], clientMaxBodySize: Int64,
         clientBodyBufferSize: Int, clientBodyTemp: BodyTempPath, clientBodyTimeoutMillis: Int, sendTimeoutMillis: Int,
         keepaliveTimeoutMillis: Int, keepaliveRequests: Int, defaultType: [UInt8], charset: ResponseCharset?,
         mimeTypes: MimeTable, gzip: GzipRuntime?, expires: ExpiresRuntime?, shaping: ClientShaping = ClientShaping(),
         files: LocationFiles = LocationFiles(),
         keepaliveHeaderSeconds: Int64? = nil, keepaliveTimeMillis: Int = 3_600_000,
         filters: ResponseFilters = ResponseFilters()) {
        self.match = match; self.prefix = prefix; self.displayName = displayName; self.children = children
        self.action = action; self.script = script; self.namedCaptures = namedCaptures
        self.addHeaders = addHeaders
        self.errorPages = errorPages; self.accessLogs = accessLogs; self.clientMaxBodySize = clientMaxBodySize
        self.clientBodyBufferSize = clientBodyBufferSize; self.clientBodyTemp = clientBodyTemp
        self.clientBodyTimeoutMillis = clientBodyTimeoutMillis
        self.sendTimeoutMillis = sendTimeoutMillis; self.keepaliveTimeoutMillis = keepaliveTimeoutMillis
        self.keepaliveRequests = keepaliveRequests; self.defaultType = defaultType; self.charset = charset
        self.mimeTypes = mimeTypes; self.gzip = gzip; self.expires = expires; self.shaping = shaping
        limitsRate = shaping.limitRate != nil; sniffsSafari = shaping.keepaliveDisableSafari
        self.files = files
        keepaliveHeader = keepaliveHeaderSeconds.map { Array("Keep-Alive: timeout=\($0)\r\n".utf8) }
        keepaliveTimeNanos = UInt64(max(0, keepaliveTimeMillis)) &* 1_000_000
        var f = filters
        f.adopt(addHeaders)
        self.filters = f
    }
}

/// `error_page`'s target and the status the answer goes out with (nginx's err_status: the error's own code
/// without `=`, the target's with `=` alone (0), else the given code).
enum ErrorPageTarget {
    case uri([UInt8], args: [UInt8]?, status: ErrorPageStatus)   // internal redirect to a URI
    case named([UInt8], status: ErrorPageStatus)                 // `@name`
    case dynamic(CompiledTemplate, status: ErrorPageStatus)      // with variables: decided per request
    case redirect(CompiledTemplate, status: Int)
}

enum ErrorPageStatus: Equatable {
    case keep, fromTarget, code(Int)
}

/// `types {}`: extension (lowercased) → content type.
final class MimeTable: @unchecked Sendable {
    let byExtension: [[UInt8]: [UInt8]]
    init(_ byExtension: [[UInt8]: [UInt8]]) { self.byExtension = byExtension }
}

/// `root` / `alias` / `index` for static files.
struct StaticRuntime {
    /// The root or alias path when it has no variables.
    let root: [UInt8]
    /// A root or alias with variables (a regex location's captures), evaluated per request.
    var rootTemplate: CompiledTemplate? = nil
    let isAlias: Bool
    /// An alias's location name, the URI prefix it replaces; nil: a regex location's alias, the whole path.
    var aliasPrefix: [UInt8]? = nil
    let index: [CompiledTemplate]
}

/// `proxy_pass` and everything that shapes the request upstream and the response back.
final class ProxyRuntime: @unchecked Sendable {
    enum Target {
        case upstream(Int)                 // index into Runtime.upstreams
        case address(SocketAddress, label: [UInt8])   // proxy_pass http://127.0.0.1:8081; label for $upstream_addr
        /// `proxy_pass http://$backend`: the URL evaluated per request, then looked up in the groups; other
        /// names are asked of the location's `resolver`, if it has one.
        case variable(CompiledTemplate, ProxyGroups, ResolverRuntime?)
    }
    let target: Target
    let proxyHost: [UInt8]                 // $proxy_host: "tomcat-lb", "127.0.0.1:8081" (per request with variables)
    let proxyPort: [UInt8]
    let uriReplacement: [UInt8]?           // the URI part of proxy_pass, nil when absent
    let setHeaders: [(name: [UInt8], lowercased: [UInt8], value: CompiledTemplate)]
    /// The names `setHeaders` sets: a client field by one of them is not passed (tested by range, no copy).
    let setHeaderNames: NameSet
    let hiddenHeaders: NameSet             // response header names not passed to the client
    let passServer: Bool                   // the upstream's Server / Date reach the client (proxy_pass_header)
    let passDate: Bool
    let httpVersion11: Bool
    let keepaliveUpstream: Bool            // Connection header cleared + upstream keepalive configured
    let redirect: RedirectRule
    let nextUpstream: NextUpstreamPolicy
    let connectTimeoutMillis: Int
    let sendTimeoutMillis: Int
    let readTimeoutMillis: Int
    let bufferSize: Int
    let requestBuffering: Bool
    /// `proxy_cache` and friends (CacheLocation.swift); nil when the location does not cache.
    let cache: CacheLocation?
    /// proxy_method, proxy_set_body, proxy_cookie_* (ProxyRewrites.swift).
    let rewrites: ProxyRewrites
    /// Neither proxy_method, proxy_set_body nor proxy_pass_request_* off: the request goes up as the client sent it.
    let plainRequest: Bool
    /// `proxy_pass https://…`: TLS toward the upstream (UpstreamTLS.swift).
    let tls: UpstreamTLS?
    /// An upstream's `X-Accel-Redirect` is followed (unless `proxy_ignore_headers X-Accel-Redirect`).
    let followsAccelRedirect: Bool
    /// An upstream's `X-Accel-Limit-Rate` sets the response's rate (unless ignored the same way).
    let honoursAccelLimitRate: Bool
    /// `proxy_bind`, `proxy_socket_keepalive` (UpstreamSocketSetup.swift).
    let socketSetup: UpstreamSocketSetup
    /// The location's `charset` and `charset_types`, for the upstream's Content-Type; nil with `charset off`.
    let charset: ResponseCharset?
    /// `proxy_force_ranges`: ranges are served from a 200 whether or not it said Accept-Ranges, stored or not.
    let forceRanges: Bool
    /// `proxy_limit_rate`: bytes a second the body is read from the upstream; 0 is no limit.
    let limitRate: Int
    /// `fastcgi_pass`, `uwsgi_pass`, `scgi_pass`: the protocol, the parameters and the rest of the module's
    /// settings (CGIRuntime.swift); nil for proxy_pass. It decides the protocol spoken upstream: FastCGIRequest,
    /// UWSGIRequest, SCGIRequest or UpstreamRequest encodes the request, and the transaction speaks FastCGI
    /// records, a CGI stream (`UpstreamTransaction.speakCGI`) or HTTP/1.x.
    let cgi: CGIRuntime?
    /// `proxy_store` (ProxyStore.swift); nil when the location does not store.
    let store: StoreRuntime?
    /// A client that closes its side while the request is under way does not end it (nginx's upstream stops
    /// watching the client): `proxy_ignore_client_abort on` (the CGI family's too), or `proxy_store`.
    let survivesClientClose: Bool

    init(target: Target, proxyHost: [UInt8], proxyPort: [UInt8], uriReplacement: [UInt8]?,
         setHeaders: [(name: [UInt8], lowercased: [UInt8], value: CompiledTemplate)], hiddenHeaders: NameSet,
         httpVersion11: Bool, keepaliveUpstream: Bool, redirect: RedirectRule, nextUpstream: NextUpstreamPolicy,
         connectTimeoutMillis: Int, sendTimeoutMillis: Int, readTimeoutMillis: Int, bufferSize: Int,
         requestBuffering: Bool, cache: CacheLocation? = nil, rewrites: ProxyRewrites = ProxyRewrites(),
         tls: UpstreamTLS? = nil, followsAccelRedirect: Bool = true, honoursAccelLimitRate: Bool = true,
         setHeaderNames: NameSet? = nil, socketSetup: UpstreamSocketSetup = UpstreamSocketSetup(),
         charset: ResponseCharset? = nil, forceRanges: Bool = false, limitRate: Int = 0,
         cgi: CGIRuntime? = nil, store: StoreRuntime? = nil, ignoresClientAbort: Bool = false) {
        self.tls = tls
        survivesClientClose = ignoresClientAbort || store != nil
        self.cgi = cgi
        self.store = store
        self.limitRate = limitRate
        self.forceRanges = forceRanges
        self.socketSetup = socketSetup
        self.charset = charset
        self.followsAccelRedirect = followsAccelRedirect
        self.honoursAccelLimitRate = honoursAccelLimitRate
        self.target = target; self.proxyHost = proxyHost; self.proxyPort = proxyPort
        self.uriReplacement = uriReplacement; self.setHeaders = setHeaders; self.hiddenHeaders = hiddenHeaders
        self.setHeaderNames = setHeaderNames ?? NameSet(bytes: setHeaders.map { $0.lowercased })
        passServer = !hiddenHeaders.contains("server".utf8); passDate = !hiddenHeaders.contains("date".utf8)
        self.httpVersion11 = httpVersion11; self.keepaliveUpstream = keepaliveUpstream; self.redirect = redirect
        self.nextUpstream = nextUpstream; self.connectTimeoutMillis = connectTimeoutMillis
        self.sendTimeoutMillis = sendTimeoutMillis; self.readTimeoutMillis = readTimeoutMillis
        self.bufferSize = bufferSize; self.requestBuffering = requestBuffering; self.cache = cache
        self.rewrites = rewrites
        plainRequest = rewrites.method == nil && rewrites.body == nil && rewrites.passRequestHeaders
            && rewrites.passRequestBody && !rewrites.setsContentLength
    }
}

/// `proxy_redirect`: `default` rewrites `http://upstream-host/uri-part` in Location/Refresh to the location's
/// prefix; `off` leaves them; pairs are literal from → to replacements.
enum RedirectRule {
    case off
    case replace([RedirectReplacement])
}

/// One `proxy_redirect from to`: `from` is a text (prefix compare, may hold variables) or a regex.
struct RedirectReplacement {
    let from: CompiledTemplate
    let regex: Regex?
    let to: CompiledTemplate
}

/// One `upstream {}` block: its servers (a published `ServerSet` the runtime API may replace) and settings.
final class UpstreamRuntime: @unchecked Sendable {
    let name: String
    /// The servers, their health and the balancer policy, as the current version has them. Per-request code
    /// reads them from its `UpstreamPeers` (the version its balancer was made from), never from here.
    let servers: UpstreamServers
    /// The configuration's policy: its session tables, counters and memcached link are every version's.
    let policy: BalancerPolicy
    /// `zone`: servers may be added and deleted through the API (nginx Plus's rule).
    let zone: Bool
    let keepalive: Int                    // idle connections kept per worker (0 = none)
    let keepaliveRequests: Int
    let keepaliveTimeoutMillis: Int
    /// `keepalive_time`: a connection older than this is closed after its current request.
    let keepaliveTimeNanos: UInt64
    /// The name as `$upstream_addr` prints it when no server is live.
    let nameBytes: [UInt8]
    init(name: String, servers: ServerSet, zone: Bool = false, stateFile: String? = nil,
         mergedFrom: (old: UpstreamServers, basis: ServerList)? = nil,
         keepalive: Int, keepaliveRequests: Int, keepaliveTimeoutMillis: Int, keepaliveTimeNanos: UInt64 = 3_600_000_000_000) {
        self.name = name
        self.servers = UpstreamServers(servers, stateFile: stateFile, mergedFrom: mergedFrom)
        self.policy = servers.policy
        self.zone = zone
        self.keepalive = keepalive; self.keepaliveRequests = keepaliveRequests
        self.keepaliveTimeoutMillis = keepaliveTimeoutMillis
        self.keepaliveTimeNanos = keepaliveTimeNanos
        nameBytes = Array(name.utf8)
    }

    /// The current version (takes the set's lock: status pages and the API, not the request path).
    var current: ServerSet { servers.current }
    /// The current version's servers (reload summaries).
    var peers: [PeerConfig] { current.peers }
    /// The current version's health (tests and pages that read one figure).
    var health: PeerHealth { current.health }
}
