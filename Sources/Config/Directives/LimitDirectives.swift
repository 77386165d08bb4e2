/// ngx_http_limit_req_module (`limit_req_zone`, `limit_req`, `limit_req_*`) and ngx_http_limit_conn_module
/// (`limit_conn_zone`, `limit_conn`, `limit_conn_*`), with nginx's wording for every refusal.
extension DirectiveTable {
    static var limits: [DirectiveSpec] {
        [
        DirectiveSpec("limit_req_zone", [.http], .range(3, 4), .custom { builder, directive in
            try declare(try requestZone(builder, directive), builder, directive)
        }),
        DirectiveSpec("limit_conn_zone", [.http], .exactly(2), .custom { builder, directive in
            let key = try Values.template(directive, directive.arguments[0])
            var zone: (name: String, size: Int)?
            for argument in directive.arguments.dropFirst() {
                guard Values.parameter(argument, "zone") != nil else { throw Values.invalidParameter(directive, argument.text) }
                zone = try zoneParameter(argument, directive)
            }
            guard let zone else { throw mustHaveZone(directive) }
            try declare(LimitZoneConfig(name: zone.name, size: zone.size, key: key, keyText: directive.arguments[0].text,
                                        kind: .connections, location: directive.location), builder, directive)
        }),
        DirectiveSpec("limit_req", anyHTTPLevel, .range(1, 3), .append(\.modules.limits.$requests) { builder, directive in
            let limit = try requestLimit(directive)
            let current = builder.settings.limits.$requests
            if current.isSet, current.wrappedValue.contains(where: { $0.zone == limit.zone }) {
                throw ConfigError("\"limit_req\" directive is duplicate", at: directive.location)
            }
            return [limit]
        }),
        DirectiveSpec("limit_conn", anyHTTPLevel, .exactly(2), .append(\.modules.limits.$connections) { builder, directive in
            let text = directive.arguments[1].text
            guard text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let count = Int(text), count > 0 else {
                throw ConfigError("invalid number of connections \"\(text)\"", at: directive.location)
            }
            guard count <= 65535 else { throw ConfigError("connection limit must be less 65536", at: directive.location) }
            let zone = directive.arguments[0].text
            let current = builder.settings.limits.$connections
            if current.isSet, current.wrappedValue.contains(where: { $0.zone == zone }) {
                throw ConfigError("\"limit_conn\" directive is duplicate", at: directive.location)
            }
            return [ConnectionLimit(zone: zone, count: count, location: directive.location)]
        }),
        DirectiveSpec("limit_req_log_level", anyHTTPLevel, .exactly(1), .value(\.modules.limits.$requestLogLevel, logLevel)),
        DirectiveSpec("limit_conn_log_level", anyHTTPLevel, .exactly(1), .value(\.modules.limits.$connectionLogLevel, logLevel)),
        DirectiveSpec("limit_req_status", anyHTTPLevel, .exactly(1), .value(\.modules.limits.$requestStatus, status)),
        DirectiveSpec("limit_conn_status", anyHTTPLevel, .exactly(1), .value(\.modules.limits.$connectionStatus, status)),
        DirectiveSpec("limit_req_dry_run", anyHTTPLevel, .exactly(1), .flag(\.modules.limits.$requestDryRun)),
        DirectiveSpec("limit_conn_dry_run", anyHTTPLevel, .exactly(1), .flag(\.modules.limits.$connectionDryRun)),
        ]
    }

    /// `limit_req_zone key zone=name:size rate=Nr/s|Nr/m`.
    private static func requestZone(_ builder: ConfigBuilder, _ directive: Directive) throws -> LimitZoneConfig {
        let key = try Values.template(directive, directive.arguments[0])
        var zone: (name: String, size: Int)?
        var rate = 1000
        for argument in directive.arguments.dropFirst() {
            if Values.parameter(argument, "zone") != nil {
                zone = try zoneParameter(argument, directive)
            } else if let value = Values.parameter(argument, "rate") {
                rate = try requestRate(value, argument, directive)
            } else if argument.text == "sync" {
                throw ConfigError(
                    "\"sync\" in \"limit_req_zone\" needs nginx Plus's zone_sync; switchyard's zone is already shared by all its workers, remove \"sync\"",
                    at: directive.location)
            } else {
                throw Values.invalidParameter(directive, argument.text)
            }
        }
        guard let zone else { throw mustHaveZone(directive) }
        return LimitZoneConfig(name: zone.name, size: zone.size, key: key, keyText: directive.arguments[0].text,
                               kind: .requests(rate: rate), location: directive.location)
    }

    /// `Nr/s` or `Nr/m` (a bare `N` is per second, as nginx reads it), in nginx's unit: 1000 per request a second.
    private static func requestRate(_ value: String, _ argument: Argument, _ directive: Directive) throws -> Int {
        var digits = Substring(value)
        var scale = 1
        if value.hasSuffix("r/s") {
            digits = digits.dropLast(3)
        } else if value.hasSuffix("r/m") {
            digits = digits.dropLast(3)
            scale = 60
        }
        // nginx's ngx_atoi: digits only, and a rate that would overflow is refused like a bad one.
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let rate = Int(digits), rate > 0,
              rate <= Int.max / 1000
        else { throw ConfigError("invalid rate \"\(argument.text)\"", at: directive.location) }
        return max(1, rate * 1000 / scale)
    }

    /// `zone=name:size`, at least nginx's eight pages.
    private static func zoneParameter(_ argument: Argument, _ directive: Directive) throws -> (name: String, size: Int) {
        let value = argument.text.dropFirst(5)
        guard let colon = value.firstIndex(of: ":"), let size = Units.size(String(value[value.index(after: colon)...])) else {
            throw ConfigError("invalid zone size \"\(argument.text)\"", at: directive.location)
        }
        guard size >= 8 * 4096 else { throw ConfigError("zone \"\(argument.text)\" is too small", at: directive.location) }
        let name = String(value[..<colon])
        guard !name.isEmpty else { throw mustHaveZone(directive) }
        return (name, size)
    }

    private static func mustHaveZone(_ directive: Directive) -> ConfigError {
        ConfigError("\"\(directive.name)\" must have \"zone\" parameter", at: directive.location)
    }

    /// A zone name is one shared memory zone: declared once, by one module (proxy_cache's keys zones included).
    private static func declare(_ zone: LimitZoneConfig, _ builder: ConfigBuilder, _ directive: Directive) throws {
        let http = builder.http!
        if let existing = http.limitZones.first(where: { $0.name == zone.name }) {
            if existing.directiveName == zone.directiveName {
                throw ConfigError("\(zone.directiveName) \"\(zone.name)\" is already bound to key \"\(existing.keyText)\"",
                                  at: directive.location)
            }
            throw differentUse(zone.name, directive.location)
        }
        if http.cachePaths.contains(where: { $0.zoneName == zone.name }) || http.isUpstreamZone(zone.name) {
            throw differentUse(zone.name, directive.location)
        }
        http.limitZones.append(zone)
    }

    static func differentUse(_ name: String, _ location: SourceLocation?) -> ConfigError {
        ConfigError("the shared memory zone \"\(name)\" is already declared for a different use", at: location)
    }

    /// `limit_req zone=name [burst=N] [nodelay | delay=N]`.
    private static func requestLimit(_ directive: Directive) throws -> RequestLimit {
        var zone: String?
        var burst = 0
        var delay = 0
        for argument in directive.arguments {
            if let value = Values.parameter(argument, "zone") {
                zone = value
            } else if let value = Values.parameter(argument, "burst") {
                guard let n = positive(value) else { throw ConfigError("invalid burst value \"\(argument.text)\"", at: directive.location) }
                burst = n
            } else if let value = Values.parameter(argument, "delay") {
                guard let n = positive(value) else { throw ConfigError("invalid delay value \"\(argument.text)\"", at: directive.location) }
                delay = n
            } else if argument.text == "nodelay" {
                delay = Int.max
            } else {
                throw Values.invalidParameter(directive, argument.text)
            }
        }
        guard let zone else { throw mustHaveZone(directive) }
        return RequestLimit(zone: zone, burst: burst, delay: delay, location: directive.location)
    }

    /// A count nginx's ngx_atoi accepts and the handler keeps (over zero); huge values are refused rather than
    /// overflowing the thousandths the zone counts in.
    private static func positive(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let n = Int(text), n > 0, n <= Int.max / 1000
        else { return nil }
        return n
    }

    /// `limit_req_log_level` / `limit_conn_log_level`: info, notice, warn or error.
    private static func logLevel(_ builder: ConfigBuilder, _ directive: Directive) throws -> LogLevel {
        let text = directive.arguments[0].text
        // nginx's enum slot: any case.
        guard let level = LogLevel(rawValue: text.lowercased()), [.info, .notice, .warn, .error].contains(level) else {
            throw ConfigError("invalid value \"\(text)\"", at: directive.location)
        }
        return level
    }

    /// `limit_req_status` / `limit_conn_status`: nginx's number slot bounded to 400-599.
    private static func status(_ builder: ConfigBuilder, _ directive: Directive) throws -> Int {
        let code = try Values.number(directive, directive.arguments[0])
        guard (400...599).contains(code) else {
            throw ConfigError("\"\(directive.name)\" directive value must be between 400 and 599", at: directive.location)
        }
        return code
    }
}
