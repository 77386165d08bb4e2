/// ngx_http_limit_req_module and ngx_http_limit_conn_module settings of one level: which zones limit the
/// requests here, and how a refusal is answered and logged.
public struct LimitSettings: Sendable {
    /// `limit_req` lines, in file order; a level that has any does not inherit its parent's (nginx's array rule).
    @Setting public var requests: [RequestLimit] = []
    /// `limit_req_log_level`: refusals are logged at this level, delays one level lower (`info` stays `info`).
    @Setting public var requestLogLevel: LogLevel = .error
    /// `limit_req_status`: 400 to 599.
    @Setting public var requestStatus: Int = 503
    /// `limit_req_dry_run`: account and log, but neither delay nor refuse.
    @Setting public var requestDryRun: Bool = false
    /// `limit_conn` lines, in file order, with the same array rule.
    @Setting public var connections: [ConnectionLimit] = []
    @Setting public var connectionLogLevel: LogLevel = .error
    @Setting public var connectionStatus: Int = 503
    @Setting public var connectionDryRun: Bool = false

    public init() {}
}

/// One `limit_req zone=name [burst=N] [nodelay | delay=N]`.
public struct RequestLimit: Sendable, Equatable {
    public let zone: String
    /// Requests over the rate that may wait (0: none).
    public let burst: Int
    /// Requests over the rate served at once before the rest wait; `nodelay` is `Int.max`: none waits.
    public let delay: Int
    public let location: SourceLocation

    public init(zone: String, burst: Int, delay: Int, location: SourceLocation) {
        self.zone = zone; self.burst = burst; self.delay = delay; self.location = location
    }
}

/// One `limit_conn zone number`.
public struct ConnectionLimit: Sendable, Equatable {
    public let zone: String
    /// Requests of one key in progress at once, 1 to 65535.
    public let count: Int
    public let location: SourceLocation

    public init(zone: String, count: Int, location: SourceLocation) {
        self.zone = zone; self.count = count; self.location = location
    }
}

/// A `limit_req_zone` or `limit_conn_zone`: a table shared by every worker, found again by name on reload.
public struct LimitZoneConfig: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `rate=`, in nginx's unit: 1000 is one request a second (`30r/m` is 500).
        case requests(rate: Int)
        case connections
    }

    public let name: String
    /// Bytes of nginx's shared memory zone; the table holds as many keys as nginx's would.
    public let size: Int
    public let key: Template
    /// The key as written (`$binary_remote_addr`): a reload must keep it for the zone to keep its state.
    public let keyText: String
    public let kind: Kind
    public let location: SourceLocation

    public init(name: String, size: Int, key: Template, keyText: String, kind: Kind, location: SourceLocation) {
        self.name = name; self.size = size; self.key = key; self.keyText = keyText; self.kind = kind
        self.location = location
    }

    /// The directive that declares such a zone, for messages.
    public var directiveName: String {
        if case .requests = kind { return "limit_req_zone" }
        return "limit_conn_zone"
    }
}
