/// Freezing the drafts: merge settings down, fill nginx's defaults, and check cross-references
/// (upstream names, cache zones, log formats, default servers) with the location of the culprit.
extension ConfigBuilder {
    func finish() throws -> Configuration {
        guard let events else { throw ConfigError("no \"events\" section in configuration", at: nil) }
        var httpConfig: HTTPConfig?
        if let http { httpConfig = try finish(http) }
        return Configuration(main: main, events: events, http: httpConfig, files: [], diagnostics: diagnostics)
    }

    private func finish(_ http: HTTPDraft) throws -> HTTPConfig {
        let upstreams = try http.upstreams.map { draft in
            try checkBalancing(draft)
            return draft.freeze()
        }
        let context = FinishContext(
            upstreams: Set(upstreams.map(\.name)),
            upstreamsByLowercase: Dictionary(upstreams.map { ($0.name.lowercased(), $0.name) }, uniquingKeysWith: { a, _ in a }),
            zones: Dictionary(http.cachePaths.map { ($0.zoneName, $0.module) }, uniquingKeysWith: { a, _ in a }),
            formats: Set(http.logFormats.map { $0.name.lowercased() }),
            zonedUpstreams: Set(upstreams.filter { $0.zone != nil }.map(\.name)), matches: Set(http.matches.map(\.name)),
            limitZones: Dictionary(http.limitZones.map { ($0.name, $0.directiveName) }, uniquingKeysWith: { a, _ in a }),
            mergeLocation: http.end)
        var servers: [ServerConfig] = []
        var defaultServers: [ListenAddress: SourceLocation] = [:]
        // Servers no directive wrote settings in (listen and server_name are not settings) all merge to the same
        // value: merged once, one box shared by all.
        var untouched: SettingsBox? = nil
        var untouchedBelowUntouched: SettingsBox? = nil
        // Each server's drafts are let go once frozen (taken from the list in order), so the memory they held
        // serves the configuration built next instead of fresh pages.
        var drafts = http.servers
        http.servers = []
        drafts.reverse()
        while let draft = drafts.popLast() {
            let box: SettingsBox
            if !draft.touched, let known = untouched {
                box = known   // checked as the first of them was
            } else {
                let settings = merged(draft.takeSettings(), from: http.settings)
                try check(settings, context, at: draft.location)
                box = SettingsBox(settings)
                if !draft.touched { untouched = box }
            }
            var listens = draft.listens
            if listens.isEmpty {
                listens = [Listen(address: .inet(host: "*", port: options.defaultListenPort), location: draft.location)]
            }
            for listen in listens where listen.defaultServer {
                if defaultServers[listen.address] != nil {
                    throw ConfigError("a duplicate default server for \(listen.address)", at: listen.location)
                }
                defaultServers[listen.address] = listen.location
            }
            // Below servers that set nothing (one parent value for all), an untouched location is shared by all.
            var untouchedBelow: SettingsBox? = nil
            let locations = try draft.locations.map { location in
                try draft.touched
                    ? freeze(location, parent: box, context, untouchedSibling: &untouchedBelow)
                    : freeze(location, parent: box, context, untouchedSibling: &untouchedBelowUntouched)
            }
            var server = ServerConfig(
                listens: listens, names: draft.names.isEmpty ? [.exact("")] : draft.names, settingsBox: box,
                rewrites: draft.rewrites, locations: locations, location: draft.location)
            server.handler = draft.handler
            servers.append(server)
        }
        try check(http.settings, context, at: http.location, merged: false)
        try http.checkZoneSizes()
        try checkHashSizes(servers: servers, maps: http.maps)
        warnConflictingNames(servers)
        return HTTPConfig(
            settings: http.settings, servers: servers, upstreams: upstreams, logFormats: http.logFormats,
            maps: http.maps, splitClients: http.splitClients, geos: http.geos, cachePaths: http.cachePaths,
            limitZones: http.limitZones, matches: http.matches, charsetMaps: http.charsetMaps)
    }

    private struct FinishContext {
        let upstreams: Set<String>
        /// nginx finds an upstream by its name in any case (`proxy_pass http://App;` reaches `upstream app`).
        let upstreamsByLowercase: [String: String]
        func upstream(named name: String) -> String? {
            upstreams.contains(name) ? name : upstreamsByLowercase[name.lowercased()]
        }
        /// Cache zone name → the module whose `*_cache_path` declared it.
        let zones: [String: CacheModule]
        let formats: Set<String>
        /// Upstreams with a `zone` (the ones `health_check` may check) and the `match` blocks' names.
        let zonedUpstreams: Set<String>
        let matches: Set<String>
        /// Zone name → the directive that declared it (`limit_req_zone` or `limit_conn_zone`).
        let limitZones: [String: String]
        /// Where nginx reports what it finds while merging the levels: the http block's closing `}`.
        let mergeLocation: SourceLocation
    }

    /// `untouchedSibling`: the settings of a location that set none under the same parent settings, which this one
    /// shares if it sets none either (they merge to the same value: `location = /health { return 200; }` in every
    /// server, say).
    ///
    /// No HTTPSettings lives in this frame (the parent and the result are boxes): `freeze` recurses once per
    /// nesting level, and each HTTPSettings slot in its frame (a debug build has several per value) costs depth
    /// the stack allows (ConfigDepthTests).
    private func freeze(_ draft: LocationDraft, parent: SettingsBox, _ context: FinishContext,
                        untouchedSibling: inout SettingsBox?) throws -> LocationConfig {
        let shared = draft.touched ? nil : untouchedSibling
        let box = try shared ?? settled(draft, parent: parent, context)
        var handler = draft.handler
        switch handler {
        case .proxy(.static(let url))?:
            handler = .proxy(.static(try resolve(url, context)))
        case .cgi(let wire, .static(let url))?:
            handler = .cgi(wire, .static(try resolve(url, context)))
        case .jvmRouteStatus(let name)?:
            guard let canonical = context.upstream(named: name) else {
                throw ConfigError("no upstream \"\(name)\" for \"jvm_route_status\"", at: draft.location)
            }
            handler = .jvmRouteStatus(upstream: canonical)
        default:
            break
        }
        if !draft.healthChecks.isEmpty { try checkHealthChecks(draft.healthChecks, handler: handler, context) }
        var untouchedBelow: SettingsBox? = nil
        let nested = try draft.nested.map { location in
            try freeze(location, parent: box, context, untouchedSibling: &untouchedBelow)
        }
        let limitExcept = try draft.limitExcept.map { l in try freezeLimitExcept(l, parent: box, context) }
        let rewrites = try freezeIfs(draft.rewrites, parentBox: box, context)
        if !draft.touched { untouchedSibling = box }
        return LocationConfig(
            match: draft.match, settingsBox: box, handler: handler, rewrites: rewrites, nested: nested,
            location: draft.location, limitExcept: limitExcept, healthChecks: draft.healthChecks)
    }

    /// A location's own settings merged from its parent's, checked, and boxed (out of `freeze`'s frame).
    @inline(never)
    private func settled(_ draft: LocationDraft, parent: SettingsBox, _ context: FinishContext) throws -> SettingsBox {
        let settings = merged(draft.takeSettings(), from: parent.value)
        try check(settings, context, at: draft.location)
        return SettingsBox(settings)
    }

    /// `freezeIfs` from a box, out of `freeze`'s frame.
    @inline(never)
    private func freezeIfs(_ steps: [RewriteStep], parentBox: SettingsBox, _ context: FinishContext) throws -> [RewriteStep] {
        steps.isEmpty ? steps : try freezeIfs(steps, parent: parentBox.value, context)
    }

    /// `consuming`: the taken draft settings are merged where they are, not copied first.
    private func merged(_ settings: consuming HTTPSettings, from parent: HTTPSettings) -> HTTPSettings {
        merge(&settings, from: parent)
        return settings
    }

    /// `health_check` checks the upstream group the location's `proxy_pass` names, which must have a `zone`
    /// (nginx Plus: the group must reside in shared memory); its `match` must exist.
    @inline(never)
    private func checkHealthChecks(_ checks: [HealthCheck], handler: LocationHandler?, _ context: FinishContext) throws {
        for check in checks {
            guard case .proxy(.static(let url))? = handler, case .upstream(let name) = url.target,
                  context.upstreams.contains(name)
            else {
                throw ConfigError("\"health_check\" requires \"proxy_pass\" to an upstream group", at: check.location)
            }
            if !context.zonedUpstreams.contains(name) {
                throw ConfigError("upstream \"\(name)\" must reside in shared memory", at: check.location)
            }
            if let match = check.match, !context.matches.contains(match) {
                throw ConfigError("match \"\(match)\" not found", at: check.location)
            }
        }
    }

    /// `limit_except`'s block merged from its location. Out of line: `freeze` recurses once per nesting level, and
    /// a second HTTPSettings in its frame would halve the depth the stack allows (ConfigDepthTests).
    @inline(never)
    private func freezeLimitExcept(_ l: (methods: [String], draft: LocationDraft),
                                   parent: SettingsBox, _ context: FinishContext) throws -> LimitExcept {
        var inner = l.draft.takeSettings()
        let ownsLocation = l.draft.handler != nil || inner.logging.$accessLogs.isSet
        merge(&inner, from: parent.value)
        try check(inner, context, at: l.draft.location)
        var handler = l.draft.handler
        if case .proxy(.static(let url))? = handler { handler = .proxy(.static(try resolve(url, context))) }
        return LimitExcept(methods: Set(l.methods), settings: inner, location: l.draft.location, handler: handler,
                           ownsLocation: ownsLocation)
    }

    /// The settings of each location-level `if` block, merged from the level around it, as a location's are.
    private func freezeIfs(_ steps: [RewriteStep], parent: HTTPSettings, _ context: FinishContext) throws -> [RewriteStep] {
        try steps.map { step in
            guard case .if(var block) = step, var settings = block.settings else { return step }
            merge(&settings, from: parent)
            try check(settings, context, at: block.location)
            block.settings = settings
            if case .proxy(.static(let url))? = block.handler { block.handler = .proxy(.static(try resolve(url, context))) }
            if case .cgi(let wire, .static(let url))? = block.handler { block.handler = .cgi(wire, .static(try resolve(url, context))) }
            block.steps = try freezeIfs(block.steps, parent: settings, context)
            return .if(block)
        }
    }

    /// `proxy_pass http://NAME` names an upstream when one exists; otherwise NAME must be an address or
    /// a host that resolves, as nginx requires at load time. nginx names the host alone (its implicit upstream's
    /// host, resolved after the URL was parsed), not the port written with it.
    private func resolve(_ url: ProxyURL, _ context: FinishContext) throws -> ProxyURL {
        if case .address(let host, _) = url.target {
            guard HostPort.isIPLiteral(host) || options.resolveHost(host) else {
                throw ConfigError("host not found in upstream \"\(host)\"", at: url.location)
            }
            return url
        }
        guard case .upstream(let name) = url.target else { return url }
        if let canonical = context.upstream(named: name) {
            return ProxyURL(scheme: url.scheme, target: .upstream(canonical), hostHeader: url.hostHeader, uri: url.uri,
                            location: url.location)
        }
        // fastcgi_pass, uwsgi_pass and scgi_pass have no default port: a name that is no upstream block needs one
        // (nginx's words).
        if url.scheme == "suwsgi" || CGIProtocol(rawValue: url.scheme) != nil { throw ConfigError("no port in upstream \"\(name)\"", at: url.location) }
        guard HostPort.isIPLiteral(name) || options.resolveHost(name) else {
            throw ConfigError("host not found in upstream \"\(name)\"", at: url.location)
        }
        let port = url.scheme == "https" ? 443 : 80
        return ProxyURL(
            scheme: url.scheme, target: .address(host: name, port: port), hostHeader: url.hostHeader, uri: url.uri,
            location: url.location)
    }

    /// `merged`: a level below http, merged from its parent. nginx makes its merge-time checks (the buffers') only
    /// there: http's own settings meet them in each server.
    private func check(_ settings: HTTPSettings, _ context: FinishContext, at location: SourceLocation,
                       merged: Bool = true) throws {
        if merged {
            // ngx_http_core_module's server merge (a location has its server's values).
            if settings.client.largeHeaderBuffers.size < settings.client.connectionPoolSize {
                throw ConfigError("the \"large_client_header_buffers\" size must be equal to or greater than \"connection_pool_size\"",
                                  at: context.mergeLocation)
            }
            if let problem = UpstreamBuffers.firstProblem(settings) { throw ConfigError(problem, at: context.mergeLocation) }
        }
        try checkCacheZone(settings.proxy.cache, .proxy, context, at: location, merged: merged)
        try checkCacheZone(settings.fastcgi.family.cache, .fastcgi, context, at: location, merged: merged)
        try checkCacheZone(settings.uwsgi.family.cache, .uwsgi, context, at: location, merged: merged)
        try checkCacheZone(settings.scgi.cache, .scgi, context, at: location, merged: merged)
        for log in settings.logging.accessLogs where !context.formats.contains(log.format.lowercased()) {
            throw ConfigError("unknown log format \"\(log.format)\"", at: log.location ?? location)
        }
        for limit in settings.limits.requests {
            try checkLimitZone(limit.zone, declaredBy: "limit_req_zone", context, at: limit.location)
        }
        for limit in settings.limits.connections {
            try checkLimitZone(limit.zone, declaredBy: "limit_conn_zone", context, at: limit.location)
        }
    }

    /// A location's `*_cache zone`: declared by that module's `*_cache_path` (another module's zone is nginx's
    /// "different use"). `*_cache $variable` names its zone per request (an unknown one is a 500 then, as in nginx).
    /// nginx finds an unknown zone as it merges a level (reported at the http block's `}`); one only http names, with
    /// no server to inherit it, is left for its shared memory check ("zero size", without a place).
    private func checkCacheZone(_ cache: UpstreamCacheSettings, _ module: CacheModule, _ context: FinishContext,
                                at location: SourceLocation, merged: Bool) throws {
        guard let zone = cache.zone else { return }
        if !zone.contains("$") {
            guard let owner = context.zones[zone] else {
                if !merged { throw ConfigError("zero size shared memory zone \"\(zone)\"", at: nil) }
                throw ConfigError("\"\(module.prefix)_cache\" zone \"\(zone)\" is unknown", at: context.mergeLocation)
            }
            if owner != module { throw DirectiveTable.differentUse(zone, location) }
        }
        // The CGI modules have no default key: nginx warns as it merges each level that caches, and then keys every
        // response with the empty string (CacheLocation.build does the same).
        if module != .proxy && !cache.$key.isSet {
            warn("no \"\(module.prefix)_cache_key\" for \"\(module.prefix)_cache\"", at: location)
        }
    }

    /// A zone `limit_req` or `limit_conn` names: nginx adds it as a zero-size zone that only the matching
    /// `*_zone` directive gives a size, so an undeclared one fails as that, and another module's as a clash.
    private func checkLimitZone(_ name: String, declaredBy directive: String, _ context: FinishContext,
                                at location: SourceLocation) throws {
        guard let declared = context.limitZones[name] else {
            if context.zones[name] != nil { throw DirectiveTable.differentUse(name, location) }
            throw ConfigError("zero size shared memory zone \"\(name)\"", at: location)
        }
        if declared != directive { throw DirectiveTable.differentUse(name, location) }
    }

    /// Two servers on one address with the same name: the first wins, as in nginx, which says so for an exact
    /// name and a wildcard alike (`*.a.com` and `.a.com` are one wildcard, and `.a.com` holds `a.com` too).
    private func warnConflictingNames(_ servers: [ServerConfig]) {
        struct Key: Hashable { let address: ListenAddress; let name: String }
        var seen: Set<Key> = []
        for i in servers.indices {
            for listen in servers[i].listens {
                for name in servers[i].names {
                    let keys: [String], text: String
                    switch name {
                    case .exact(let n) where !n.isEmpty: (keys, text) = (["=" + n], n)
                    case .wildcardPrefix(let n) where n.hasPrefix("."): (keys, text) = (["=" + n.dropFirst(), "*" + n], n)
                    case .wildcardPrefix(let n): (keys, text) = (["*" + n.dropFirst()], n)
                    case .wildcardSuffix(let n): (keys, text) = (["+" + n], n)
                    default: continue   // regexes are tried in order, and nginx lets two be equal
                    }
                    // Every part is looked up before any is kept: a name that conflicts leaves nothing behind.
                    if keys.contains(where: { seen.contains(Key(address: listen.address, name: $0)) }) {
                        warn("conflicting server name \"\(text)\" on \(listen.address), ignored", at: nil)
                    } else {
                        for k in keys { seen.insert(Key(address: listen.address, name: k)) }
                    }
                }
            }
        }
    }

    /// ip_hash and hash cannot honour `backup` (nginx refuses the combination).
    private func checkBalancing(_ draft: UpstreamDraft) throws {
        switch draft.balancing {
        case .ipHash, .hash, .random:
            if let server = draft.servers.first(where: \.backup) {
                throw ConfigError("balancing method does not support parameter \"backup\"", at: server.location)
            }
        case .roundRobin, .leastConn:
            break
        }
    }
}
