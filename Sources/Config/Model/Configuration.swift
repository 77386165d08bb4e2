/// The whole loaded configuration: immutable, merged, validated. Built by `ConfigLoader`.
///
///     let config = try ConfigLoader(options: options).load(file: "/srv/conf/nginx.conf")
///     for server in config.http?.servers ?? [] { print(server.listens) }
public struct Configuration: Sendable {
    public var main: MainConfig
    public var events: EventsConfig
    public var http: HTTPConfig?
    /// Every file read, in reading order (`-T` prints them).
    public var files: [ConfigFile]
    /// `[warn]` and `[notice]` lines produced while loading, in order.
    public var diagnostics: [ConfigDiagnostic]
}

/// Main-context settings.
public struct MainConfig: Sendable {
    public var workerProcesses: WorkerProcesses = .count(1)
    public var workerRlimitNofile: Int? = nil
    /// `worker_rlimit_core`: RLIMIT_CORE in bytes.
    public var workerRlimitCore: Int? = nil
    /// `working_directory`: absolute; the process changes to it once it runs as `user`.
    public var workingDirectory: String? = nil
    /// `env NAME=VALUE`: set in the process's environment when it starts (`env NAME` keeps NAME, as every
    /// inherited variable is kept).
    public var environment: [(name: String, value: String)] = []
    /// Absolute path of the pid file (default `logs/switchyard.pid` under the prefix).
    public var pidPath: String
    /// `error_log` lines of the main context; empty means `defaultErrorLogPath` at `error`.
    public var errorLogs: [ErrorLog] = []
    /// Absolute path of the error log when no `error_log` is given (default `logs/error.log` under the prefix).
    public var defaultErrorLogPath: String = ""

    public var daemon: Bool = true
    public var masterProcess: Bool = true
    /// `user name [group]`: only meaningful when started as root.
    public var user: (name: String, group: String?)? = nil
    public var workerShutdownTimeout: Duration? = nil
    public var location: SourceLocation? = nil

    public init(pidPath: String) { self.pidPath = pidPath }
}

/// `worker_processes N | auto`.
public enum WorkerProcesses: Sendable, Equatable {
    case auto
    case count(Int)
}

/// The `events {}` block.
public struct EventsConfig: Sendable {
    public var workerConnections: Int = 512
    /// `use epoll|poll|select|kqueue|…`: the libevent backend to prefer; nil lets libevent choose.
    public var method: String? = nil
    public var multiAccept: Bool = false
    public var acceptMutex: Bool = false

    public init() {}
}

/// The `http {}` block.
public struct HTTPConfig: Sendable {
    /// The http-level settings (defaults applied); servers and locations hold their own merged copies.
    public var settings: HTTPSettings
    public var servers: [ServerConfig]
    /// In configuration order; names are unique.
    public var upstreams: [UpstreamConfig]
    /// Includes nginx's predefined `combined`.
    public var logFormats: [LogFormat]
    public var maps: [MapConfig]
    public var splitClients: [SplitClientsConfig]
    public var geos: [GeoConfig]
    /// Every module's `*_cache_path`; zone names are unique across them.
    public var cachePaths: [CachePath]
    /// `limit_req_zone` and `limit_conn_zone`: tables shared by every worker.
    public var limitZones: [LimitZoneConfig]
    /// `match` blocks for `health_check`.
    public var matches: [MatchConfig] = []
    /// `charset_map` blocks, in file order; no two between the same charsets.
    public var charsetMaps: [CharsetMapConfig] = []

    public func upstream(named name: String) -> UpstreamConfig? { upstreams.first { $0.name == name } }

    /// Variables the configuration itself defines (`map` targets, `set` and `auth_request_set` names), for
    /// checking that every `$name` a template reads exists.
    public var definedVariables: Set<String> {
        var names = Set(maps.map(\.variable) + splitClients.map(\.variable) + geos.map(\.variable))
        func collect(_ steps: [RewriteStep], _ settings: HTTPSettings) {
            names.formUnion(steps.setNames)
            names.formUnion(settings.access.authRequestSets.map(\.name))
        }
        func walk(_ locations: [LocationConfig]) {
            for location in locations {
                collect(location.rewrites, location.settings)
                walk(location.nested)
            }
        }
        for server in servers {
            collect(server.rewrites, server.settings)
            walk(server.locations)
        }
        return names
    }
    /// `access_log`'s format, found as nginx finds it: the first one whose name matches in any case.
    public func logFormat(named name: String) -> LogFormat? {
        let key = name.lowercased()
        return logFormats.first { $0.name.lowercased() == key }
    }
}

/// `log_format name [escape=default|json|none] string ...`: the strings joined into one template.
public struct LogFormat: Sendable, Equatable {
    public enum Escape: String, Sendable {
        case `default`, json, none
    }

    public let name: String
    public let escape: Escape
    public let template: Template
    public let location: SourceLocation?

    /// nginx's built-in format.
    public static let combined = LogFormat(
        name: "combined", escape: .default,
        template: try! Template(
            "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" \"$http_user_agent\""),
        location: nil)
}

/// `proxy_cache_path path [levels=1:2] keys_zone=name:size [inactive=time] [max_size=size] …`, and its
/// `fastcgi_`, `uwsgi_`, `scgi_` twins: the zone belongs to the module that declared it.
public struct CachePath: Sendable, Equatable {
    public let module: CacheModule
    /// Absolute after load.
    public let path: String
    /// Directory levels, each 1 or 2 hex characters (`levels=1:2` is `[1, 2]`).
    public let levels: [Int]
    public let zoneName: String
    public let zoneSize: Int
    public let inactive: Duration
    /// nil: no limit.
    public let maxSize: Int?
    public let minFree: Int?
    public let useTempPath: Bool
    /// `loader_*=` and `manager_*=`: how the background threads pace their passes.
    public let pacing: CachePacing
    public let location: SourceLocation
}

/// A cache path's `loader_files`, `loader_sleep`, `loader_threshold`, `manager_files`, `manager_sleep` and
/// `manager_threshold`: files per pass, the pause between passes, and a pass's time limit (milliseconds). nil: not
/// given, switchyard's own pace (the loader walks without pausing, the manager runs every 200 ms).
public struct CachePacing: Sendable, Equatable {
    public var loaderFiles: Int?
    public var loaderSleepMillis: Int?
    public var loaderThresholdMillis: Int?
    public var managerFiles: Int?
    public var managerSleepMillis: Int?
    public var managerThresholdMillis: Int?

    public init() {}
}

/// `map $source $variable { … }`.
public struct MapConfig: Sendable, Equatable {
    public let source: Template
    /// The defined variable's name, without `$`.
    public let variable: String
    /// The value when nothing matches (empty string when no `default`).
    public let defaultValue: Template
    public let entries: [MapEntry]
    /// `hostnames;`: keys may be wildcards like `*.example.com`.
    public let hostnames: Bool
    public let volatile: Bool
    public let location: SourceLocation
}

/// One `key value;` line of a map. Exact keys are tried first, then regexes in order (nginx's rule).
public struct MapEntry: Sendable, Equatable {
    public enum Key: Sendable, Equatable {
        /// Lower-cased: nginx matches exact keys case-insensitively.
        case exact(String)
        /// `~re` (case-sensitive) or `~*re`; named captures become variables usable in the value.
        case regex(String, caseInsensitive: Bool)
    }

    public let key: Key
    public let value: Template
    public let location: SourceLocation
}

extension HTTPConfig {
    /// Every level's settings, http's first, then each server's and its locations' (nested ones too) in
    /// configuration order, each settings box once: levels that set nothing share one box, and a walk of 20,000
    /// levels that copied each one stood out in a large configuration's load.
    public func forEachSettings(_ body: (borrowing HTTPSettings) throws -> Void) rethrows {
        var seen: Set<ObjectIdentifier> = []
        func walk(_ locations: [LocationConfig]) throws {
            for i in locations.indices {
                let box = locations[i].box
                if seen.insert(ObjectIdentifier(box)).inserted { try body(box.value) }
                try walk(locations[i].nested)
            }
        }
        try body(settings)
        for i in servers.indices {
            let box = servers[i].box
            if seen.insert(ObjectIdentifier(box)).inserted { try body(box.value) }
            try walk(servers[i].locations)
        }
    }

    /// Every `client_body_temp_path`, and the `proxy_temp_path` of caching and storing levels, each once (nginx's
    /// ngx_create_paths list, before the cache paths).
    public var tempPaths: [String] {
        var out: [String] = []
        forEachSettings { s in
            for p in [s.client.bodyTempPath] + (s.proxy.cache.zone != nil || s.proxy.store != .off ? [s.proxy.tempPath] : [])
            where !out.contains(p) {
                out.append(p)
            }
        }
        return out
    }
}
