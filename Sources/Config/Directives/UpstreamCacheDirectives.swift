/// The response cache's directives, one row set per module prefix (`proxy`, `fastcgi`, `uwsgi`, `scgi`)
/// filling that module's `UpstreamCacheSettings`: nginx declares the same slots in each module, with the same
/// arguments, defaults and messages. The proxy module's own extras (`proxy_cache_convert_head`,
/// `proxy_cache_target_field`) stay in ProxyDirectives.
extension DirectiveTable {
    static func upstreamCache(_ module: CacheModule, _ cache: WritableKeyPath<HTTPSettings, UpstreamCacheSettings>)
        -> [DirectiveSpec] {
        let any = anyHTTPLevel, prefix = module.prefix
        func at<Value>(_ path: WritableKeyPath<UpstreamCacheSettings, Setting<Value>>) -> SettingPath<Value> {
            cache.appending(path: path)
        }
        return [
        DirectiveSpec("\(prefix)_cache", any, .exactly(1), .value(at(\.$zone)) { builder, directive in
            let zone = directive.arguments[0].text
            if zone == "off" { return nil }
            if module == .proxy && builder.settings.proxy.$store.isSet && builder.settings.proxy.store != .off {
                throw ConfigError("\"proxy_cache\" directive is incompatible with \"proxy_store\"", at: directive.location)
            }
            return zone
        }),
        DirectiveSpec("\(prefix)_cache_key", any, .exactly(1), .value(at(\.$key)) { _, directive in
            try Values.template(directive, directive.arguments[0])
        }),
        DirectiveSpec("\(prefix)_cache_valid", any, .atLeast(1), .append(at(\.$valid)) { _, directive in
            [try cacheValid(directive)]
        }),
        // A bitmask in nginx: GET and HEAD are always in it, so naming them again is no duplicate here.
        DirectiveSpec("\(prefix)_cache_methods", any, .atLeast(1), .accumulate(at(\.$methods)) {
            _, directive, current in
            let known = ["GET", "HEAD", "POST", "PUT", "DELETE", "MKCOL", "COPY", "MOVE", "OPTIONS", "PROPFIND",
                         "PROPPATCH", "LOCK", "UNLOCK", "PATCH"]
            var methods: Set<String> = current ?? ["GET", "HEAD"]
            for argument in directive.arguments {
                guard known.contains(argument.text.uppercased()) else {
                    throw ConfigError("invalid value \"\(argument.text)\"", at: directive.location)
                }
                methods.insert(argument.text.uppercased())
            }
            return methods
        }),
        DirectiveSpec("\(prefix)_cache_min_uses", any, .exactly(1), .number(at(\.$minUses))),
        DirectiveSpec("\(prefix)_cache_bypass", any, .atLeast(1), .append(at(\.$bypass)) { _, directive in
            try directive.arguments.map { try Values.template(directive, $0) }
        }),
        DirectiveSpec("\(prefix)_no_cache", any, .atLeast(1), .append(at(\.$noCache)) { _, directive in
            try directive.arguments.map { try Values.template(directive, $0) }
        }),
        DirectiveSpec("\(prefix)_cache_use_stale", any, .atLeast(1), .accumulate(at(\.$useStale)) {
            builder, directive, current in
            let known: Set<String> = ["error", "timeout", "invalid_header", "updating", "http_500", "http_502",
                                      "http_503", "http_504", "http_403", "http_404", "http_429"]
            return try bitmaskWithOff(builder, directive, current) { known.contains($0) ? $0 : nil }
        }),
        DirectiveSpec("\(prefix)_cache_background_update", any, .exactly(1), .flag(at(\.$backgroundUpdate))),
        DirectiveSpec("\(prefix)_cache_lock", any, .exactly(1), .flag(at(\.$lock))),
        DirectiveSpec("\(prefix)_cache_lock_timeout", any, .exactly(1), .milliseconds(at(\.$lockTimeout))),
        DirectiveSpec("\(prefix)_cache_lock_age", any, .exactly(1), .milliseconds(at(\.$lockAge))),
        DirectiveSpec("\(prefix)_cache_revalidate", any, .exactly(1), .flag(at(\.$revalidate))),
        DirectiveSpec("\(prefix)_cache_max_range_offset", any, .exactly(1), .value(at(\.$maxRangeOffset)) {
            _, directive in try Values.offset(directive, directive.arguments[0])
        }),
        DirectiveSpec("\(prefix)_cache_path", [.http], .atLeast(2), .custom { builder, directive in
            let path = try cachePath(builder, directive, module)
            let http = builder.http!
            // One name, one shared memory zone: a second declaration by the same module is a duplicate, by
            // another module (or limit_req_zone / limit_conn_zone) a different use, as nginx's zone tags make it.
            if let other = http.cachePaths.first(where: { $0.zoneName == path.zoneName }) {
                if other.module == module { throw ConfigError("duplicate zone \"\(path.zoneName)\"", at: directive.location) }
                throw differentUse(path.zoneName, directive.location)
            }
            if http.limitZones.contains(where: { $0.name == path.zoneName }) || http.isUpstreamZone(path.zoneName) {
                throw differentUse(path.zoneName, directive.location)
            }
            http.cachePaths.append(path)
        }),
        ]
    }

    private static func cacheValid(_ directive: Directive) throws -> CacheValid {
        var arguments = directive.arguments
        let last = arguments.removeLast()
        guard let seconds = Units.seconds(last.text) else {
            throw ConfigError("invalid time value \"\(last.text)\"", at: directive.location)   // nginx's words
        }
        let time = Duration.seconds(seconds)
        if arguments.isEmpty { return CacheValid(codes: .list([200, 301, 302]), time: time) }
        let codes = try arguments.filter { $0.text != "any" }.map { argument in
            guard let code = Values.decimal(argument.text), (100...599).contains(code) else {
                throw ConfigError("invalid status \"\(argument.text)\"", at: directive.location)   // nginx's words
            }
            return code
        }
        // `any` among codes (nginx takes `200 any 10m`): every status gets this time, the codes beside it too.
        if codes.count < arguments.count { return CacheValid(codes: .any, time: time) }
        return CacheValid(codes: .list(codes), time: time)
    }

    private static func cachePath(_ builder: ConfigBuilder, _ directive: Directive, _ module: CacheModule) throws -> CachePath {
        let path = builder.absolutePath(directive.arguments[0].text)
        var levels: [Int] = []
        var zone: (String, Int)?
        var inactive = Duration.seconds(600)
        var maxSize: Int?
        var minFree: Int?
        var useTempPath = true
        var pacing = CachePacing()
        func invalid(_ argument: Argument) -> ConfigError {
            ConfigError("invalid \(argument.text.split(separator: "=").first ?? "") value \"\(argument.text)\"", at: directive.location)
        }
        for argument in directive.arguments.dropFirst() {
            if let value = Values.parameter(argument, "levels") {
                let parts = value.split(separator: ":", omittingEmptySubsequences: false)
                levels = parts.compactMap { Values.decimal($0) }
                guard levels.count == parts.count, (1...3).contains(levels.count), levels.allSatisfy({ $0 == 1 || $0 == 2 })
                else { throw ConfigError("invalid \"levels\" \"\(argument.text)\"", at: directive.location) }
            } else if let value = Values.parameter(argument, "keys_zone") {
                // nginx: the size after the first `:`, at least two pages; an empty name is a missing keys_zone.
                guard let colon = value.firstIndex(of: ":"), let size = Units.size(String(value[value.index(after: colon)...]))
                else { throw ConfigError("invalid keys zone size \"\(argument.text)\"", at: directive.location) }
                if size < 2 * 4096 { throw ConfigError("keys zone \"\(argument.text)\" is too small", at: directive.location) }
                zone = (String(value[..<colon]), size)
            } else if let value = Values.parameter(argument, "inactive") {
                guard let seconds = Units.seconds(value) else { throw invalid(argument) }
                inactive = .seconds(seconds)
            } else if let value = Values.parameter(argument, "max_size") {
                guard let size = Units.offset(value) else { throw invalid(argument) }
                maxSize = size
            } else if let value = Values.parameter(argument, "min_free") {
                guard let size = Units.offset(value) else { throw invalid(argument) }
                minFree = size
            } else if let value = Values.parameter(argument, "use_temp_path") {
                guard value == "on" || value == "off" else { throw invalid(argument) }
                useTempPath = value == "on"
            } else if let (name, value) = Self.pacingParameter(argument) {
                // nginx's ngx_atoi for the counts and ngx_parse_time (milliseconds) for the times.
                let number: Int?
                if name.hasSuffix("_files") {
                    number = value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) && !value.isEmpty ? Int(value) : nil
                } else {
                    number = Units.milliseconds(value)
                }
                guard let number else { throw invalid(argument) }
                switch name {
                case "loader_files": pacing.loaderFiles = number
                case "loader_sleep": pacing.loaderSleepMillis = number
                case "loader_threshold": pacing.loaderThresholdMillis = number
                case "manager_files": pacing.managerFiles = number
                case "manager_sleep": pacing.managerSleepMillis = number
                default: pacing.managerThresholdMillis = number
                }
            } else {
                throw ConfigError("invalid parameter \"\(argument.text)\"", at: directive.location)
            }
        }
        guard let zone, !zone.0.isEmpty else {
            throw ConfigError("\"\(directive.name)\" must have \"keys_zone\" parameter", at: directive.location)
        }
        return CachePath(
            module: module, path: path, levels: levels, zoneName: zone.0, zoneSize: zone.1, inactive: inactive,
            maxSize: maxSize, minFree: minFree, useTempPath: useTempPath, pacing: pacing, location: directive.location)
    }

    /// `loader_files=100` → ("loader_files", "100") for the six pacing parameters; nil for any other argument.
    private static func pacingParameter(_ argument: Argument) -> (String, String)? {
        for name in ["loader_files", "loader_sleep", "loader_threshold", "manager_files", "manager_sleep",
                     "manager_threshold"] {
            if let value = Values.parameter(argument, name) { return (name, value) }
        }
        return nil
    }
}
