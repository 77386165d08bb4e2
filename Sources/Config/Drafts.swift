/// A draft level that holds mergeable settings.
protocol SettingsOwner: AnyObject {
    var settings: HTTPSettings { get set }
    /// Whether a directive wrote to `settings` at this level. Untouched levels under one parent all merge to the
    /// same settings (not the parent's own: `internal` and the like are not inherited), so the servers of an
    /// http block that set none are merged once (ConfigBuilder+Finish.swift).
    var touched: Bool { get set }
}

/// What nginx compares between two buffered `access_log`s of one file.
struct LogBuffer: Equatable {
    let size: Int
    let flush: Duration?
    let gzipLevel: Int?
}

/// Mutable blocks while directives run; `ConfigBuilder.finish()` turns them into the public model.
final class HTTPDraft: SettingsOwner {
    var settings = HTTPSettings()
    var touched = false
    var servers: [ServerDraft] = []
    var upstreams: [UpstreamDraft] = []
    /// The upstreams' names, lowercased: nginx compares them in any case (a set, for configs with thousands).
    var upstreamNames: Set<String> = []
    var logFormats: [LogFormat] = [LogFormat.combined]
    var maps: [MapConfig] = []
    var splitClients: [SplitClientsConfig] = []
    var geos: [GeoConfig] = []
    var cachePaths: [CachePath] = []
    /// `limit_req_zone` and `limit_conn_zone`, in file order; names are unique.
    var limitZones: [LimitZoneConfig] = []
    /// `match` blocks (health checks), in file order; names are unique.
    var matches: [MatchConfig] = []
    /// `charset_map` blocks, in file order.
    var charsetMaps: [CharsetMapConfig] = []
    /// Addresses whose `listen` gave socket options (ListenParser's `setsSocketOptions`).
    var addressesWithOptions: Set<String> = []
    /// Upstreams' `zone` names in file order, with the size one of them gave (0: none yet).
    var upstreamZones: [(name: String, size: Int)] = []
    /// The buffer of each buffered access log file, by absolute path, as its first `access_log … buffer=` gave it.
    var logBuffers: [String: LogBuffer] = [:]
    let location: SourceLocation
    /// The block's closing `}`: nginx merges the levels after reading the block, and reports its merge checks there.
    let end: SourceLocation

    init(location: SourceLocation, end: SourceLocation, prefix: String, defaults: DefaultPaths) {
        self.location = location
        self.end = end
        // Default paths are relative to the prefix, like the ones written in the file. Unset still: lower levels
        // inherit the preset as they would a value written here.
        settings.proxy.tempPath = ConfigPath.absolute(defaults.proxyTemp, base: prefix)
        settings.client.bodyTempPath = ConfigPath.absolute(defaults.clientBodyTemp, base: prefix)
        settings.content.documentRoot = .root(ConfigPath.absolute("html", base: prefix))
        settings.logging.accessLogs = [AccessLog(path: ConfigPath.absolute(defaults.accessLog, base: prefix), format: "combined")]
    }
}

/// A server's or location's settings while its directives run, made (a copy of `.unset`) when the first directive
/// writes one: most levels write none (every `location = /health { return 200; }`, a server of listen and
/// server_name only), and their drafts stay small. `take()` moves them out when the level is frozen, so the
/// modules the level wrote stay uniquely held and the merge fills them in place.
struct DraftSettings {
    private final class Box {
        var value: HTTPSettings? = HTTPSettings.unset
    }

    private var box: Box?

    var value: HTTPSettings {
        get { box?.value ?? .unset }
        set {
            if box == nil { box = Box() }
            box!.value = newValue
        }
        _modify {
            if box == nil { box = Box() }
            yield &box!.value!
        }
    }

    /// The settings, moved out: the draft is done with them.
    func take() -> HTTPSettings { box?.value.take() ?? .unset }
}

/// What a server's and a location's draft share: settings made on the first write and moved out when the level
/// is frozen (DraftSettings), and whether a directive touched them.
class SettingsDraft: SettingsOwner {
    private var storage = DraftSettings()
    final var settings: HTTPSettings {
        get { storage.value }
        set { storage.value = newValue }
        _modify { yield &storage.value }
    }
    final func takeSettings() -> HTTPSettings { storage.take() }
    final var touched = false
}

final class ServerDraft: SettingsDraft {
    var listens: [Listen] = []
    /// `stub_status` at server level: what answers a request no location matches.
    var handler: LocationHandler?
    var names: [ServerName] = []
    var rewrites: [RewriteStep] = []
    var locations: [LocationDraft] = []
    /// The keys (`=path`, `/path`) of the exact and prefix locations in `locations`, for nginx's "duplicate
    /// location" check (DirectiveTable.checkDuplicate).
    var locationKeys: Set<String> = []
    let location: SourceLocation

    init(location: SourceLocation) { self.location = location }
}

final class LocationDraft: SettingsDraft {
    let match: LocationMatch
    var handler: LocationHandler?
    /// The `*_pass` modules written here: each refuses a second of its own, whatever came between (nginx).
    var passModules: Set<String> = []
    /// The static proxy_pass before its host is checked against the upstreams.
    var proxyPassLocation: SourceLocation?
    var rewrites: [RewriteStep] = []
    var nested: [LocationDraft] = []
    /// The non-regex names of `nested`, as `ServerDraft.locationKeys`.
    var nestedKeys: Set<String> = []
    /// `limit_except`: its methods and the draft of its block (settings merged from this location at finish). The
    /// block's draft, not a copy of its settings: an optional holding an HTTPSettings inline cost ~3,000
    /// instructions to set to nil in every new location.
    var limitExcept: (methods: [String], draft: LocationDraft)?
    /// `health_check` lines: checked against the upstream `proxy_pass` names when the configuration is finished.
    var healthChecks: [HealthCheck] = []
    let location: SourceLocation

    init(match: LocationMatch, location: SourceLocation) {
        self.match = match
        self.location = location
    }
}

final class UpstreamDraft {
    let name: String
    var servers: [UpstreamServer] = []
    var balancing: Balancing = .roundRobin
    var balancingLocation: SourceLocation?
    var jvmRoute: JVMRoute?
    var sticky: Sticky?
    var keepalive: Int?
    var keepaliveRequests: Int?
    var keepaliveTimeout: Duration?
    var keepaliveTime: Duration?
    var zone: (name: String, size: Int?)?
    var stateFile: String?
    var drainIdle: Duration?
    let location: SourceLocation

    init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
    }

    func freeze() -> UpstreamConfig {
        // With `state`, the file's servers are the upstream's; the block's own lines only seed a first start.
        var servers = self.servers
        if let stateFile, servers.contains(where: { $0.location.file == stateFile }) {
            servers.removeAll { $0.location.file != stateFile }
        }
        var config = UpstreamConfig(
            name: name, servers: servers, balancing: balancing, jvmRoute: jvmRoute, sticky: sticky,
            keepalive: keepalive, keepaliveRequests: keepaliveRequests ?? 1000,
            keepaliveTimeout: keepaliveTimeout ?? .seconds(60), keepaliveTime: keepaliveTime ?? .seconds(3600),
            zone: zone, location: location)
        config.stateFile = stateFile
        config.drainIdle = drainIdle
        return config
    }
}

/// `map` body lines: `default v;`, `hostnames;`, `volatile;`, `key value;`, `~re value;`, `~*re value;`.
final class MapDraft {
    let source: Template
    let variable: String
    var defaultValue: Template?
    var entries: [MapEntry] = []
    /// The exact keys in `entries`, for the duplicate check: searching `entries` for each new key made loading a
    /// map of n keys take n²/2 string comparisons (3 s for 40,000 keys).
    private var exactKeys: Set<String> = []
    var hostnames = false
    var volatile = false
    let location: SourceLocation

    init(source: Template, variable: String, location: SourceLocation) {
        self.source = source
        self.variable = variable
        self.location = location
    }

    func add(_ directive: Directive, builder: ConfigBuilder) throws {
        if directive.block != nil { throw ConfigError("unexpected \"{\"", at: directive.location) }
        let key = directive.name
        if directive.arguments.isEmpty && (key == "hostnames" || key == "volatile") {
            if key == "hostnames" { hostnames = true } else { volatile = true }
            return
        }
        guard directive.arguments.count == 1 else {
            throw ConfigError("invalid number of the map parameters", at: directive.location)
        }
        let value = try Values.template(directive, directive.arguments[0])
        if key == "default" {
            if defaultValue != nil { throw ConfigError("duplicate default map parameter", at: directive.location) }
            defaultValue = value
            return
        }
        let mapKey: MapEntry.Key
        if key.hasPrefix("~*") {
            mapKey = .regex(String(key.dropFirst(2)), caseInsensitive: true)
        } else if key.hasPrefix("~") {
            mapKey = .regex(String(key.dropFirst()), caseInsensitive: false)
        } else {
            // `\~` escapes a key that really starts with a tilde; nginx lowercases exact keys.
            mapKey = .exact((key.hasPrefix("\\") ? String(key.dropFirst()) : key).lowercased())
        }
        if case .regex(let pattern, let caseInsensitive) = mapKey {
            try builder.checkRegex(pattern, caseInsensitive: caseInsensitive, at: directive.location)
        }
        // nginx rejects a repeated exact key but accepts a repeated regex (the first one matches).
        if case .exact(let exact) = mapKey, !exactKeys.insert(exact).inserted {
            throw ConfigError("conflicting parameter \"\(key)\"", at: directive.location)
        }
        entries.append(MapEntry(key: mapKey, value: value, location: directive.location))
    }

    func freeze() -> MapConfig {
        MapConfig(
            source: source, variable: variable, defaultValue: defaultValue ?? Template(literal: ""),
            entries: entries, hostnames: hostnames, volatile: volatile, location: location)
    }
}
