/// An `upstream name {}` block.
public struct UpstreamConfig: Sendable {
    public var name: String
    public var servers: [UpstreamServer]
    public var balancing: Balancing
    /// `jvm_route $cookie_JSESSIONID[|session_url] [reverse]` (nginx-upstream-jvm-route).
    public var jvmRoute: JVMRoute?
    public var sticky: Sticky?
    /// `keepalive N`: idle connections cached per worker; nil disables the cache.
    public var keepalive: Int?
    public var keepaliveRequests: Int
    public var keepaliveTimeout: Duration
    public var keepaliveTime: Duration
    /// `zone name [size]`: peer state shared by all workers.
    public var zone: (name: String, size: Int?)?
    public var location: SourceLocation
    /// `state FILE` (nginx Plus): the absolute path the runtime API writes the servers to.
    public var stateFile: String? = nil
    /// `drain_idle TIME`: how long a session counts as bound to its server (the API's `sessions`, `drained`).
    public var drainIdle: Duration? = nil
}

/// The balancing method of an upstream.
public enum Balancing: Sendable, Equatable {
    case roundRobin
    case ipHash
    /// `hash key [consistent]`.
    case hash(Template, consistent: Bool)
    case leastConn
    case random(twoLeastConn: Bool)
}

/// One `server` line in an upstream.
public struct UpstreamServer: Sendable, Equatable {
    public var address: UpstreamAddress
    /// The address as the `server` line wrote it (`app1:8080`, `10.0.0.1` without its port, `LOCALHOST:80`):
    /// what nginx's `hash … consistent` places the server's points by, whatever it resolves to.
    public var written: String? = nil
    public var weight: Int = 1
    public var maxFails: Int = 1
    public var failTimeout: Duration = .seconds(10)
    public var backup: Bool = false
    public var down: Bool = false
    /// 0: no limit.
    public var maxConns: Int = 0
    public var slowStart: Duration = .zero
    /// `srun_id=` (jvm_route): the route suffix this server owns; defaults to nil.
    public var srunID: String? = nil
    /// `route=` (sticky): the route this server owns.
    public var route: String? = nil
    /// `drain`: only sticky requests bound to it are sent.
    public var drain: Bool = false
    /// `max_busy=` (jvm_route): active requests above which the server counts as busy; 0: no limit.
    public var maxBusy: Int = 0
    public var location: SourceLocation

    public init(address: UpstreamAddress, location: SourceLocation) {
        self.address = address
        self.location = location
    }
}

/// `host:port` (port 80 when omitted) or `unix:/path`.
public enum UpstreamAddress: Sendable, Hashable, CustomStringConvertible {
    case inet(host: String, port: Int)
    case unix(path: String)

    public var description: String {
        switch self {
        case .inet(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): return "unix:\(path)"
        }
    }
}

/// `jvm_route $cookie_JSESSIONID|jsessionid reverse [failback=stay|return] [failback_timeout=time] [failback_zone=size];`
public struct JVMRoute: Sendable, Equatable {
    /// The session source, usually `$cookie_JSESSIONID`.
    public let source: Template
    /// The cookie name when the source is `$cookie_NAME` (as written).
    public let cookieName: String?
    /// The name of the session id in the URL (`;jsessionid=`), case-insensitive; defaults to the cookie name.
    public let sessionURLName: String?
    /// `reverse`: the route is after the last `.` (Tomcat); otherwise before the first (Resin).
    public let reverse: Bool
    public let location: SourceLocation
    /// `failback=return`: a recovered owner takes its sessions back at once (the module's behaviour). The default,
    /// `stay`, keeps a session a stand-in served on that stand-in until it is idle.
    public var failbackReturn: Bool = false
    /// `failback_timeout=`: how long a moved session may be idle before it goes back to its owner (nil: default).
    public var failbackTimeout: Duration? = nil
    /// `failback_zone=`: the moved-session table's size in bytes (nil: default).
    public var failbackZoneSize: Int? = nil
    /// `share=memcached://…`: the moved-session table is shared with every switchyard listing the same nodes.
    public var share: RouteShareConfig? = nil
}

/// `sticky cookie|route|learn …` (nginx's commercial syntax).
public enum Sticky: Sendable, Equatable {
    case cookie(StickyCookie)
    /// `sticky route $a $b …`: the first non-empty value names the server's `route=`.
    case route([Template])
    case learn(StickyLearn)
}

/// `sticky cookie name [expires=time|max] [domain=] [path=] [httponly] [secure] [samesite=] [partitioned]
/// [sign=file] [sign_timeout=time]`.
public struct StickyCookie: Sendable, Equatable {
    public var name: String
    public var expires: Duration? = nil
    /// `expires=max`.
    public var expiresMax: Bool = false
    /// `domain=`, `path=`, `samesite=` as written (they may hold variables).
    public var domain: String? = nil
    public var path: String? = nil
    public var httpOnly: Bool = false
    public var secure: Bool = false
    public var sameSite: String? = nil
    public var partitioned: Bool = false
    /// `sign=`: the key file (read when the configuration is applied, so again at each reload).
    public var signKeyFile: String? = nil
    /// `sign_timeout=`: how long a signed value verifies (nil: `expires=`'s time, else one hour).
    public var signTimeout: Duration? = nil
}

/// `sticky learn create=$v lookup=$v zone=name:size [timeout=time] [header] [sync]`.
public struct StickyLearn: Sendable, Equatable {
    public var create: [Template] = []
    public var lookup: [Template] = []
    public var zoneName: String = ""
    public var zoneSize: Int = 0
    public var timeout: Duration = .seconds(600)
    public var header: Bool = false
    public var sync: Bool = false
    /// `share=memcached://…`: the table is shared with every switchyard listing the same nodes.
    public var share: RouteShareConfig? = nil
}

/// `share=memcached://HOST:PORT[,HOST:PORT…] [share_timeout=time] [share_recheck=time]` on `sticky learn` and
/// `jvm_route`.
public struct RouteShareConfig: Sendable, Equatable {
    /// `host:port` as written, in order (every instance must list them alike).
    public var nodes: [String]
    /// `share_timeout=`: how long a pick waits for a lookup (nil: the default).
    public var timeout: Duration? = nil
    /// `share_recheck=`: how long a session memcached did not know is not asked about again (nil: the default).
    public var recheck: Duration? = nil

    public init(nodes: [String], timeout: Duration? = nil, recheck: Duration? = nil) {
        self.nodes = nodes
        self.timeout = timeout
        self.recheck = recheck
    }
}
