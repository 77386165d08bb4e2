/// ngx_http_upstream_module and the session-routing directives (jvm_route, sticky).
extension DirectiveTable {
    static var upstream: [DirectiveSpec] {
        [
        DirectiveSpec("server", [.upstream], .atLeast(1), .custom { builder, directive in
            let server = try UpstreamServerParser.parse(directive)
            // nginx resolves upstream host names at load time.
            if case .inet(let host, _) = server.address, !HostPort.isIPLiteral(host), !builder.options.resolveHost(host) {
                throw ConfigError("host not found in upstream \"\(directive.arguments[0].text)\"", at: directive.location)
            }
            builder.currentUpstream.servers.append(server)
        }),
        DirectiveSpec("ip_hash", [.upstream], .none, .custom { builder, directive in
            try setBalancing(builder, directive, .ipHash)
        }),
        DirectiveSpec("least_conn", [.upstream], .none, .custom { builder, directive in
            try setBalancing(builder, directive, .leastConn)
        }),
        DirectiveSpec("hash", [.upstream], .range(1, 2), .custom { builder, directive in
            if directive.arguments.count == 2 && directive.arguments[1].text != "consistent" {
                throw ConfigError("invalid parameter \"\(directive.arguments[1].text)\"", at: directive.location)
            }
            let key = try Values.template(directive, directive.arguments[0])
            try setBalancing(builder, directive, .hash(key, consistent: directive.arguments.count == 2))
        }),
        DirectiveSpec("random", [.upstream], .range(0, 2), .custom { builder, directive in
            let words = directive.arguments.map(\.text)
            guard words.isEmpty || words == ["two"] || words == ["two", "least_conn"] else {
                throw ConfigError("invalid parameter \"\(words.last!)\"", at: directive.location)
            }
            try setBalancing(builder, directive, .random(twoLeastConn: !words.isEmpty))
        }),
        DirectiveSpec("keepalive", [.upstream], .exactly(1), .custom { builder, directive in
            try builder.once(directive, scope: "upstream " + builder.currentUpstream.name)
            // ngx_http_upstream_keepalive reads it with ngx_atoi: no number, a sign or 0 are one "invalid value".
            let text = directive.arguments[0].text
            guard let count = Values.decimal(text), count > 0 else {
                throw ConfigError("invalid value \"\(text)\" in \"keepalive\" directive", at: directive.location)
            }
            builder.currentUpstream.keepalive = count
        }),
        DirectiveSpec("keepalive_requests", [.upstream], .exactly(1), .custom { builder, directive in
            try builder.once(directive, scope: "upstream " + builder.currentUpstream.name)
            builder.currentUpstream.keepaliveRequests = try Values.number(directive, directive.arguments[0])
        }),
        DirectiveSpec("keepalive_timeout", [.upstream], .exactly(1), .custom { builder, directive in
            try builder.once(directive, scope: "upstream " + builder.currentUpstream.name)
            builder.currentUpstream.keepaliveTimeout = try Values.milliseconds(directive, directive.arguments[0])
        }),
        DirectiveSpec("keepalive_time", [.upstream], .exactly(1), .custom { builder, directive in
            try builder.once(directive, scope: "upstream " + builder.currentUpstream.name)
            builder.currentUpstream.keepaliveTime = try Values.milliseconds(directive, directive.arguments[0])
        }),
        // nginx takes a second `zone` too: the upstream's is the last one, and each one written is declared.
        DirectiveSpec("zone", [.upstream], .range(1, 2), .custom { builder, directive in
            let name = directive.arguments[0].text
            guard !name.isEmpty else { throw ConfigError("invalid zone name \"\"", at: directive.location) }
            var size: Int?
            if directive.arguments.count == 2 {
                guard let parsed = Units.size(directive.arguments[1].text) else {
                    throw ConfigError("invalid zone size \"\(directive.arguments[1].text)\"", at: directive.location)
                }
                // nginx's minimum: eight pages.
                guard parsed >= 8 * 4096 else { throw ConfigError("zone \"\(name)\" is too small", at: directive.location) }
                size = parsed
            }
            try builder.http!.declareUpstreamZone(name, size: size ?? 0, at: directive.location)
            builder.currentUpstream.zone = (name, size)
        }),
        DirectiveSpec("state", [.upstream], .exactly(1), .custom { builder, directive in
            // The reader made the path absolute and read the file's `server` lines in after this directive.
            try builder.once(directive, scope: "upstream " + builder.currentUpstream.name)
            builder.currentUpstream.stateFile = directive.arguments[0].text
        }),
        DirectiveSpec("drain_idle", [.upstream], .exactly(1), .custom { builder, directive in
            try builder.once(directive, scope: "upstream " + builder.currentUpstream.name)
            guard let ms = Units.milliseconds(directive.arguments[0].text), ms > 0 else {
                throw ConfigError("invalid value \"\(directive.arguments[0].text)\" in \"drain_idle\" directive", at: directive.location)
            }
            builder.currentUpstream.drainIdle = .milliseconds(ms)
        }),
        DirectiveSpec("jvm_route", [.upstream], .atLeast(1), .custom { builder, directive in
            let upstream = builder.currentUpstream
            if upstream.jvmRoute != nil { throw ConfigError("\"jvm_route\" directive is duplicate", at: directive.location) }
            upstream.jvmRoute = try jvmRoute(directive)
        }),
        DirectiveSpec("sticky", [.upstream], .atLeast(1), .custom { builder, directive in
            let upstream = builder.currentUpstream
            if upstream.sticky != nil { throw ConfigError("\"sticky\" directive is duplicate", at: directive.location) }
            upstream.sticky = try StickyParser.parse(directive)
        }),
        ]
    }

    private static func setBalancing(_ builder: ConfigBuilder, _ directive: Directive, _ balancing: Balancing) throws {
        let upstream = builder.currentUpstream
        if upstream.balancingLocation != nil {
            builder.warn("load balancing method redefined", at: directive.location)
        }
        upstream.balancing = balancing
        upstream.balancingLocation = directive.location
    }

    /// `jvm_route $cookie_JSESSIONID[|session_url] [reverse] [failback=stay|return] [failback_timeout=time]
    /// [failback_zone=size]`.
    private static func jvmRoute(_ directive: Directive) throws -> JVMRoute {
        let arguments = directive.arguments.map(\.text)
        let parts = arguments[0].split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
        let sourceText = String(parts[0])
        guard sourceText.hasPrefix("$") else {
            throw ConfigError("invalid variable \"\(sourceText)\" in \"jvm_route\" directive", at: directive.location)
        }
        let source = try Values.template(directive, Argument(sourceText))
        var cookieName: String?
        if case .variable(let name)? = source.pieces.first, source.pieces.count == 1, name.lowercased().hasPrefix("cookie_") {
            cookieName = String(name.dropFirst("cookie_".count))
        }
        let urlName = parts.count == 2 && !parts[1].isEmpty ? String(parts[1]) : cookieName
        var reverse = false
        var failbackReturn = false
        var failbackTimeout: Duration?
        var failbackZone: Int?
        var share = RouteShareParameters()
        for argument in directive.arguments.dropFirst() {
            let word = argument.text
            if try share.read(argument, in: directive) { continue }
            if word == "reverse" && !reverse {
                reverse = true
            } else if let value = Values.parameter(argument, "failback") {
                guard value == "stay" || value == "return" else {
                    throw ConfigError("invalid parameter \"\(word)\" (failback=stay or failback=return)", at: directive.location)
                }
                failbackReturn = value == "return"
            } else if let value = Values.parameter(argument, "failback_timeout") {
                guard let seconds = Units.seconds(value), seconds > 0 else {
                    throw ConfigError("invalid parameter \"\(word)\"", at: directive.location)
                }
                failbackTimeout = .seconds(seconds)
            } else if let value = Values.parameter(argument, "failback_zone") {
                guard let size = Units.size(value), size > 0 else {
                    throw ConfigError("invalid parameter \"\(word)\"", at: directive.location)
                }
                failbackZone = size
            } else {
                throw ConfigError("invalid parameter \"\(word)\"", at: directive.location)
            }
        }
        let shared = try share.finish(in: directive)
        if shared != nil && failbackReturn {
            throw ConfigError("\"share\" needs failback=stay: failback=return keeps no table", at: directive.location)
        }
        return JVMRoute(
            source: source, cookieName: cookieName, sessionURLName: urlName, reverse: reverse,
            location: directive.location, failbackReturn: failbackReturn, failbackTimeout: failbackTimeout,
            failbackZoneSize: failbackZone, share: shared)
    }
}

/// `server address [weight=N] [max_fails=N] [fail_timeout=T] [backup] [down] [max_conns=N] [slow_start=T]
/// [srun_id=ID] [route=R] [drain] [max_busy=N]`.
enum UpstreamServerParser {
    static func parse(_ directive: Directive) throws -> UpstreamServer {
        let text = directive.arguments[0].text
        var server = UpstreamServer(address: try address(text, directive), location: directive.location)
        server.written = text
        for argument in directive.arguments.dropFirst() {
            let word = argument.text
            func number(_ name: String, minimum: Int) throws -> Int? {
                guard let value = Values.parameter(argument, name) else { return nil }
                // nginx's ngx_atoi: digits only (`weight=+5` is refused).
                guard value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let number = Int(value), number >= minimum else {
                    throw ConfigError("invalid parameter \"\(word)\"", at: directive.location)
                }
                return number
            }
            func time(_ name: String) throws -> Duration? {
                guard let value = Values.parameter(argument, name) else { return nil }
                guard let seconds = Units.seconds(value) else {
                    throw ConfigError("invalid parameter \"\(word)\"", at: directive.location)
                }
                return .seconds(seconds)
            }
            func text(_ name: String) throws -> String? {
                guard let value = Values.parameter(argument, name) else { return nil }
                guard !value.isEmpty else { throw ConfigError("invalid parameter \"\(word)\"", at: directive.location) }
                return value
            }
            switch word {
            case "backup": server.backup = true
            case "down": server.down = true
            case "drain": server.drain = true
            default:
                if let weight = try number("weight", minimum: 1) {
                    server.weight = weight
                } else if let maxFails = try number("max_fails", minimum: 0) {
                    server.maxFails = maxFails
                } else if let failTimeout = try time("fail_timeout") {
                    server.failTimeout = failTimeout
                } else if let maxConns = try number("max_conns", minimum: 0) {
                    server.maxConns = maxConns
                } else if let slowStart = try time("slow_start") {
                    server.slowStart = slowStart
                } else if let srunID = try text("srun_id") {
                    server.srunID = srunID
                } else if let route = try text("route") {
                    server.route = route
                } else if let maxBusy = try number("max_busy", minimum: 0) {
                    server.maxBusy = maxBusy
                } else {
                    throw ConfigError("invalid parameter \"\(word)\"", at: directive.location)
                }
            }
        }
        return server
    }

    static func address(_ text: String, _ directive: Directive) throws -> UpstreamAddress {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { throw ConfigError("no path in the unix domain socket \"\(text)\"", at: directive.location) }
            return .unix(path: path)
        }
        guard let split = HostPort.split(text), !split.host.isEmpty, !text.contains("/") else {
            throw ConfigError("invalid host in upstream \"\(text)\"", at: directive.location)
        }
        var port = 80
        if let portText = split.port {
            guard let value = Values.decimal(portText), (1...65535).contains(value) else {
                throw ConfigError("invalid port in upstream \"\(text)\"", at: directive.location)
            }
            port = value
        }
        return .inet(host: split.host, port: port)
    }
}

/// `sticky cookie …`, `sticky route …`, `sticky learn …` (nginx's commercial syntax; no `strict`: a location's
/// `proxy_next_upstream off` is what refuses a stand-in for a session whose server is down).
enum StickyParser {
    static func parse(_ directive: Directive) throws -> Sticky {
        let arguments = directive.arguments
        switch arguments[0].text {
        case "cookie":
            guard arguments.count >= 2 else {
                throw ConfigError("invalid number of arguments in \"sticky\" directive", at: directive.location)
            }
            var cookie = StickyCookie(name: arguments[1].text)
            for argument in arguments.dropFirst(2) {
                if let value = Values.parameter(argument, "expires") {
                    if value == "max" {
                        cookie.expiresMax = true
                    } else {
                        guard let seconds = Units.seconds(value) else { throw invalid(argument, directive) }
                        cookie.expires = .seconds(seconds)
                    }
                } else if let value = Values.parameter(argument, "domain") {
                    cookie.domain = try attribute(value, argument, directive)
                } else if let value = Values.parameter(argument, "path") {
                    cookie.path = try attribute(value, argument, directive)
                } else if let value = Values.parameter(argument, "samesite") {
                    // A variable is checked per request (an unknown value becomes strict, as in nginx).
                    let template = try Values.template(directive, Argument(value))
                    guard hasVariables(template) || ["strict", "lax", "none"].contains(value.lowercased()) else {
                        throw invalid(argument, directive)
                    }
                    cookie.sameSite = value
                } else if argument.text == "httponly" {
                    cookie.httpOnly = true
                } else if argument.text == "secure" {
                    cookie.secure = true
                } else if argument.text == "partitioned" {
                    cookie.partitioned = true
                } else if let value = Values.parameter(argument, "sign") {
                    guard !value.isEmpty else { throw invalid(argument, directive) }
                    // Relative to the configuration file naming it (for the main file, nginx's conf prefix).
                    cookie.signKeyFile = ConfigPath.absolute(
                        value, base: directive.location.file.map(ConfigPath.directory(of:)) ?? "")
                } else if let value = Values.parameter(argument, "sign_timeout") {
                    guard let seconds = Units.seconds(value), seconds > 0 else { throw invalid(argument, directive) }
                    cookie.signTimeout = .seconds(seconds)
                } else {
                    throw invalid(argument, directive)
                }
            }
            if cookie.partitioned && !cookie.secure {
                // Browsers ignore a Partitioned cookie without Secure (CHIPS).
                throw ConfigError("\"partitioned\" needs \"secure\" in \"sticky\" directive", at: directive.location)
            }
            if cookie.signTimeout != nil && cookie.signKeyFile == nil {
                throw ConfigError("\"sign_timeout\" needs \"sign\" in \"sticky\" directive", at: directive.location)
            }
            return .cookie(cookie)
        case "route":
            guard arguments.count >= 2 else {
                throw ConfigError("invalid number of arguments in \"sticky\" directive", at: directive.location)
            }
            // Each argument must read a variable: a plain word (`strict`, a typo) would be the same route for every
            // request, sending them all to one server.
            return .route(try arguments.dropFirst().map { argument in
                let template = try Values.template(directive, argument)
                guard template.pieces.contains(where: { if case .literal = $0 { false } else { true } }) else {
                    throw ConfigError(
                        "invalid route \"\(argument.text)\" in \"sticky\" directive: a variable is required",
                        at: directive.location)
                }
                return template
            })
        case "learn":
            var learn = StickyLearn()
            var hasZone = false
            var share = RouteShareParameters()
            for argument in arguments.dropFirst() {
                if try share.read(argument, in: directive) { continue }
                if let value = Values.parameter(argument, "create") {
                    learn.create.append(try Values.template(directive, Argument(value)))
                } else if let value = Values.parameter(argument, "lookup") {
                    learn.lookup.append(try Values.template(directive, Argument(value)))
                } else if let value = Values.parameter(argument, "zone") {
                    let parts = value.split(separator: ":")
                    guard parts.count == 2, let size = Units.size(String(parts[1])) else { throw invalid(argument, directive) }
                    learn.zoneName = String(parts[0])
                    learn.zoneSize = size
                    hasZone = true
                } else if let value = Values.parameter(argument, "timeout") {
                    guard let seconds = Units.seconds(value) else { throw invalid(argument, directive) }
                    learn.timeout = .seconds(seconds)
                } else if argument.text == "header" {
                    learn.header = true
                } else if argument.text == "sync" {
                    learn.sync = true
                } else {
                    throw invalid(argument, directive)
                }
            }
            guard !learn.create.isEmpty, !learn.lookup.isEmpty, hasZone else {
                throw ConfigError("\"sticky learn\" needs \"create\", \"lookup\" and \"zone\" parameters", at: directive.location)
            }
            learn.share = try share.finish(in: directive)
            if learn.share?.recheck != nil {
                throw ConfigError("\"share_recheck\" is for jvm_route: sticky learn asks only about sessions it has not seen",
                                  at: directive.location)
            }
            return .learn(learn)
        default:
            throw ConfigError("unknown sticky method \"\(arguments[0].text)\"", at: directive.location)
        }
    }

    /// A `domain=` or `path=` value: a literal one may not hold what would end the attribute and start another
    /// (`;`, `,`, whitespace, control bytes); one with variables is checked each time the cookie is built.
    private static func attribute(_ value: String, _ argument: Argument, _ directive: Directive) throws -> String {
        let template = try Values.template(directive, Argument(value))
        guard !value.isEmpty else { throw invalid(argument, directive) }
        if !hasVariables(template), value.utf8.contains(where: { $0 <= 32 || $0 == 127 || $0 == 59 || $0 == 44 }) {
            throw ConfigError(
                "invalid parameter \"\(argument.text)\": \";\", \",\", whitespace and control characters "
                    + "would add cookie attributes", at: directive.location)
        }
        return value
    }

    private static func hasVariables(_ t: Template) -> Bool {
        t.pieces.contains { if case .literal = $0 { false } else { true } }
    }

    private static func invalid(_ argument: Argument, _ directive: Directive) -> ConfigError {
        ConfigError("invalid parameter \"\(argument.text)\"", at: directive.location)
    }
}
