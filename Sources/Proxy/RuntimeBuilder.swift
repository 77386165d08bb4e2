import ASCIIBytes
import Balancing
public import Config
import EventLoop
import Glibc
import HTTP1
import Regex

/// Compiles a loaded `Configuration` into the `Runtime` workers serve from: templates to variable ids,
/// regexes to pcre2 code, upstream host names to addresses (resolved here, never on a worker), servers
/// grouped by listen address. Every error names the directive's file:line.
public enum RuntimeBuilder {
    /// `openFiles: false` checks everything but opens no log file, so building has no side effects; with
    /// `probeFiles` (`-t`) it asks whether each would open (`LogFileOpener.probe`), so testing a configuration
    /// fails where a start would.
    /// `warn` receives the `[warn]` diagnostics found while building (overlapping srun_ids, …).
    public static func build(_ config: Configuration, prefix: String, generation: Int,
                             previous: Runtime?, openFiles: Bool = true, probeFiles: Bool = false,
                             warn: (ConfigDiagnostic) -> Void = { _ in }) throws(ConfigError) -> Runtime {
        var b = Builder(config: config, prefix: prefix, previous: previous)
        b.openFiles = openFiles
        b.probeFiles = probeFiles
        let runtime = try b.build(generation: generation)
        b.warnings.forEach(warn)
        return runtime
    }
}

struct Builder {
    let config: Configuration
    let prefix: String
    let previous: Runtime?
    var userSlots: [String: Int] = [:]
    /// Per slot, the name of a variable only `set` declares (nil for the others), for
    /// `uninitialized_variable_warn`.
    var setOnlyNames: [[UInt8]?] = []
    var mapIndex: [String: Int] = [:]
    /// The `map`, `split_clients` and `geo` results (by index) that read `$sent_http_*` or `$sent_trailer_*`,
    /// themselves or through another map: a template naming one is handed the head built so far.
    var sentFieldMaps: Set<Int> = []
    var logFiles: [String: Int] = [:]
    var accessLogFiles: [AccessLogFile] = []
    /// `error_log` files of http, server and location levels, one per path and level (ErrorLogs.swift).
    var levelErrorLogs: [String: ErrorLogFile] = [:]
    /// The main error log, which a level's line naming the same file and level shares.
    var mainErrorLog: ErrorLogFile? = nil
    /// One peer per `syslog:` target, shared by the error and access logs naming it (SyslogPeer.swift).
    var syslogPeers: [SyslogTarget: SyslogPeer] = [:]
    /// `open_log_file_cache` directives in use, and each one's index by where it is written.
    var logFileCaches: [OpenLogFileCache] = []
    var logFileCacheIndex: [SourceLocation: Int] = [:]
    var upstreams: [UpstreamRuntime] = []
    /// Each upstream's index in `upstreams` by name: 10,000 `proxy_pass` lines looking theirs up in a list of 1,000
    /// upstreams were a tenth of a `-t`.
    var upstreamIndex: [String: Int] = [:]
    /// `health_check` lines, by where they are written (a location may be built twice: `if` blocks).
    var healthChecks: [HealthCheckRuntime] = []
    var healthCheckPlaces: Set<SourceLocation> = []
    var openFiles = true
    var probeFiles = false
    /// The first log file that did not open: reported after every configuration error, as nginx opens its files
    /// once the whole configuration is read.
    var fileFailure: ConfigError? = nil
    /// proxy_cache hook: the zones of this configuration (CacheZone.swift).
    var cacheZones: [String: CacheZone] = [:]
    /// limit_req and limit_conn zones (LimitsRuntime.swift), and their keys compiled once.
    var limitZones = LimitZoneSet()
    var limitKeys: [String: (CompiledTemplate, String)] = [:]
    /// TLS contexts by what they were built from (TLSContextBuilder.swift), kept across reloads when unchanged.
    var tlsContexts: [String: TLSContext] = [:]
    /// What `proxy_pass` URLs with variables can reach (upstream blocks, implicit groups).
    var proxyGroups = ProxyGroups()
    /// `resolver` lines made into runtimes, one per distinct setting (ResolverRuntime.swift).
    var resolvers: [ResolverKey: ResolverRuntime] = [:]
    /// `[warn]` lines found while building (overlapping srun_ids, …), for the caller to log.
    var warnings: [ConfigDiagnostic] = []
    /// The names of the server being built, for `valid_referers server_names` in its locations.
    var serverNames: [ServerName] = [] { didSet { lastReferers = nil } }
    /// The server's last `valid_referers` compiled: the locations that inherit one share its check.
    var lastReferers: (ValidReferers, RefererCheck)? = nil
    /// What many locations build alike, built once (BuildMemo.swift).
    let memo = BuildMemo()

    init(config: Configuration, prefix: String, previous: Runtime?) {
        self.config = config; self.prefix = prefix; self.previous = previous
    }

    mutating func build(generation: Int) throws(ConfigError) -> Runtime {
        // Every main-level error_log, chained in order (nginx's log->next); none: the default file.
        let errorLog: ErrorLogFile
        if config.main.errorLogs.isEmpty {
            let path = config.main.defaultErrorLogPath
            errorLog = ErrorLogFile(path: openFiles && !path.isEmpty ? path : nil, level: .error)
            if !path.isEmpty { checkOpened(path, openFiles ? errorLog.openError : nil, at: nil) }
        } else {
            var chain: ErrorLogFile? = nil
            for e in config.main.errorLogs.reversed() {
                if let target = e.syslog {
                    chain = ErrorLogFile(syslog: try syslogPeer(target, at: nil), level: e.level, also: chain)
                    continue
                }
                let path = e.path == "stderr" ? nil : absolute(e.path)
                let f = ErrorLogFile(path: openFiles ? path : nil, level: e.level, also: chain)
                if let path { checkOpened(path, openFiles ? f.openError : nil, at: nil) }
                chain = f
            }
            errorLog = chain!
        }
        mainErrorLog = errorLog
        let workers: Int
        switch config.main.workerProcesses {
        case .auto: workers = max(1, Int(sysconfCores()))
        case .count(let n): workers = max(1, n)
        }
        guard let http = config.http else {
            try checkConnections(listening: 0)
            if let failure = fileFailure { throw failure }
            return Runtime(generation: generation, listens: [], upstreams: [], workers: workers,
                           workerConnections: config.events.workerConnections, errorLog: errorLog, accessLogFiles: [],
                           limits: ParserLimits(), serverTokens: true, shutdownTimeoutMillis: nil,
                           clientHeaderBufferSize: 1024,
                           defaultKeepaliveTimeoutMillis: 75_000, userVariableCount: 0, maps: [], defaultRoot: [],
                           serverCount: 0)
        }
        try collectVariables(http)
        // nginx compiles every log_format as it reads it: one naming an unknown variable is refused even unused.
        for f in http.logFormats where !f.template.isLiteral { _ = try compile(f.template, at: f.location ?? .commandLine) }
        cacheZones = CacheZone.zones(for: http.cachePaths, previous: previous?.cacheZones ?? [:], errorLog: errorLog,
                                     start: openFiles)
        limitZones = try LimitZoneSet(http.limitZones, previous: previous?.limitZones)
        for up in http.upstreams {
            if upstreamIndex[up.name] == nil { upstreamIndex[up.name] = upstreams.count }
            upstreams.append(try upstream(up))
        }
        proxyGroups = groupsForVariableProxyPass(http)
        var maps: [any VariableBlock] = try http.maps.map { m throws(ConfigError) in try map(m) }
        for s in http.splitClients {
            maps.append(SplitClientsRuntime(source: try compile(s.source, at: s.location), parts: s.parts))
        }
        for g in http.geos {
            maps.append(GeoRuntime(g, source: try g.source.map { t throws(ConfigError) in try compile(t, at: g.location) }))
        }

        // Servers, grouped by listen address; the first (or default_server) one is the default.
        var byAddress: [SocketAddress: [(ServerConfig, ServerRuntime, Listen)]] = [:]
        var order: [SocketAddress] = []
        var serverCount = 0
        for s in http.servers {
            let rt = try server(s, http: http)
            serverCount += 1
            for l in s.listens {
                let addr: SocketAddress
                switch l.address {
                case .unix(let path):
                    addr = try unixAddress(path, in: "listen", at: l.location ?? s.location)
                    if l.reuseport {
                        throw ConfigError("\"reuseport\" is not supported on a unix domain socket in \"listen\"",
                                          at: l.location ?? s.location)
                    }
                case .inet(let host, let port):
                    let text = host == "*" ? "0.0.0.0:\(port)" : (host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
                    guard let a = SocketAddress.parse(text) ?? SocketAddress.resolve(host: host, port: UInt16(port)).first else {
                        throw ConfigError("host not found in \"\(l.address)\" of the \"listen\" directive", at: l.location ?? s.location)
                    }
                    addr = a
                }
                if byAddress[addr] == nil { order.append(addr) }
                byAddress[addr, default: []].append((s, rt, l))
            }
        }
        // The sockets to open, as nginx's ngx_http_init_listening picks them: on a port that has a wildcard
        // address (`*:port`, or `[::]:port` for IPv6 ones), only the wildcard and the addresses with `bind` (or a
        // socket option) get a socket; the others are served through the wildcard's, which carries them, and a
        // connection gets the servers of the address getsockname() names (Worker.accept). A port with no
        // wildcard gives every address its own socket.
        struct Port: Hashable { let family: SocketAddress.Family; let port: UInt16 }
        var wildcards: [Port: SocketAddress] = [:]
        for addr in order where addr.family != .unix && addr.bytes.allSatisfy({ $0 == 0 }) {
            wildcards[Port(family: addr.family, port: addr.port)] = addr
        }
        var sharers: [SocketAddress: [ListenRuntime]] = [:]
        var sockets: [SocketAddress] = []
        for addr in order {
            let entries = byAddress[addr]!
            if addr.family != .unix, let wildcard = wildcards[Port(family: addr.family, port: addr.port)],
               wildcard != addr, !entries.contains(where: { $0.2.bind }) {
                sharers[wildcard, default: []].append(try listenRuntime(addr, entries, carried: true))
            } else {
                sockets.append(addr)
            }
        }
        // nginx opens a port's bound addresses before its wildcard: on Linux the second of `*:80` and
        // `127.0.0.1:80 bind` fails (EADDRINUSE, unless both have reuseport), and the error names the wildcard.
        let lastOfPort = Dictionary(sockets.enumerated().map { (Port(family: $0.element.family, port: $0.element.port), $0.offset) },
                                    uniquingKeysWith: { _, later in later })
        sockets = sockets.enumerated().sorted { a, b in
            func key(_ e: (offset: Int, element: SocketAddress)) -> Int {
                let port = Port(family: e.element.family, port: e.element.port)
                return e.element.family != .unix && wildcards[port] == e.element ? 2 * lastOfPort[port]! + 1 : 2 * e.offset
            }
            return key(a) < key(b)
        }.map(\.element)
        var listens: [ListenRuntime] = []
        for addr in sockets {
            listens.append(try listenRuntime(addr, byAddress[addr]!, sharers: sharers[addr] ?? [], carried: false))
        }
        try checkConnections(listening: listens.count)
        let client = http.settings.client
        let limits = Self.parserLimits(client)
        if let failure = fileFailure { throw failure }
        HealthCheckRuntime.settle(upstreams, checks: healthChecks)
        let runtime = Runtime(generation: generation, listens: listens, upstreams: upstreams, workers: workers,
                       workerConnections: config.events.workerConnections, errorLog: errorLog,
                       accessLogFiles: accessLogFiles, limits: limits, healthChecks: healthChecks,
                       serverTokens: http.settings.content.serverTokens != .off,
                       shutdownTimeoutMillis: config.main.workerShutdownTimeout.map(millis),
                       clientHeaderBufferSize: client.headerBufferSize,
                       defaultKeepaliveTimeoutMillis: millis(client.keepaliveTimeout),
                       userVariableCount: userSlots.count, setOnlyVariableNames: setOnlyNames, maps: maps,
                       defaultRoot: Array(absolute("html").utf8), serverCount: serverCount, cacheZones: cacheZones,
                       tlsContexts: tlsContexts, limitZones: limitZones, logFileCaches: logFileCaches,
                       multiAccept: config.events.multiAccept)
        runtime.levelErrorLogs = levelErrorLogs.values.filter { $0 !== errorLog }
        return runtime
    }

    /// One listen address's runtime: its servers (the first, or the `default_server` one, is the default), its
    /// ssl and proxy_protocol flags, and the socket options of its entries; `sharers` are the addresses a
    /// wildcard address's socket also serves (nginx's ngx_http_add_addrs), `carried` says this is one of them.
    private func listenRuntime(_ addr: SocketAddress, _ entries: [(ServerConfig, ServerRuntime, Listen)],
                               sharers: [ListenRuntime] = [], carried: Bool) throws(ConfigError) -> ListenRuntime {
        let defaults = entries.filter { $0.2.defaultServer }
        if defaults.count > 1 {
            throw ConfigError("a duplicate default server for \(addr)", at: defaults[1].2.location)
        }
        let defaultServer = (defaults.first ?? entries[0]).1
        var exact: [[UInt8]: ServerRuntime] = [:]
        var leading: [([UInt8], ServerRuntime)] = [], trailing: [([UInt8], ServerRuntime)] = []
        var regexes: [(Regex, ServerRuntime)] = []
        var regexNamed: [[(group: Int, slot: Int)]] = []
        for (cfg, rt, _) in entries {
            for n in cfg.names {
                switch n {
                case .exact(let name): if exact[Array(name.utf8)] == nil { exact[Array(name.utf8)] = rt }
                case .wildcardPrefix(let w): leading.append((w.hasPrefix("*") ? Array(w.utf8.dropFirst()) : Array(w.utf8), rt))
                case .wildcardSuffix(let w): trailing.append((Array(w.dropLast().utf8), rt))
                case .regex(let pattern, let loc):
                    let re = try compileRegex(pattern, caseless: true, at: loc)
                    regexes.append((re, rt)); regexNamed.append(namedSlots(re))
                }
            }
        }
        let reuse = entries.contains { $0.2.reuseport }
        let ssl = entries.contains { $0.2.ssl || $0.0.settings.ssl.enabled }
        if ssl, (defaults.first ?? entries[0]).1.tls == nil {   // at the default server's `server {`, as nginx says it
            throw ConfigError("no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive",
                              at: (defaults.first ?? entries[0]).0.location)
        }
        let backlog = entries.compactMap { $0.2.backlog }.first ?? 511
        let ls = entries.map { $0.2 }
        let socketOptions = ListenerOptions(
            receiveBuffer: ls.compactMap(\.receiveBuffer).first, sendBuffer: ls.compactMap(\.sendBuffer).first,
            deferAccept: ls.contains { $0.deferred }, fastOpen: ls.compactMap(\.fastOpen).first,
            keepalive: ls.compactMap(\.keepalive).first.map {
                ListenerOptions.Keepalive(on: $0.on, idle: $0.idle, interval: $0.interval, count: $0.count)
            },
            ipv6Only: ls.allSatisfy(\.ipv6only))
        // Header parsing follows the default server's ignore_invalid_headers, underscores_in_headers and
        // client_header_timeout.
        let defaultClient = (defaults.first ?? entries[0]).0.settings.client
        return ListenRuntime(address: addr, reusePort: reuse, backlog: Int32(backlog), socketOptions: socketOptions,
                             hosts: VirtualHosts(exact: exact, leadingWildcards: leading,
                                                 trailingWildcards: trailing, regexes: regexes,
                                                 defaultServer: defaultServer,
                                                 regexNamed: regexNamed.allSatisfy(\.isEmpty) ? [] : regexNamed),
                             underscoresInHeaders: defaultClient.underscoresInHeaders,
                             ignoreInvalidHeaders: defaultClient.ignoreInvalidHeaders,
                             limits: Self.parserLimits(defaultClient),
                             headerTimeoutMillis: millis(defaultClient.headerTimeout), ssl: ssl,
                             proxyProtocol: entries.contains { $0.2.proxyProtocol }, sharers: sharers, carried: carried)
    }

    /// `large_client_header_buffers N SIZE`: a request line or a field line up to SIZE, the head up to N of them;
    /// `max_headers`: the fields.
    static func parserLimits(_ client: ClientSettings) -> ParserLimits {
        let b = client.largeHeaderBuffers
        return ParserLimits(requestLineMax: b.size, headerLineMax: b.size, headMax: b.size * b.count,
                            maxHeaders: client.maxHeaders)
    }

    // MARK: - Variables

    /// Gives every variable the configuration defines a slot: `set` targets and the named groups of regexes
    /// (locations, server names, `rewrite`, `if`), so templates resolve them at load.
    mutating func collectVariables(_ http: HTTPConfig) throws(ConfigError) {
        // The same order as `Runtime.maps`: maps, then split_clients, then geo blocks.
        let defined = http.maps.map(\.variable) + http.splitClients.map(\.variable) + http.geos.map(\.variable)
        for (i, name) in defined.enumerated() { mapIndex[name.lowercased()] = i }
        sentFieldMaps = Self.mapsReadingSentFields(http, mapIndex: mapIndex)
        // The names only `set` declares: read before any `set` ran, nginx warns (uninitialized_variable_warn);
        // a named capture or auth_request_set gives a name a getter of its own, which does not.
        var setNames = Set<String>(), quietNames = Set<String>()
        func add(_ name: String, bySet: Bool = false) {
            let n = name.lowercased()
            if userSlots[n] == nil { userSlots[n] = userSlots.count }
            if bySet { setNames.insert(n) } else { quietNames.insert(n) }
        }
        // `set` and `auth_request_set` declare a variable (nginx's NGX_HTTP_VAR_CHANGEABLE).
        func declare(_ name: String, at: SourceLocation?, bySet: Bool = false) throws(ConfigError) {
            if SetTargets.isArgs(name) || SetTargets.isLimitRate(name) { return }
            if SetTargets.isReadOnly(name) { throw ConfigError("the duplicate \"\(name)\" variable", at: at) }
            add(name, bySet: bySet)
        }
        func declare(_ access: AccessSettings) throws(ConfigError) {
            for s in access.authRequestSets { try declare(s.name, at: s.location) }
        }
        func visit(_ steps: [RewriteStep]) throws(ConfigError) {
            for step in steps {
                switch step {
                case .set(let name, _, let at): try declare(name, at: at, bySet: true)
                case .rewrite(let r): RegexNames.named(in: r.pattern).forEach { add($0) }
                case .if(let b):
                    if case .regex(_, let pattern, _, _) = b.condition { RegexNames.named(in: pattern).forEach { add($0) } }
                    try visit(b.steps)
                default: break
                }
            }
        }
        // By index, reading only the fields needed (no copy of each LocationConfig).
        func visit(_ list: [LocationConfig]) throws(ConfigError) {
            for i in list.indices {
                if case .regex(let p, _) = list[i].match { RegexNames.named(in: p).forEach { add($0) } }
                try declare(list[i].settings.access)
                try visit(list[i].rewrites)
                if !list[i].nested.isEmpty { try visit(list[i].nested) }
            }
        }
        // A map regex's named groups are variables too, set when the map is evaluated and the regex matches.
        for m in http.maps {
            for case .regex(let p, _) in m.entries.map(\.key) { RegexNames.named(in: p).forEach { add($0) } }
        }
        for i in http.servers.indices {
            for case .regex(let p, _) in http.servers[i].names { RegexNames.named(in: p).forEach { add($0) } }
            try declare(http.servers[i].settings.access)
            try visit(http.servers[i].rewrites)
            try visit(http.servers[i].locations)
        }
        // nginx gives `set` its getter only for names outside the prefixed families: unset, `$http_x` and the
        // like still read the header (or argument, cookie).
        let prefixed = ["http_", "sent_http_", "upstream_http_", "cookie_", "upstream_cookie_", "arg_"]
        setOnlyNames = Array(repeating: nil, count: userSlots.count)
        for (name, slot) in userSlots where setNames.contains(name) && !quietNames.contains(name)
            && !prefixed.contains(where: name.hasPrefix) {
            setOnlyNames[slot] = Array(name.utf8)
        }
    }

    /// The map results that read the response's fields (`map $sent_http_content_type $expires`, nginx's `expires`
    /// idiom), directly or through other maps, which may name each other in any order: a fixpoint over the blocks.
    static func mapsReadingSentFields(_ http: HTTPConfig, mapIndex: [String: Int]) -> Set<Int> {
        let sources: [[Template]] = http.maps.map { [$0.source, $0.defaultValue] + $0.entries.map(\.value) }
            + http.splitClients.map { [$0.source] } + http.geos.map { $0.source.map { [$0] } ?? [] }
        var direct = Set<Int>(), uses: [[Int]] = []
        for (i, templates) in sources.enumerated() {
            var named: [Int] = []
            for t in templates {
                for case .variable(let name) in t.pieces {
                    let n = name.lowercased()
                    if n.hasPrefix("sent_http_") || n.hasPrefix("sent_trailer_") { direct.insert(i) }
                    if let m = mapIndex[n] { named.append(m) }
                }
            }
            uses.append(named)
        }
        var found = direct
        var grew = !found.isEmpty
        while grew {
            grew = false
            for i in uses.indices where !found.contains(i) && uses[i].contains(where: found.contains) {
                found.insert(i); grew = true
            }
        }
        return found
    }

    /// The slots a compiled regex's named groups fill.
    func namedSlots(_ re: Regex) -> [(group: Int, slot: Int)] {
        re.namedGroups.compactMap { g in userSlots[g.name.lowercased()].map { (group: g.index, slot: $0) } }
    }

    func compile(_ t: Template, at loc: SourceLocation?, named: [String: Int] = [:]) throws(ConfigError) -> CompiledTemplate {
        // Variables resolve the same everywhere once collectVariables ran (captures aside): each text compiles once.
        if named.isEmpty, let done = memo.templates[t] { return done }
        let compiled = try compileTemplate(t, at: loc, named: named)
        if named.isEmpty { memo.templates[t] = compiled }
        return compiled
    }

    private func compileTemplate(_ t: Template, at loc: SourceLocation?, named: [String: Int]) throws(ConfigError) -> CompiledTemplate {
        var parts: [CompiledTemplate.Part] = []
        var mapsReadSentFields = false
        for p in t.pieces {
            switch p {
            case .literal(let b): parts.append(.literal(b))
            case .capture(let n): parts.append(.capture(n))
            case .variable(let name):
                if let g = named[name] { parts.append(.capture(g)); continue }
                let lower = name.lowercased()
                // A `set $http_x` or a named capture shadows the built-in of that name, as in nginx.
                if let s = userSlots[lower] {
                    // `$invalid_referer` and the browser variables stay their checks until a `set` gives them
                    // a value, as in nginx; `$uid_reset` is empty (not `-`) until then.
                    parts.append(.variable(lower == "invalid_referer" ? .invalidRefererSet(s)
                        : lower == "uid_reset" ? .uidReset(s)
                        : BrowserVariable(rawValue: lower).map { .browserSet($0, s) } ?? .userVariable(s)))
                    continue
                }
                if let m = mapIndex[lower] {
                    parts.append(.variable(.mapResult(m)))
                    if sentFieldMaps.contains(m) { mapsReadSentFields = true }
                    continue
                }
                guard let v = VariableID.resolve(lower, userSlot: { _ in nil }) ?? (name.hasPrefix("cookie_") ? VariableID.cookie(Array(name.dropFirst(7).utf8)) : nil) else {
                    throw ConfigError("unknown \"\(name)\" variable", at: loc)
                }
                if case .cookie = v { parts.append(.variable(.cookie(Array(name.dropFirst(7).utf8)))); continue }
                parts.append(.variable(v))
            }
        }
        return CompiledTemplate(parts: parts, mapsReadSentFields: mapsReadSentFields)
    }

    /// A `unix:` address of `listen`, `server` or `proxy_pass`, checked as nginx checks it.
    func unixAddress(_ path: String, in directive: String, at loc: SourceLocation?) throws(ConfigError) -> SocketAddress {
        if path.isEmpty { throw ConfigError("no path in the unix domain socket in \"\(directive)\"", at: loc) }
        if path.utf8.count > SocketAddress.maxUnixPathLength {
            throw ConfigError("too long path in the unix domain socket in \"\(directive)\"", at: loc)
        }
        return SocketAddress(unixPath: path)
    }

    func compileRegex(_ pattern: String, caseless: Bool, at loc: SourceLocation?) throws(ConfigError) -> Regex {
        do { return try Regex(pattern, caseless: caseless) } catch { throw ConfigError(error.description, at: loc) }
    }

    // MARK: - Health checks

    /// A location's `health_check` lines, for the upstream its proxy_pass names (Config checked that it is one).
    mutating func addHealthChecks(_ checks: [HealthCheck], proxy p: ProxyRuntime, http: HTTPConfig) throws(ConfigError) {
        guard case .upstream(let i) = p.target else { return }
        for c in checks where healthCheckPlaces.insert(c.location).inserted {
            var match = HealthMatch.standard
            if let name = c.match {
                guard let m = http.matches.first(where: { $0.name == name }) else {
                    throw ConfigError("match \"\(name)\" not found", at: c.location)
                }
                match = try HealthMatch(m)
            }
            healthChecks.append(HealthCheckRuntime(upstream: upstreams[i], config: c, match: match, proxy: p))
        }
    }

    // MARK: - Upstreams

    mutating func upstream(_ u: UpstreamConfig) throws(ConfigError) -> UpstreamRuntime {
        var lines: [(PeerConfig, SocketAddress)] = []
        for s in u.servers {
            let resolved: [SocketAddress]
            switch s.address {
            case .unix(let path):
                resolved = [try unixAddress(path, in: "upstream", at: s.location)]
            case .inet(let host, let port):
                resolved = SocketAddress.resolve(host: host, port: UInt16(port))
                if resolved.isEmpty { throw ConfigError("host not found in upstream \"\(s.address)\"", at: s.location) }
            }
            for a in resolved {
                let route: [UInt8]? = s.srunID.map { Array($0.utf8) } ?? s.route.map { Array($0.utf8) }
                lines.append((PeerConfig(a.description, weight: s.weight, maxFails: s.maxFails, failTimeout: s.failTimeout,
                                         isBackup: s.backup, isDown: s.down,
                                         maxConns: s.maxBusy > 0 ? s.maxBusy : s.maxConns, route: route,
                                         isDraining: s.drain, server: s.written, slowStart: s.slowStart), a))
            }
        }
        let previousUpstream = previous.flatMap { p in p.upstreamIndex[u.name].map { p.upstreams[$0] } }
        let previousSet = previousUpstream?.current
        // Servers that stay keep their ids and the runtime API's edits (ServerList.merging).
        let list = ServerList.merging(lines: lines, previous: previousSet?.list, fromStateFile: u.stateFile != nil)
        if list.servers.isEmpty { throw ConfigError("no servers are defined in upstream \"\(u.name)\"", at: u.location) }
        let peers = list.servers.map(\.config)
        let health = PeerHealth(peers: peers, carryingOver: previousSet?.health,
                                sessionWindow: u.drainIdle ?? .seconds(600))
        health.updateDrainClocks(now: Instant(nanoseconds: Clock.monotonicNanos()))
        let kind: BalancerKind
        var hashKey: CompiledTemplate? = nil
        switch u.balancing {
        case .roundRobin: kind = .roundRobin
        case .random(let two): kind = .random(two: two)
        case .ipHash: kind = .ipHash
        case .leastConn: kind = .leastConn
        case .hash(let t, let consistent):
            kind = .hash(consistent: consistent)
            hashKey = try compile(t, at: u.location)
        }
        var affinity = Affinity.none
        var route = BalancerPolicy.RouteSource.none
        if let j = u.jvmRoute {
            let spec = JVMRouteSpec(cookieName: Array((j.cookieName ?? "JSESSIONID").utf8),
                                    sessionURLName: Array((j.sessionURLName ?? "jsessionid").lowercased().utf8),
                                    reverse: j.reverse, failback: failback(j))
            affinity = .jvmRoute(spec)
            route = .jvmRoute(spec)
        } else if let sticky = u.sticky {
            switch sticky {
            case .route(let ts):
                affinity = .sticky(StickySpec(method: .route))
                route = .stickyRoute(try ts.map { t throws(ConfigError) in try compile(t, at: u.location) })
            case .cookie(let c):
                let issuer = try stickyCookie(c, in: u)
                affinity = .sticky(StickySpec(method: .cookie(issuer.spec)))
                route = .stickyCookie(issuer)
            case .learn(let l):
                let learn = StickySpec.Learn(zoneName: l.zoneName, zoneBytes: l.zoneSize, timeout: l.timeout, header: l.header)
                affinity = .sticky(StickySpec(method: .learn(learn)))
                route = .stickyLearn(create: try l.create.map { t throws(ConfigError) in try compile(t, at: u.location) },
                                     lookup: try l.lookup.map { t throws(ConfigError) in try compile(t, at: u.location) },
                                     atHeader: l.header)
            }
        }
        let factory: BalancerFactory
        let share = try routeShare(for: u, previousUpstream: previousUpstream)
        do {
            factory = try BalancerFactory(kind: kind, affinity: affinity, health: health,
                                          learnTable: previousLearnTable(for: u),
                                          failbackTable: previousUpstream?.policy.factory.failbackTable,
                                          counters: previousUpstream?.policy.factory.counters, share: share)
        } catch {
            throw ConfigError("\(error) in upstream \"\(u.name)\"", at: u.location)
        }
        for w in factory.warnings { warnings.append(ConfigDiagnostic(level: .warn, message: w, location: u.location)) }
        let shared = try sharedRoutes(share, factory: factory, in: u)
        let policy = BalancerPolicy(factory: factory, hashKey: hashKey, route: route, share: shared)
        let set = ServerSet(version: (previousSet?.version ?? 0) + 1, list: list, health: health, policy: policy)
        let mergedFrom = previousUpstream.flatMap { p in previousSet.map { (old: p.servers, basis: $0.list) } }
        return UpstreamRuntime(name: u.name, servers: set, zone: u.zone != nil, stateFile: u.stateFile, mergedFrom: mergedFrom,
                               keepalive: u.keepalive ?? 0, keepaliveRequests: u.keepaliveRequests,
                               keepaliveTimeoutMillis: millis(u.keepaliveTimeout),
                               keepaliveTimeNanos: UInt64(millis(u.keepaliveTime)) * 1_000_000)
    }

    /// jvm_route's `failback=` and its table's size and timeout.
    func failback(_ j: JVMRoute) -> JVMRouteSpec.Failback {
        if j.failbackReturn { return .return }
        let bytes = j.failbackZoneSize ?? JVMRouteSpec.Failback.defaultZoneBytes
        return .stay(capacity: StickyLearnTable.capacity(forZoneBytes: bytes),
                     timeout: j.failbackTimeout ?? JVMRouteSpec.Failback.defaultTimeout)
    }

    /// `sticky cookie`: literal attributes go to the balancing spec, ones with variables are compiled for the
    /// engine; `sign=` reads its key file now, so a reload reads it again.
    func stickyCookie(_ c: Config.StickyCookie, in u: UpstreamConfig) throws(ConfigError) -> StickyCookieIssuer {
        func template(_ text: String?) throws(ConfigError) -> CompiledTemplate? {
            guard let text else { return nil }
            let t: Template
            do { t = try Template(text) } catch { throw ConfigError(error.message, at: u.location) }
            return try compile(t, at: u.location)
        }
        var signer: CookieSigner?
        if let file = c.signKeyFile {
            let path = absolute(file)
            do {
                let text = try StickyCookieIssuer.readKeyFile(path)
                let lifetime = c.signTimeout ?? (c.expiresMax ? nil : c.expires) ?? .seconds(3600)
                signer = try CookieSigner(keys: try CookieSigner.keys(fromFile: text), lifetime: lifetime, cookieName: c.name)
            } catch {
                throw ConfigError("\(error) (sticky cookie \"\(c.name)\" sign=)", at: u.location)
            }
        }
        let spec = BalancerStickyCookie(name: c.name, expires: c.expiresMax ? .max : c.expires.map { .after($0) },
                                        domain: c.domain, path: c.path, httpOnly: c.httpOnly, secure: c.secure,
                                        sameSite: c.sameSite, partitioned: c.partitioned, signer: signer)
        return StickyCookieIssuer(spec: spec, domain: try template(c.domain), path: try template(c.path),
                                  sameSite: try template(c.sameSite))
    }

    /// The `sticky learn` table of the previous configuration with this upstream's zone name: a zone, like
    /// nginx's shared memory zones, is found by name, so a renamed upstream keeps its learnt sessions.
    func previousLearnTable(for u: UpstreamConfig) -> StickyLearnTable? {
        guard case .learn(let l)? = u.sticky, let previous else { return nil }
        return previous.upstreams.lazy.compactMap { $0.policy.factory.learnTable }.first { $0.name == l.zoneName }
    }

    func map(_ m: MapConfig) throws(ConfigError) -> MapRuntime {
        var exact: [[UInt8]: CompiledTemplate] = [:]
        var regexes: [(regex: Regex, value: CompiledTemplate)] = []
        var regexNamed: [[(group: Int, slot: Int)]] = []
        var leading: [(suffix: [UInt8], matchesBare: Bool, value: CompiledTemplate)] = []
        var trailing: [(prefix: [UInt8], value: CompiledTemplate)] = []
        for e in m.entries {
            switch e.key {
            case .exact(let k):
                let value = try compile(e.value, at: e.location)
                if m.hostnames, k.hasPrefix("*.") {
                    leading.append((Array(k.utf8.dropFirst()), false, value))
                } else if m.hostnames, k.hasPrefix("."), k.count > 1 {
                    leading.append((Array(k.utf8), true, value))
                } else if m.hostnames, k.hasSuffix(".*") {
                    trailing.append((Array(k.utf8.dropLast()), value))
                } else {
                    var key = Array(k.utf8)
                    if m.hostnames, key.last == UInt8(ascii: ".") { key.removeLast() }
                    if exact[key] == nil { exact[key] = value }
                }
            case .regex(let p, let ci):
                let re = try compileRegex(p, caseless: ci, at: e.location)
                let named = Dictionary(re.namedGroups.map { ($0.name, $0.index) }, uniquingKeysWith: { a, _ in a })
                regexes.append((re, try compile(e.value, at: e.location, named: named)))
                regexNamed.append(namedSlots(re))
            }
        }
        return MapRuntime(source: try compile(m.source, at: m.location), exact: exact, regexes: regexes,
                          defaultValue: try compile(m.defaultValue, at: m.location), hostnames: m.hostnames,
                          leading: leading, trailing: trailing, volatile: m.volatile, regexNamed: regexNamed)
    }

    // MARK: - Servers and locations

    mutating func server(_ s: ServerConfig, http: HTTPConfig) throws(ConfigError) -> ServerRuntime {
        var name: [UInt8] = []
        // $server_name: the first name as written (a regex with its "~", ".example.com" without the dot).
        switch s.names.first {
        case .exact(let e)?: name = Array(e.utf8)
        case .wildcardPrefix(let w)?: name = Array((w.hasPrefix(".") ? String(w.dropFirst()) : w).utf8)
        case .wildcardSuffix(let w)?: name = Array(w.utf8)
        case .regex(let p, _)?: name = Array(("~" + p).utf8)
        case nil: break
        }
        serverNames = s.names
        let tree = try locations(s.locations, http: http)
        let fallback = try location(LocationOwn(handler: s.handler), settings: s.settings, match: .prefix, prefix: [], name: "server",
                                    rewrites: s.rewrites, http: http, at: s.location)
        // Named locations sit beside the tree: only internal redirects reach them (nginx allows them at the
        // server level only, which the parser checks). A name written twice is the first one's, as nginx finds it.
        var named: [[UInt8]: LocationRuntime] = [:]
        for l in s.locations {
            guard case .named(let n) = l.match else { continue }
            let built = try location(LocationOwn(l), settings: l.settings, match: .prefix, prefix: [], name: n,
                                     rewrites: l.rewrites, http: http, at: l.location)
            if named[Array(n.utf8)] == nil { named[Array(n.utf8)] = built }
        }
        let tls = try serverTLS(s, name: name)
        var ocsp: ClientOCSPRuntime? = nil, stapling: StaplingRuntime? = nil
        if let tls {
            ocsp = try clientOCSP(s)
            stapling = try staplingRuntime(s, context: tls)
        }
        return ServerRuntime(name: name, locations: tree, fallback: fallback, script: fallback.script, named: named,
                             mergeSlashes: s.settings.files.mergeSlashes,
                             tls: tls, rejectHandshake: s.settings.ssl.rejectHandshake,
                             verifyClient: TLSFiles.verifyMode(s.settings.ssl.verifyClient),
                             dynamicCertificates: try dynamicCertificates(s),
                             clientOCSP: ocsp, stapling: stapling)
    }

    /// One list of sibling locations being built: the trees of their nested lists are built first.
    private struct LocationLevel {
        let list: [LocationConfig]
        var next = 0
        var exact: [[UInt8]: LocationRuntime] = [:]
        var prefixes: [LocationRuntime] = []
        var regexes: [LocationRuntime] = []
        init(_ list: [LocationConfig]) { self.list = list }
    }

    /// Builds a list of locations and everything nested in it, children before parents, with an explicit stack:
    /// `location` has a large frame (tens of KiB in a debug build), so recursing through it per nesting level
    /// overflowed the stack at a depth of about a hundred (262 in release), taking a reloading server down.
    mutating func locations(_ list: [LocationConfig], http: HTTPConfig) throws(ConfigError) -> LocationTree {
        var stack = [LocationLevel(list)]
        var childTree: LocationTree? = nil   // the finished tree of the nested list of the top level's next item
        while var level = stack.popLast() {
            if let children = childTree {
                try add(level.list[level.next], children: children, to: &level, http: http)
                level.next += 1
                childTree = nil
            }
            if level.next < level.list.count {
                let nested = level.list[level.next].nested
                stack.append(level)
                if nested.isEmpty { childTree = .empty } else { stack.append(LocationLevel(nested)) }
                continue
            }
            let tree = LocationTree(exact: level.exact, prefixes: level.prefixes, regexes: level.regexes)
            if stack.isEmpty { return tree }
            childTree = tree
        }
        return .empty   // unreachable: the loop returns when the outermost list is done
    }

    private mutating func add(_ l: LocationConfig, children: LocationTree, to level: inout LocationLevel,
                              http: HTTPConfig) throws(ConfigError) {
        let own = LocationOwn(l)
        let steps = l.rewrites, loc = l.location
        switch l.match {
        case .exact(let p):
            level.exact[Array(p.utf8)] = try location(own, settings: l.settings, match: .exact, prefix: Array(p.utf8),
                                                      name: "= \(p)", rewrites: steps, http: http, at: loc,
                                                      children: children)
        case .prefix(let p):
            level.prefixes.append(try location(own, settings: l.settings, match: .prefix, prefix: Array(p.utf8),
                                               name: p, rewrites: steps, http: http, at: loc, children: children))
        case .prefixNoRegex(let p):
            level.prefixes.append(try location(own, settings: l.settings, match: .prefixNoRegex,
                                               prefix: Array(p.utf8), name: "^~ \(p)", rewrites: steps, http: http,
                                               at: loc, children: children))
        case .regex(let p, let ci):
            let re = try compileRegex(p, caseless: ci, at: loc)
            level.regexes.append(try location(own, settings: l.settings, match: .regex(re), prefix: [],
                                              name: "\(ci ? "~*" : "~") \(p)", rewrites: steps, http: http,
                                              at: loc, children: children, namedCaptures: namedSlots(re)))
        case .named:
            break   // built beside the tree by server(_:http:)
        }
    }

    /// A location's access_log lines as sinks; locations that inherit the same lines share the previous one's.
    private mutating func accessLogSinks(_ logs: [AccessLog], cache: OpenLogFileCache?, http: HTTPConfig,
                                         at loc: SourceLocation) throws(ConfigError) -> [AccessLogSink] {
        if let known = memo.accessLogs, known.logs == logs, known.cache == cache { return known.sinks }
        var sinks: [AccessLogSink] = []
        for a in logs {
            guard let format = http.logFormat(named: a.format) else {
                throw ConfigError("unknown log format \"\(a.format)\"", at: a.location ?? loc)
            }
            let path = a.path.isEmpty ? "" : absolute(a.path)   // "": the standard error
            var dynamicPath: CompiledTemplate? = nil
            if a.syslog == nil && path.contains("$") {   // a path with variables: opened per line (AccessLogWriter)
                let template: Template
                do { template = try Template(path) } catch { throw ConfigError(error.message, at: a.location ?? loc) }
                dynamicPath = try compile(template, at: a.location ?? loc)
            }
            let index: Int
            if let target = a.syslog {
                if let i = logFiles[a.path] { index = i } else {
                    let f = AccessLogFile(syslog: try syslogPeer(target, at: a.location ?? loc), text: a.path)
                    index = accessLogFiles.count; accessLogFiles.append(f); logFiles[a.path] = index
                }
            } else if dynamicPath != nil { index = 0 } else if let i = logFiles[path] { index = i } else {
                let f = AccessLogFile(path: path, open: openFiles)
                checkOpened(path, openFiles && !f.isOpen ? errnoNow() : nil, at: a.location ?? loc)
                index = accessLogFiles.count; accessLogFiles.append(f); logFiles[path] = index
            }
            let escape: LogEscape = format.escape == .json ? .json : (format.escape == .none ? .none : .default)
            var sink = AccessLogSink(file: index, format: try compile(format.template, at: format.location ?? loc),
                                     escape: escape, bufferSize: a.bufferSize ?? 0)
            if let c = a.condition { sink.condition = try compile(c, at: a.location ?? loc) }
            sink.gzipLevel = a.gzipLevel ?? 0
            sink.dynamicPath = dynamicPath
            if dynamicPath != nil, let cache {
                if let i = logFileCacheIndex[cache.location] {
                    sink.fileCache = i
                } else {
                    sink.fileCache = logFileCaches.count
                    logFileCacheIndex[cache.location] = logFileCaches.count
                    logFileCaches.append(cache)
                }
            }
            sinks.append(sink)
        }
        memo.accessLogs = (logs, cache, sinks)
        return sinks
    }

    mutating func location(_ l: LocationOwn, settings: HTTPSettings, match: LocationRuntime.Match, prefix: [UInt8],
                           name: String, rewrites steps: [RewriteStep], http: HTTPConfig,
                           at loc: SourceLocation, children: LocationTree = .empty,
                           namedCaptures: [(group: Int, slot: Int)] = [],
                           handler ifHandler: LocationHandler? = nil) throws(ConfigError) -> LocationRuntime {
        let handler = ifHandler ?? l.handler
        // A `resolver` names its servers at load even where no proxy_pass asks it (nginx: host not found).
        if settings.resolver.resolver != nil { _ = try resolverRuntime(settings.resolver) }
        let script = try compileScript(steps, settings: settings, match: match, prefix: prefix, name: name,
                                       handler: handler, http: http, at: loc)
        // error_page's internal redirect serves a location whose script starts with `return` as that response.
        var action: LocationAction? = nil
        for op in script {
            if case .set = op { continue }
            if case .respond(let status, let body) = op { action = .respond(status: status, body: body) }
            break
        }
        // `proxy_ignore_headers X-Accel-Charset` (or the CGI modules' own): the upstream's field asks for nothing.
        var ignored = settings.proxy.ignoreHeaders
        if case .cgi(let wire, _)? = handler { ignored = Self.family(wire, settings).ignoreHeaders }
        let charset = try responseCharset(settings.content, http: http, ignoresAccelCharset: ignored.contains("X-Accel-Charset"),
                                          at: loc)
        if action == nil, let handler {
            switch handler {
            case .proxy(let pass):
                let p = try proxy(pass, settings: settings.proxy, ssl: settings.proxySSL, locationPrefix: prefix,
                                  http: http, resolver: settings.resolver, charset: charset, at: loc)
                action = .proxy(p)
                if !l.healthChecks.isEmpty { try addHealthChecks(l.healthChecks, proxy: p, http: http) }
            case .cgi(let wire, let pass):
                action = .proxy(try cgi(wire, pass, settings: settings, locationPrefix: prefix, http: http,
                                        charset: charset, at: loc))
            case .stubStatus: action = .stubStatus
            case .upstreamStatus: action = .upstreamStatus
            case .metrics: action = .metrics
            case .api(let write): action = .api(write: write)
            case .dashboard(let api): action = .dashboard(DashboardPage(api: api))
            case .emptyGIF: action = .emptyGIF
            case .flv: break   // the location's files, below
            case .jvmRouteStatus(let upstreamName):
                guard let i = upstreamIndex[upstreamName] else {
                    throw ConfigError("no upstream \"\(upstreamName)\" for \"jvm_route_status\"", at: loc)
                }
                action = .jvmRouteStatus(upstream: i)
            }
        }
        var files = try locationFiles(settings, at: loc)
        if case .proxy? = handler, prefix.last == UInt8(ascii: "/"), prefix.count > 1 { files.autoRedirect = true }
        if case .cgi(let wire, _)? = handler {
            if prefix.last == UInt8(ascii: "/"), prefix.count > 1 { files.autoRedirect = true }
            files.interceptErrors = wire == .memcached || Self.family(wire, settings).interceptErrors   // memcached: always
        }
        if action == nil, case .flv? = handler { action = .flv(files.root) }
        if action == nil { action = .files(files.root) }
        var addHeaders: [HeaderAddition] = []
        for h in settings.content.addHeaders {
            addHeaders.append(HeaderAddition(name: Array(h.name.utf8), value: try compile(h.value, at: h.location), always: h.always))
        }
        var errorPages: [Int: ErrorPageTarget] = [:]
        for e in settings.content.errorPages {
            let target = try errorPageTarget(e)
            for c in e.codes where errorPages[c] == nil { errorPages[c] = target }
        }
        let sinks = try accessLogSinks(settings.logging.accessLogs, cache: settings.logging.openLogFileCache, http: http, at: loc)
        let c = settings.client, content = settings.content
        let mime = memo.mimeTable(content.types)
        var expiresVariable: CompiledTemplate? = nil
        if case .variable(let t, _) = content.expires { expiresVariable = try compile(t, at: loc) }
        let made = LocationRuntime(match: match, prefix: prefix, displayName: name, children: children, action: action,
                               script: script, namedCaptures: namedCaptures, addHeaders: addHeaders, errorPages: errorPages,
                               accessLogs: sinks, clientMaxBodySize: Int64(c.maxBodySize),
                               clientBodyBufferSize: c.bodyBufferSize,
                               clientBodyTemp: BodyTempPath(directory: absolute(c.bodyTempPath), levels: c.bodyTempLevels,
                                                            fileOnly: bodyFileOnly(c.bodyInFileOnly)),
                               clientBodyTimeoutMillis: millis(c.bodyTimeout),
                               sendTimeoutMillis: millis(c.sendTimeout), keepaliveTimeoutMillis: millis(c.keepaliveTimeout),
                               keepaliveRequests: c.keepaliveRequests, defaultType: Array(content.defaultType.utf8),
                               charset: charset, mimeTypes: mime,
                               gzip: GzipRuntime(settings.gzip),
                               expires: ExpiresRuntime(content.expires, variable: expiresVariable),
                               shaping: try shaping(settings, at: loc), files: files,
                               keepaliveHeaderSeconds: c.keepaliveHeaderTimeout.map { $0.components.seconds },
                               keepaliveTimeMillis: millis(c.keepaliveTime),
                               filters: ResponseFilters(content))
        made.subrequestOutputBufferSize = content.subrequestOutputBufferSize
        if !content.mirrors.isEmpty {
            made.mirror = MirrorRuntime(uris: content.mirrors.map { Array($0.utf8) }, requestBody: content.mirrorRequestBody)
        }
        made.logSubrequest = content.logSubrequest
        made.postAction = content.postAction.map { Array($0.utf8) }
        if content.sliceSize > 0 && RuntimeBuilder.sendsSliceRange(settings) { made.sliceSize = Int64(content.sliceSize) }
        made.lingering = Lingering(mode: c.lingeringClose, timeMillis: millis(c.lingeringTime),
                                   timeoutMillis: millis(c.lingeringTimeout))
        made.resetsTimedOut = c.resetTimedoutConnection
        made.warnsUninitialized = settings.rewrite.uninitializedWarn
        made.serverTokens = content.serverTokens != .off
        made.identity = ClientIdentityRuntime(settings.access, trusted: try resolved(settings.access.realIPFrom),
                                              auth: try authBasic(settings.access, at: loc),
                                              authRequest: try authRequest(settings.access, at: loc))
        made.limits = try limits(settings.limits, at: loc)
        made.gzipStatic = GzipStaticRuntime(settings.gzip, gzip: made.gzip)
        made.gunzip = GunzipRuntime(settings.gzip, gzip: made.gzip)
        made.dav = DAVRuntime(settings.dav)
        made.referers = try refererCheck(settings.referer.validReferers)
        let b = settings.browser
        if b.$modern.isSet || b.$ancient.isSet || b.$modernValue.isSet || b.$ancientValue.isSet { made.browsers = BrowserCheck(b) }
        made.secureLink = try secureLink(settings.secureLink, at: loc)
        made.userid = UserIDRuntime(settings.userid, reset: userIDReset)
        made.errorLogs = try errorLogFiles(settings.logging.errorLogs, at: loc)
        if settings.ssi.enabled {
            if memo.ssiNames == nil { memo.ssiNames = SSIVariableNames(userSlots: userSlots, maps: mapIndex) }
            made.ssi = SSIRuntime(settings.ssi, names: memo.ssiNames!)
        }
        if !settings.subFilter.pairs.isEmpty {
            var matches: [CompiledTemplate] = [], replacements: [CompiledTemplate] = []
            for p in settings.subFilter.pairs {
                matches.append(try compile(p.match, at: p.location))
                replacements.append(try compile(p.replacement, at: p.location))
            }
            made.subFilter = SubFilterRuntime(matches: matches, replacements: replacements, settings: settings.subFilter)
        }
        made.addition = AdditionRuntime(settings.addition)
        made.filtersBody = made.ssi != nil || made.subFilter != nil || made.addition != nil || made.gunzip != nil
        if let cs = charset {   // recoding is possible here, or the charset is per request
            var proxied = false
            if case .proxy? = action { proxied = true }
            // (With a map and a source_charset, a subrequest served here is recoded to its main request's charset.)
            if cs.recodesOwn || cs.perRequest || (proxied && !cs.maps.isEmpty) || cs.mayRecodeSubrequests {
                made.filtersBody = true
            }
        }
        if let le = l.limitExcept {
            made.limitExcept = LimitExceptRuntime(
                methods: le.methods,
                identity: ClientIdentityRuntime(le.settings.access, trusted: try resolved(le.settings.access.realIPFrom),
                                                auth: try authBasic(le.settings.access, at: le.location),
                                                authRequest: try authRequest(le.settings.access, at: le.location)),
                location: le.ownsLocation
                    ? try location(.none, settings: le.settings, match: match, prefix: prefix, name: name, rewrites: [],
                                   http: http, at: le.location, handler: le.handler ?? handler)
                    : nil)
        }
        return made
    }

    /// `set_real_ip_from` with each host name replaced by its addresses (exact blocks), as nginx resolves them
    /// at load.
    func resolved(_ sources: [RealIPSource]) throws(ConfigError) -> [RealIPSource] {
        guard sources.contains(where: { if case .host = $0 { return true } else { return false } }) else { return sources }
        var out: [RealIPSource] = []
        for source in sources {
            guard case .host(let name, let at) = source else { out.append(source); continue }
            let addresses = SocketAddress.resolve(host: name, port: 0)
            if addresses.isEmpty { throw ConfigError("host not found in set_real_ip_from \"\(name)\"", at: at) }
            for a in addresses { out.append(.block(CIDR(address: a.bytes, prefixLength: a.bytes.count * 8))) }
        }
        return out
    }

    /// auth_basic of one location: nil unless both the realm and the user file are set (nginx's rule).
    func authBasic(_ access: AccessSettings, at loc: SourceLocation) throws(ConfigError) -> AuthBasicRuntime? {
        guard let realm = access.authBasicRealm, let file = access.authBasicUserFile else { return nil }
        let base = file.base.hasSuffix("/") ? file.base : file.base + "/"
        return AuthBasicRuntime(realm: try compile(realm, at: loc), userFile: try compile(file.path, at: loc),
                                base: Array(base.utf8))
    }

    /// auth_request of one location, with its auth_request_set lines (their variables have slots: collectVariables).
    func authRequest(_ access: AccessSettings, at loc: SourceLocation) throws(ConfigError) -> AuthRequestRuntime? {
        guard let uri = access.authRequest else { return nil }
        var sets: [(target: SetTarget, value: CompiledTemplate)] = []
        for s in access.authRequestSets {
            sets.append((SetTarget.named(s.name, slots: userSlots), try compile(s.value, at: s.location ?? loc)))
        }
        return AuthRequestRuntime(uri: Array(uri.utf8), sets: sets)
    }

    /// limit_rate, keepalive_disable, chunked_transfer_encoding and add_trailer of one location.
    func shaping(_ settings: HTTPSettings, at loc: SourceLocation) throws(ConfigError) -> ClientShaping {
        let c = settings.client
        var trailers: [HeaderAddition] = []
        for h in settings.content.addTrailers {
            trailers.append(HeaderAddition(name: Array(h.name.utf8), value: try compile(h.value, at: h.location), always: h.always))
        }
        var rate: CompiledTemplate? = nil, after: CompiledTemplate? = nil
        if let t = c.limitRate { rate = try compile(t, at: loc) }
        if let t = c.limitRateAfter { after = try compile(t, at: loc) }
        return ClientShaping(limitRate: rate, limitRateAfter: after,
                             keepaliveDisableMSIE6: c.keepaliveDisable.contains(.msie6),
                             keepaliveDisableSafari: c.keepaliveDisable.contains(.safari),
                             chunkedTransferEncoding: c.chunkedTransferEncoding, addTrailers: trailers)
    }

    /// proxy_method, proxy_set_body, proxy_cookie_* and proxy_pass_trailers of one proxied location.
    /// `client_body_in_file_only`: no body stays in memory, every one goes to a temp file (kept with `on`).
    func bodyFileOnly(_ mode: BodyInFileOnly) -> BodyTempPath.FileOnly {
        switch mode {
        case .off: .off
        case .on: .keep
        case .clean: .clean
        }
    }

    func proxyRewrites(_ p: ProxySettings, at loc: SourceLocation) throws(ConfigError) -> ProxyRewrites {
        var method: CompiledTemplate? = nil, body: CompiledTemplate? = nil
        var cookieDomain: [CookieReplacement] = [], cookiePath: [CookieReplacement] = [], cookieFlags: [CookieFlags] = []
        if let t = p.method { method = try compile(t, at: loc) }
        if let t = p.setBody { body = try compile(t, at: loc) }
        // A domain regex matches without regard to case (`~` and `~*` alike), as nginx compiles it.
        func replacement(_ rule: CookieRewrite, domain: Bool) throws(ConfigError) -> CookieReplacement {
            switch rule.match {
            case .literal(let t):
                return CookieReplacement(from: try compile(t, at: loc), regex: nil, to: try compile(rule.replacement, at: loc))
            case .regex(let pattern, let ci):
                return CookieReplacement(from: CompiledTemplate(parts: []),
                                         regex: try compileRegex(pattern, caseless: ci || domain, at: loc),
                                         to: try compile(rule.replacement, at: loc))
            }
        }
        for rule in p.cookieDomain { cookieDomain.append(try replacement(rule, domain: true)) }
        for rule in p.cookiePath { cookiePath.append(try replacement(rule, domain: false)) }
        for rule in p.cookieFlags {
            var flags: [CookieFlags.Flag] = []
            for flag in rule.flags {
                let made: CookieFlags.Flag = switch flag {
                case .secure: .secure
                case .httpOnly: .httpOnly
                case .sameSite(let v): .sameSite(Array(v.utf8))
                case .noSecure: .noSecure
                case .noHttpOnly: .noHttpOnly
                case .noSameSite: .noSameSite
                case .evaluated(let t): .evaluated(try compile(t, at: loc))
                }
                flags.append(made)
            }
            switch rule.cookie {
            case .literal(let t): cookieFlags.append(CookieFlags(name: try compile(t, at: loc), regex: nil, flags: flags))
            case .regex(let pattern, _):   // nginx matches cookie names by regex without regard to case
                cookieFlags.append(CookieFlags(name: CompiledTemplate(parts: []),
                                                        regex: try compileRegex(pattern, caseless: true, at: loc), flags: flags))
            }
        }
        return ProxyRewrites(method: method, body: body, cookieDomain: cookieDomain, cookiePath: cookiePath,
                             cookieFlags: cookieFlags, passTrailers: p.passTrailers,
                             passRequestHeaders: p.passRequestHeaders, passRequestBody: p.passRequestBody,
                             setsContentLength: p.setHeaders.contains { $0.name.lowercased() == "content-length" })
    }

    /// The `fastcgi_*`, `uwsgi_*` or `scgi_*` settings the CGI family shares.
    static func family(_ wire: CGIProtocol, _ settings: HTTPSettings) -> CGIParamsSettings {
        switch wire {
        case .fastcgi: settings.fastcgi.family
        case .uwsgi: settings.uwsgi.family
        case .scgi: settings.scgi
        case .memcached: settings.memcached.family
        }
    }

    /// `fastcgi_pass`, `uwsgi_pass`, `scgi_pass`: the location's `*_*` settings as the proxy settings the exchange
    /// reads (timeouts, retries, hidden headers, the head's size), its parameters compiled, then the same target
    /// resolution as `proxy_pass` (upstream blocks, addresses, UNIX sockets, variables), with the module's wire
    /// protocol.
    mutating func cgi(_ protocol: CGIProtocol, _ pass: ProxyPass, settings: HTTPSettings, locationPrefix: [UInt8],
                      http: HTTPConfig, charset: ResponseCharset?, at loc: SourceLocation) throws(ConfigError) -> ProxyRuntime {
        let f = Self.family(`protocol`, settings), own = settings.fastcgi
        var p = ProxySettings()
        // nginx's CGI modules hide Status and the X-Accel-* fields; Date and Server are this proxy's, as for proxy_pass.
        p.hideHeaders = f.hideHeaders + ["Status"]
        p.passHeaders = f.passHeaders
        p.ignoreHeaders = f.ignoreHeaders
        p.httpVersion = .http11
        p.redirect = .off
        p.nextUpstream = f.nextUpstream
        p.nextUpstreamTries = f.nextUpstreamTries
        p.nextUpstreamTimeout = f.nextUpstreamTimeout
        p.connectTimeout = f.connectTimeout
        p.sendTimeout = f.sendTimeout
        p.readTimeout = f.readTimeout
        p.bufferSize = f.bufferSize
        p.requestBuffering = f.requestBuffering   // off: a Content-Length body streams (FastCGI: as FCGI_STDIN records)
        p.interceptErrors = f.interceptErrors
        p.forceRanges = f.forceRanges
        p.limitRate = f.limitRate
        p.bind = f.bind
        p.socketKeepalive = f.socketKeepalive
        p.ignoreClientAbort = f.ignoreClientAbort
        p.passRequestHeaders = f.passRequestHeaders
        p.passRequestBody = f.passRequestBody
        // The module's cache: the same machinery as proxy_cache, with nginx's differences for the CGI modules
        // (a HEAD goes as it came; written beside the entry, there being no `*_temp_path` here).
        p.cache = f.cache
        p.cache.convertHead = false
        p.tempPath = ""
        var split: Regex? = nil
        if `protocol` == .fastcgi, let s = own.splitPathInfo {
            let regex = try compileRegex(s.pattern, caseless: false, at: s.location)
            guard regex.captureCount == 2 else {
                throw ConfigError("pattern \"\(s.pattern)\" must have 2 captures", at: s.location)
            }
            split = regex
        }
        var params: [CGIRuntime.Param] = []
        for param in f.params {
            params.append(CGIRuntime.Param(name: Array(param.name.utf8),
                                           value: try compile(param.value, at: param.location ?? loc),
                                           ifNotEmpty: param.ifNotEmpty))
        }
        let runtime: CGIRuntime
        switch `protocol` {
        case .fastcgi:
            runtime = CGIRuntime(wire: .fastcgi, params: params, passRequestHeaders: f.passRequestHeaders,
                                 passRequestBody: f.passRequestBody, index: own.index.map { Array($0.utf8) },
                                 split: split, keepConn: own.keepConn, catchStderr: own.catchStderr.map { Array($0.utf8) })
        case .uwsgi:
            // nginx keeps the modifiers' low byte (its slot is a number, stored in one byte).
            let u = settings.uwsgi
            runtime = CGIRuntime(wire: .uwsgi(modifier1: UInt8(truncatingIfNeeded: u.modifier1),
                                              modifier2: UInt8(truncatingIfNeeded: u.modifier2)),
                                 params: params, passRequestHeaders: f.passRequestHeaders, passRequestBody: f.passRequestBody)
        case .scgi:
            runtime = CGIRuntime(wire: .scgi, params: params, passRequestHeaders: f.passRequestHeaders,
                                 passRequestBody: f.passRequestBody)
        case .memcached:
            // nginx's module: the request's body is read and dropped, and `$memcached_key` is whatever `set` gave
            // it (not set for a request: a 500). A configuration that sets it nowhere is nginx's `unknown
            // "memcached_key" variable`. Errors are always intercepted (a miss is the location's 404 and error_page
            // applies): `locationFiles` above.
            p.passRequestBody = false
            p.passRequestHeaders = false
            let key = try compile(try! Template("$memcached_key"), at: loc)
            runtime = CGIRuntime(wire: .memcached(gzipFlag: UInt32(truncatingIfNeeded: settings.memcached.gzipFlag)),
                                 params: [], passRequestHeaders: false, passRequestBody: false,
                                 keepConn: true, memcachedKey: key)   // reused after END, with the upstream's keepalive
        }
        return try proxy(pass, settings: p, ssl: `protocol` == .uwsgi ? settings.uwsgiSSL : ProxySSLSettings(),
                         locationPrefix: locationPrefix, http: http, resolver: settings.resolver, charset: charset,
                         cgi: runtime, at: loc)
    }

    mutating func proxy(_ pass: ProxyPass, settings p: ProxySettings, ssl: ProxySSLSettings, locationPrefix: [UInt8],
                        http: HTTPConfig, resolver: ResolverSettings = ResolverSettings(),
                        charset: ResponseCharset? = nil, cgi: CGIRuntime? = nil,
                        at loc: SourceLocation) throws(ConfigError) -> ProxyRuntime {
        let url: ProxyURL
        switch pass {
        case .static(let u): url = u
        case .dynamic(let t):
            // Evaluated per request (DynamicProxyURL): an upstream block by name, an IP address, else 502. As
            // nginx, TLS is prepared for every such location; an https (suwsgi) URL uses it (proxy_ssl_*, uwsgi_ssl_*).
            let speaksTLS = cgi?.speaksTLS ?? true
            let tls = speaksTLS ? try upstreamTLS(ssl, module: cgi?.module ?? "proxy", host: "", at: loc) : nil
            let target = ProxyRuntime.Target.variable(try compile(t, at: loc), proxyGroups, try resolverRuntime(resolver))
            return try proxyRuntime(target: target, url: nil, keepaliveUpstream: true, settings: p,
                                    locationPrefix: locationPrefix, at: loc, tls: tls, charset: charset, cgi: cgi)
        }
        let tls = url.isSecure ? try upstreamTLS(ssl, module: cgi?.module ?? "proxy", host: url.hostHeader, at: url.location) : nil
        let target: ProxyRuntime.Target
        var keepaliveUpstream = false
        switch url.target {
        case .upstream(let name):
            guard let i = upstreamIndex[name] else {
                throw ConfigError("no upstream \"\(name)\" for \"proxy_pass\"", at: url.location)
            }
            target = .upstream(i)
            keepaliveUpstream = upstreams[i].keepalive > 0
        case .address(let host, let p):
            guard let a = SocketAddress.resolve(host: host, port: UInt16(p)).first else {
                throw ConfigError("host not found in upstream \"\(host)\"", at: url.location)   // nginx's words: no port
            }
            target = .address(a, label: Array(a.description.utf8))
        case .unix(let path):
            let a = try unixAddress(path, in: cgi?.passDirective ?? "proxy_pass", at: url.location)
            target = .address(a, label: Array(a.description.utf8))
        }
        return try proxyRuntime(target: target, url: url, keepaliveUpstream: keepaliveUpstream, settings: p,
                                locationPrefix: locationPrefix, at: loc, tls: tls, charset: charset, cgi: cgi)
    }

    /// `url` is nil for a `proxy_pass` with variables: `$proxy_host`, `$proxy_port` and the URI part are then
    /// known per request only, and `proxy_redirect default` has nothing to rewrite (nginx drops it too).
    /// `keepaliveUpstream` says whether the target may keep connections; the request headers decide the rest.
    func proxyRuntime(target: ProxyRuntime.Target, url: ProxyURL?, keepaliveUpstream: Bool, settings p: ProxySettings,
                      locationPrefix: [UInt8], at loc: SourceLocation, tls: UpstreamTLS? = nil,
                      charset: ResponseCharset? = nil, cgi: CGIRuntime? = nil) throws(ConfigError) -> ProxyRuntime {
        var port = "80"
        if case .address(_, let n)? = url?.target { port = String(n) }
        var keepaliveUpstream = keepaliveUpstream
        // The closures below are formed only when needed: forming one copies the whole Builder it captures.
        var headerList = memo.knownRequestHeaders(p.setHeaders)
        if headerList == nil {
            headerList = try memo.requestHeaders(p.setHeaders) { h throws(ConfigError) in
                (Array(h.name.utf8), Array(h.name.lowercased().utf8), try compile(h.value, at: h.location ?? loc))
            }
        }
        let headers = headerList!.headers
        // nginx reuses upstream connections only when the request is HTTP/1.1 and Connection is not "close". A
        // value with variables (`Connection $args`) is decided per request: the upstream's answer says whether
        // the connection stays open (an empty value sends no header).
        let connectionClose = headers.contains {
            $0.lowercased == Array("connection".utf8) && $0.value.constant.map { !$0.isEmpty } ?? false
        }
        if let cgi {
            // fastcgi_keep_conn on, and the upstream's keepalive (uwsgi and SCGI connections are never reused).
            keepaliveUpstream = keepaliveUpstream && cgi.keepConn
        } else {
            keepaliveUpstream = keepaliveUpstream && p.httpVersion == .http11 && !connectionClose
        }
        let redirect: RedirectRule
        switch p.redirect {
        case .off: redirect = .off
        case .rules(let rules):
            var pairs: [RedirectReplacement] = []
            for r in rules {
                switch r {
                case .default:
                    guard let url else { continue }
                    if let uri = url.uri {
                        pairs.append(RedirectReplacement(from: CompiledTemplate(literal: Array("\(url.scheme)://\(url.hostHeader)\(uri)".utf8)),
                                                         regex: nil, to: CompiledTemplate(literal: locationPrefix)))
                    } else {
                        pairs.append(RedirectReplacement(from: CompiledTemplate(literal: Array("\(url.scheme)://\(url.hostHeader)/".utf8)),
                                                         regex: nil, to: CompiledTemplate(literal: Array("/".utf8))))
                    }
                case .literal(let from, let to):
                    pairs.append(RedirectReplacement(from: try compile(from, at: loc), regex: nil, to: try compile(to, at: loc)))
                case .regex(let pattern, let ci, let to):
                    pairs.append(RedirectReplacement(from: CompiledTemplate(parts: []),
                                                     regex: try compileRegex(pattern, caseless: ci, at: loc), to: try compile(to, at: loc)))
                }
            }
            redirect = pairs.isEmpty ? .off : .replace(pairs)
        }
        let policy = NextUpstreamPolicy(conditions: nextUpstreamConditions(p.nextUpstream), tries: p.nextUpstreamTries,
                                        timeout: p.nextUpstreamTimeout)
        return ProxyRuntime(target: target, proxyHost: Array((url?.hostHeader ?? "").utf8), proxyPort: Array(port.utf8),
                            uriReplacement: url?.uri.map { Array($0.utf8) }, setHeaders: headers, hiddenHeaders: memo.hiddenHeaders(hide: p.hideHeaders + ownTargetFields(p), pass: p.passHeaders),
                            httpVersion11: p.httpVersion == .http11, keepaliveUpstream: keepaliveUpstream,
                            redirect: redirect, nextUpstream: policy, connectTimeoutMillis: millis(p.connectTimeout),
                            sendTimeoutMillis: millis(p.sendTimeout), readTimeoutMillis: millis(p.readTimeout),
                            bufferSize: p.bufferSize, requestBuffering: p.requestBuffering,
                            cache: p.cache.zone == nil ? nil :
                                try CacheLocation.build(p.cache, module: cgi?.cacheModule ?? .proxy,
                                                        ignoreHeaders: p.ignoreHeaders,
                                                        buffering: cgi == nil ? p.buffering : true,   // *_buffering: ignored
                                                        tempPath: p.tempPath,
                                                        zones: cacheZones, at: loc,
                                                        compile: { t throws(ConfigError) in try compile(t, at: loc) }),
                            rewrites: try proxyRewrites(p, at: loc), tls: tls,
                            followsAccelRedirect: !p.ignoreHeaders.contains("X-Accel-Redirect"),
                            honoursAccelLimitRate: !p.ignoreHeaders.contains("X-Accel-Limit-Rate"),
                            setHeaderNames: headerList!.names, socketSetup: try socketSetup(p, at: loc), charset: charset,
                            forceRanges: p.forceRanges, limitRate: p.limitRate, cgi: cgi,
                            store: try storeRuntime(p, at: loc), ignoresClientAbort: p.ignoreClientAbort)
    }

    /// `proxy_store` and `proxy_store_access`, compiled; nil with `proxy_store off`.
    func storeRuntime(_ p: ProxySettings, at loc: SourceLocation) throws(ConfigError) -> StoreRuntime? {
        switch p.store {
        case .off: return nil
        case .mappedURI: return StoreRuntime(path: nil, access: p.storeAccess, tempDirectory: p.tempPath)
        case .path(let t): return StoreRuntime(path: try compile(t, at: loc), access: p.storeAccess, tempDirectory: p.tempPath)
        }
    }

    /// The charset filter of a location (ResponseCharset.swift): nil where neither `charset` nor any `charset_map`
    /// is configured. Two fixed charsets that differ need a `charset_map` between them (either way), else nginx's
    /// `[emerg]`, which it prints without a place.
    func responseCharset(_ content: ContentSettings, http: HTTPConfig, ignoresAccelCharset: Bool = false,
                         at loc: SourceLocation) throws(ConfigError) -> ResponseCharset? {
        let maps = charsetMaps(http)
        if content.charset == nil && maps.isEmpty { return nil }
        let destination = try charsetName(content.charset, at: loc)
        let source = try charsetName(content.sourceCharset, at: loc)
        if case .fixed(let d) = destination, case .fixed(let s) = source, !ASCII.equalsIgnoringCase(d, s),
           maps.table(from: s, to: d) == nil {
            throw ConfigError("no \"charset_map\" between the charsets \"\(content.sourceCharset!)\" and \"\(content.charset!)\"",
                              at: nil)
        }
        return ResponseCharset(destination: destination, source: source, override: content.overrideCharset, maps: maps,
                               types: content.charsetTypes, honoursAccelCharset: !ignoresAccelCharset)
    }

    private func charsetName(_ text: String?, at loc: SourceLocation) throws(ConfigError) -> ResponseCharset.Name {
        guard let text else { return .off }
        guard text.hasPrefix("$") else { return .fixed(Array(text.utf8)) }
        let template: Template
        do { template = try Template(text) } catch { throw ConfigError(error.message, at: loc) }
        return .variable(try compile(template, at: loc))
    }

    /// The http block's maps and charset names, made at the first location that asks.
    func charsetMaps(_ http: HTTPConfig) -> CharsetMaps {
        if let done = memo.charsetMaps { return done }
        var names: [String] = []
        http.forEachSettings { s in
            for n in [s.content.charset, s.content.sourceCharset] { if let n, !n.hasPrefix("$") { names.append(n) } }
        }
        let made = CharsetMaps(http.charsetMaps, names: names)
        memo.charsetMaps = made
        return made
    }

    /// `proxy_bind` (a constant parsed now, one with variables compiled) and `proxy_socket_keepalive`.
    func socketSetup(_ p: ProxySettings, at loc: SourceLocation) throws(ConfigError) -> UpstreamSocketSetup {
        var setup = UpstreamSocketSetup(keepalive: p.socketKeepalive)
        if let b = p.bind {
            setup.transparent = b.transparent
            if b.address.isLiteral { setup.bindAddress = UpstreamSocketSetup.address(b.address.source) } else { setup.bind = try compile(b.address, at: loc) }
        }
        return setup
    }

    /// Targeted fields of switchyard's own (proxy_cache_target_field) are for this cache only, so they are hidden
    /// from clients like proxy_hide_header's; CDN-Cache-Control is for every CDN, one in front of switchyard too,
    /// so it is passed on.
    func ownTargetFields(_ p: ProxySettings) -> [String] {
        p.cache.zone == nil ? [] : p.cache.targetFields.filter { $0 != "cdn-cache-control" }
    }

    /// Config's `proxy_next_upstream` set as Balancing's conditions (an empty set is `off`).
    func nextUpstreamConditions(_ set: Set<NextUpstreamCondition>) -> NextUpstreamPolicy.Conditions {
        var conditions: NextUpstreamPolicy.Conditions = []
        for c in set {
            switch c {
            case .error: conditions.insert(.error)
            case .timeout: conditions.insert(.timeout)
            case .invalidHeader: conditions.insert(.invalidHeader)
            case .http500: conditions.insert(.http500)
            case .http502: conditions.insert(.http502)
            case .http503: conditions.insert(.http503)
            case .http504: conditions.insert(.http504)
            case .http403: conditions.insert(.http403)
            case .http404: conditions.insert(.http404)
            case .http429: conditions.insert(.http429)
            case .nonIdempotent: conditions.insert(.nonIdempotent)
            }
        }
        return conditions
    }

    /// What `proxy_pass` URLs with variables can reach: the upstream blocks by name, and nginx's implicit groups —
    /// every `proxy_pass http://name:port` without variables, resolved while loading. Built only when some
    /// proxy_pass has variables, so other configurations resolve nothing twice.
    func groupsForVariableProxyPass(_ http: HTTPConfig) -> ProxyGroups {
        var groups = ProxyGroups()
        var hasVariables = false
        var statics: [(host: String, port: Int)] = []
        func visit(_ list: [LocationConfig]) {   // by index: see collectVariables
            for i in list.indices {
                switch list[i].handler {
                case .proxy(.dynamic)?, .cgi(_, .dynamic)?: hasVariables = true
                case .proxy(.static(let url))?, .cgi(_, .static(let url))?:
                    if case .address(let host, let port) = url.target { statics.append((host, port)) }
                default: break
                }
                if !list[i].nested.isEmpty { visit(list[i].nested) }
            }
        }
        for i in http.servers.indices { visit(http.servers[i].locations) }
        guard hasVariables else { return groups }
        for (i, u) in upstreams.enumerated() where groups.upstreams[Array(u.name.lowercased().utf8)] == nil {
            groups.upstreams[Array(u.name.lowercased().utf8)] = i
        }
        for (host, port) in statics {
            let key = ProxyGroups.HostPort(host: Array(host.lowercased().utf8), port: UInt16(port))
            if groups.implicit[key] == nil, let a = SocketAddress.resolve(host: host, port: UInt16(port)).first {
                groups.implicit[key] = a
            }
        }
        return groups
    }

    /// nginx's ngx_event_init_conf: a connection for each listening socket, and one more. And its
    /// ngx_event_module_init's warning when worker_connections exceed the descriptors a process may open
    /// (worker_rlimit_nofile, else the limit now); here every worker thread draws on that one limit.
    mutating func checkConnections(listening: Int) throws(ConfigError) {
        let connections = config.events.workerConnections
        if connections < listening + 1 {
            throw ConfigError("\(connections) worker_connections are not enough for \(listening) listening sockets", at: nil)
        }
        var rl = rlimit()
        guard let limit = config.main.workerRlimitNofile
                ?? (getrlimit(Int32(RLIMIT_NOFILE.rawValue), &rl) == 0 && rl.rlim_cur != rlim_t.max ? Int(rl.rlim_cur) : nil),
              connections > limit else { return }
        warnings.append(ConfigDiagnostic(level: .warn, message: "\(connections) worker_connections exceed open file resource limit: \(limit)",
                                         location: nil))
    }

    /// nginx opens every log file while loading, so one it cannot open stops a start or a reload. `-t` opens
    /// nothing and asks whether the open would succeed instead (`probeFiles`).
    mutating func checkOpened(_ path: String, _ openError: Int32?, at location: SourceLocation?) {
        guard fileFailure == nil, let e = openFiles ? openError : (probeFiles ? LogFileOpener.probe(path) : nil) else { return }
        fileFailure = ConfigError("open() \"\(path)\" failed (\(e): \(Syscall.describe(e)))", at: location)
    }

    func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : (prefix.hasSuffix("/") ? prefix + path : prefix + "/" + path)
    }
}

func millis(_ d: Duration) -> Int {
    let (s, a) = d.components
    return Int(s) * 1000 + Int(a / 1_000_000_000_000_000)
}

private func errnoNow() -> Int32 { errno }

private func sysconfCores() -> Int { sysconf(Int32(_SC_NPROCESSORS_ONLN)) }

/// What `Builder.location` reads of a `LocationConfig` besides its settings (nothing, for a server's fallback and an
/// `if` block's implicit location). An optional LocationConfig in its place cost a copy and a nil store of the
/// whole struct at every location built.
struct LocationOwn {
    var handler: LocationHandler? = nil
    var healthChecks: [HealthCheck] = []
    var limitExcept: LimitExcept? = nil

    static let none = LocationOwn()

    private init() {}

    /// A server's fallback: the handler written at server level, if any.
    init(handler: LocationHandler?) { self.handler = handler }

    init(_ l: LocationConfig) {
        handler = l.handler
        healthChecks = l.healthChecks
        limitExcept = l.limitExcept
    }
}

extension RuntimeBuilder {
    /// nginx's slice filter starts only once `$slice_range` is evaluated: a location that sends it upstream
    /// (`proxy_set_header`, `fastcgi_param`, `uwsgi_param`, `scgi_param`) or keys its cache with it. A `slice`
    /// without either proxies as usual.
    static func sendsSliceRange(_ s: HTTPSettings) -> Bool {
        func uses(_ t: Template) -> Bool { t.variableNames.contains { $0.lowercased() == "slice_range" } }
        return s.proxy.setHeaders.contains { uses($0.value) } || uses(s.proxy.cache.key)
            || s.fastcgi.family.params.contains { uses($0.value) } || s.uwsgi.family.params.contains { uses($0.value) }
            || s.scgi.params.contains { uses($0.value) }
    }
}
