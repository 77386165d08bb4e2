/// ngx_http_core_module settings, logging, headers and the small content handlers.
extension DirectiveTable {
    static var http: [DirectiveSpec] {
        [
        DirectiveSpec("default_type", anyHTTPLevel, .exactly(1), .string(\.modules.content.$defaultType)),
        DirectiveSpec("charset", anyHTTPLevel, .exactly(1), .value(\.modules.content.$charset) { _, directive in
            let text = directive.arguments[0].text
            return text == "off" ? nil : text
        }),
        DirectiveSpec("charset_types", anyHTTPLevel, .atLeast(1), .append(\.modules.content.$charsetTypes) { _, directive in
            directive.arguments.map { $0.text.lowercased() }
        }),
        DirectiveSpec("source_charset", anyHTTPLevel, .exactly(1), .value(\.modules.content.$sourceCharset) { _, directive in
            directive.arguments[0].text
        }),
        DirectiveSpec("override_charset", anyHTTPLevel, .exactly(1), .flag(\.modules.content.$overrideCharset)),
        DirectiveSpec("subrequest_output_buffer_size", anyHTTPLevel, .exactly(1),
                      .size(\.modules.content.$subrequestOutputBufferSize)),
        // ngx_http_mirror_module: `off` is an empty list, so a level with it mirrors nothing; it stands alone at a
        // level (nginx's "is duplicate" either way round), URIs add up.
        DirectiveSpec("mirror", anyHTTPLevel, .exactly(1), .append(\.modules.content.$mirrors) { builder, directive in
            let off = directive.arguments[0].text == "off", current = builder.settings.content.$mirrors
            if current.isSet && (off || current.wrappedValue.isEmpty) {
                throw ConfigError("\"mirror\" directive is duplicate", at: directive.location)
            }
            return off ? [] : [directive.arguments[0].text]
        }),
        DirectiveSpec("mirror_request_body", anyHTTPLevel, .exactly(1), .flag(\.modules.content.$mirrorRequestBody)),
        DirectiveSpec("log_subrequest", anyHTTPLevel, .exactly(1), .flag(\.modules.content.$logSubrequest)),
        // Undocumented in nginx (nginx-tests' post_action.t): a URI or @name asked after the response.
        DirectiveSpec("post_action", anyHTTPLevel.union([.locationIf]), .exactly(1), .value(\.modules.content.$postAction) { _, directive in
            directive.arguments[0].text == "off" ? nil : directive.arguments[0].text
        }),
        DirectiveSpec("slice", anyHTTPLevel, .exactly(1), .size(\.modules.content.$sliceSize)),   // ngx_http_slice_filter_module
        DirectiveSpec("server_tokens", anyHTTPLevel, .exactly(1), .choice(\.modules.content.$serverTokens)),
        DirectiveSpec("msie_padding", anyHTTPLevel, .exactly(1), .flag(\.modules.content.$msiePadding)),
        DirectiveSpec("sendfile", anyHTTPLevel, .exactly(1), .flag(\.modules.client.$sendfile)),
        DirectiveSpec("tcp_nodelay", anyHTTPLevel, .exactly(1), .flag(\.modules.client.$tcpNodelay)),
        DirectiveSpec("reset_timedout_connection", anyHTTPLevel, .exactly(1), .flag(\.modules.client.$resetTimedoutConnection)),
        DirectiveSpec("keepalive_timeout", anyHTTPLevel, .range(1, 2),
            DirectiveHandler(merges: [DirectiveHandler.merge(\.modules.client.$keepaliveTimeout), DirectiveHandler.merge(\.modules.client.$keepaliveHeaderTimeout)]) {
                builder, directive in
                if builder.settings.client.$keepaliveTimeout.isSet {
                    throw ConfigError("\"keepalive_timeout\" directive is duplicate", at: directive.location)
                }
                builder.settings.client.$keepaliveTimeout.set(try Values.milliseconds(directive, directive.arguments[0]))
                let header = directive.arguments.count > 1 ? try Values.seconds(directive, directive.arguments[1]) : nil
                builder.settings.client.$keepaliveHeaderTimeout.set(header)
            }),
        DirectiveSpec("keepalive_requests", anyHTTPLevel, .exactly(1), .number(\.modules.client.$keepaliveRequests)),
        DirectiveSpec("keepalive_time", anyHTTPLevel, .exactly(1), .milliseconds(\.modules.client.$keepaliveTime)),
        DirectiveSpec("client_header_timeout", [.http, .server], .exactly(1), .milliseconds(\.modules.client.$headerTimeout)),
        DirectiveSpec("client_body_timeout", anyHTTPLevel, .exactly(1), .milliseconds(\.modules.client.$bodyTimeout)),
        DirectiveSpec("send_timeout", anyHTTPLevel, .exactly(1), .milliseconds(\.modules.client.$sendTimeout)),
        DirectiveSpec("client_max_body_size", anyHTTPLevel, .exactly(1), .offset(\.modules.client.$maxBodySize)),
        DirectiveSpec("client_body_buffer_size", anyHTTPLevel, .exactly(1), .size(\.modules.client.$bodyBufferSize)),
        DirectiveSpec("client_header_buffer_size", [.http, .server], .exactly(1), .size(\.modules.client.$headerBufferSize)),
        DirectiveSpec("large_client_header_buffers", [.http, .server], .exactly(2), .bufferCount(\.modules.client.$largeHeaderBuffers)),
        // No pools in switchyard: the value only meets nginx's check against large_client_header_buffers.
        DirectiveSpec("connection_pool_size", [.http, .server], .exactly(1), DirectiveHandler.value(\.modules.client.$connectionPoolSize) {
            builder, directive in
            try DirectiveTable.checkArguments(builder, directive, .poolSize)
            return try Values.size(directive, directive.arguments[0])
        }.noticedIgnored),
        DirectiveSpec("max_headers", [.http, .server], .exactly(1), .number(\.modules.client.$maxHeaders)),
        // Name servers for `proxy_pass` URLs with variables (Proxy/DNSResolver.swift asks them on the worker).
        DirectiveSpec("resolver", anyHTTPLevel, .atLeast(1), .value(\.modules.resolver.$resolver) { _, directive in
            try ResolverArguments.parse(directive)
        }),
        DirectiveSpec("resolver_timeout", anyHTTPLevel, .exactly(1), .milliseconds(\.modules.resolver.$timeout)),
        // `client_body_temp_path path [level1 [level2 [level3]]]`: levels are digit counts (1 or 2) of the
        // subdirectories nginx spreads temp files over.
        DirectiveSpec("client_body_temp_path", anyHTTPLevel, .range(1, 4),
            DirectiveHandler(merges: [DirectiveHandler.merge(\.modules.client.$bodyTempPath), DirectiveHandler.merge(\.modules.client.$bodyTempLevels)]) {
                builder, directive in
                if builder.settings.client.$bodyTempPath.isSet {
                    throw ConfigError("\"client_body_temp_path\" directive is duplicate", at: directive.location)
                }
                let levels = try Values.pathLevels(directive)
                builder.settings.client.$bodyTempPath.set(builder.absolutePath(directive.arguments[0].text))
                builder.settings.client.$bodyTempLevels.set(levels)
            }),
        DirectiveSpec("root", anyHTTPLevel, .exactly(1),
            DirectiveHandler(merges: [DirectiveHandler.merge(\.modules.content.$documentRoot)]) { builder, directive in
                try refuseSecondDocumentRoot(builder, directive)
                builder.settings.content.$documentRoot.set(.root(builder.absolutePath(directive.arguments[0].text)))
            }),
        DirectiveSpec("alias", [.location], .exactly(1),
            DirectiveHandler(merges: [DirectiveHandler.merge(\.modules.content.$documentRoot), DirectiveHandler.merge(\.modules.files.$aliasScope)]) {
                builder, directive in
                try refuseSecondDocumentRoot(builder, directive)
                if case .named? = builder.currentLocation?.match {   // no URI prefix to replace (nginx refuses it too)
                    throw ConfigError("\"alias\" directive cannot be used inside the named location", at: directive.location)
                }
                builder.settings.content.$documentRoot.set(.alias(builder.absolutePath(directive.arguments[0].text)))
                // The URI part it replaces: this location's name, or the whole path in a regex location.
                switch builder.currentLocation?.match {
                case .exact(let name)?, .prefix(let name)?, .prefixNoRegex(let name)?:
                    builder.settings.files.$aliasScope.set(.prefix(name))
                default:
                    builder.settings.files.$aliasScope.set(.wholePath)
                }
            }),
        DirectiveSpec("index", anyHTTPLevel, .atLeast(1), .append(\.modules.content.$index) { builder, directive in
            try directive.arguments.enumerated().map { i, argument in
                guard !argument.text.isEmpty else {
                    throw ConfigError("index \"\" in \"index\" directive is invalid", at: directive.location)
                }
                // An absolute index is an internal redirect that ends the search: names after it are never tried.
                if argument.text.first == "/" && i < directive.arguments.count - 1 {
                    builder.warn("only the last index in \"index\" directive should be absolute", at: directive.location)
                }
                return argument.text
            }
        }),
        // Not inherited: `internal` marks one location only.
        DirectiveSpec("internal", [.location], .none, .custom { builder, directive in
            try builder.once(directive, scope: builder.levelScope)
            builder.settings.content.$isInternal.set(true)
        }),
        DirectiveSpec("expires", anyHTTPLevel, .range(1, 2), .value(\.modules.content.$expires) { _, directive in
            try expires(directive)
        }),
        DirectiveSpec("add_header", anyHTTPLevel, .range(2, 3), .append(\.modules.content.$addHeaders) { _, directive in
            [try addedField(directive)]
        }),
        // ngx_http_headers_module: trailers go out only at the end of a chunked response (HTTP/1.1).
        DirectiveSpec("add_trailer", anyHTTPLevel, .range(2, 3), .append(\.modules.content.$addTrailers) { _, directive in
            [try addedField(directive)]
        }),
        DirectiveSpec("error_page", anyHTTPLevel, .atLeast(2), .append(\.modules.content.$errorPages) { _, directive in
            [try errorPage(directive)]
        }),
        DirectiveSpec("log_format", [.http], .atLeast(2), .custom { builder, directive in
            var arguments = directive.arguments
            let name = arguments.removeFirst().text
            var escape = LogFormat.Escape.default
            if let value = Values.parameter(arguments[0], "escape") {
                guard let parsed = LogFormat.Escape(rawValue: value) else {
                    throw ConfigError("unknown log format escaping \"\(value)\"", at: directive.location)
                }
                escape = parsed
                arguments.removeFirst()
            }
            if builder.http!.logFormats.contains(where: { $0.name == name }) {
                throw ConfigError("duplicate \"log_format\" name \"\(name)\"", at: directive.location)
            }
            // Each argument is its own piece, as nginx compiles them: `'$status' 'ms'` is $status, then "ms".
            let template = Template(concatenating: try arguments.map { try Values.template(directive, $0) })
            builder.http!.logFormats.append(LogFormat(
                name: name, escape: escape, template: template, location: directive.location))
        }),
        // `off` anywhere at a level wins over the level's other access_log lines, before or after it (nginx's
        // llcf->off): the level's list stays empty once it has been seen (a path line alone never leaves it empty).
        DirectiveSpec("access_log", anyHTTPLevel, .atLeast(1), .accumulate(\.modules.logging.$accessLogs) { builder, directive, level in
            let logs = try accessLog(builder, directive)
            if logs.isEmpty || level?.isEmpty == true { return [] }
            return (level ?? []) + logs
        }),
        DirectiveSpec("stub_status", [.server, .location], .range(0, 1), .custom { builder, directive in
            try setHandler(builder, directive, .stubStatus)
        }),
        DirectiveSpec("jvm_route_status", [.location], .exactly(1), .custom { builder, directive in
            try setHandler(builder, directive, .jvmRouteStatus(upstream: directive.arguments[0].text))
        }),
        DirectiveSpec("upstream_status", [.location], .none, .custom { builder, directive in
            try setHandler(builder, directive, .upstreamStatus)
        }),
        DirectiveSpec("metrics", [.location], .none, .custom { builder, directive in
            try setHandler(builder, directive, .metrics)
        }),
        DirectiveSpec("api", [.location], .range(0, 1), .custom { builder, directive in
            var write = false
            if let argument = directive.arguments.first {
                guard let value = Values.parameter(argument, "write"), value == "on" || value == "off" else {
                    throw ConfigError("invalid parameter \"\(argument.text)\"", at: directive.location)
                }
                write = value == "on"
            }
            try setHandler(builder, directive, .api(write: write))
        }),
        DirectiveSpec("dashboard", [.location], .range(0, 1), .custom { builder, directive in
            var api = "/api"
            if let argument = directive.arguments.first {
                guard let value = Values.parameter(argument, "api"), dashboardAPIIsValid(value) else {
                    throw ConfigError("invalid parameter \"\(argument.text)\"", at: directive.location)
                }
                api = value
            }
            try setHandler(builder, directive, .dashboard(api: api))
        }),
        ] + clientRows
    }

    /// Request parsing, keep-alive, request bodies and the send rate.
    static var clientRows: [DirectiveSpec] {
        [
        DirectiveSpec("ignore_invalid_headers", [.http, .server], .exactly(1), .flag(\.modules.client.$ignoreInvalidHeaders)),
        DirectiveSpec("underscores_in_headers", [.http, .server], .exactly(1), .flag(\.modules.client.$underscoresInHeaders)),
        // A bitmask in nginx, where `none` is a flag that disables nothing (`none msie6` still disables msie6).
        DirectiveSpec("keepalive_disable", anyHTTPLevel, .atLeast(1), .accumulate(\.modules.client.$keepaliveDisable) {
            builder, directive, current in
            var flags = Set<KeepaliveDisable?>((current ?? []).map { $0 })
            try Values.addFlags(builder, directive, to: &flags) { word -> KeepaliveDisable?? in
                word == "none" ? .some(nil) : KeepaliveDisable(rawValue: word).map { .some($0) }
            }
            return Set(flags.compactMap { $0 })
        }),
        DirectiveSpec("client_body_in_file_only", anyHTTPLevel, .exactly(1), .choice(\.modules.client.$bodyInFileOnly)),
        DirectiveSpec("chunked_transfer_encoding", anyHTTPLevel, .exactly(1), .flag(\.modules.client.$chunkedTransferEncoding)),
        DirectiveSpec("lingering_close", anyHTTPLevel, .exactly(1), .choice(\.modules.client.$lingeringClose)),
        DirectiveSpec("lingering_time", anyHTTPLevel, .exactly(1), .seconds(\.modules.client.$lingeringTime)),
        DirectiveSpec("lingering_timeout", anyHTTPLevel, .exactly(1), .milliseconds(\.modules.client.$lingeringTimeout)),
        DirectiveSpec("limit_rate", anyHTTPLevel, .exactly(1), .value(\.modules.client.$limitRate) { _, directive in
            try sizeTemplate(directive)
        }),
        DirectiveSpec("limit_rate_after", anyHTTPLevel, .exactly(1), .value(\.modules.client.$limitRateAfter) { _, directive in
            try sizeTemplate(directive)
        }),
        DirectiveSpec("open_log_file_cache", anyHTTPLevel, .range(1, 4), .value(\.modules.logging.$openLogFileCache) { _, directive in
            try openLogFileCache(directive)
        }),
        ]
    }

    /// nginx's `ngx_http_set_complex_value_size_slot`: a size, or variables whose value is parsed per request.
    static func sizeTemplate(_ directive: Directive) throws -> Template {
        let template = try Values.template(directive, directive.arguments[0])
        if template.isLiteral && Units.size(directive.arguments[0].text) == nil { throw Values.invalidValue(directive) }
        return template
    }

    /// `add_header` / `add_trailer name value [always]`.
    static func addedField(_ directive: Directive) throws -> AddHeader {
        let arguments = directive.arguments
        if arguments.count == 3 && arguments[2].text != "always" {
            throw ConfigError("invalid parameter \"\(arguments[2].text)\"", at: directive.location)
        }
        return AddHeader(name: arguments[0].text, value: try Values.template(directive, arguments[1]),
                         always: arguments.count == 3, location: directive.location)
    }

    /// `open_log_file_cache off | max=N [inactive=time] [min_uses=N] [valid=time]`: for access logs whose
    /// paths hold variables (the others are opened once per configuration anyway).
    static func openLogFileCache(_ directive: Directive) throws -> OpenLogFileCache? {
        guard try fileCacheParameters(directive, counts: ["max", "min_uses"], times: ["inactive", "valid"],
                                      positiveMax: false, missingMax: "\"open_log_file_cache\" must have \"max\" parameter")
        else { return nil }
        var cache = OpenLogFileCache(max: 0, location: directive.location)
        for argument in directive.arguments {   // every one a checked `name=value`: `off` returned above
            let parts = argument.text.split(separator: "=", maxSplits: 1).map(String.init)
            switch parts[0] {
            case "max": cache.max = Values.decimal(parts[1])!
            case "min_uses": cache.minUses = Values.decimal(parts[1])!
            case "inactive": cache.inactiveSeconds = Units.seconds(parts[1])!
            default: cache.validSeconds = Units.seconds(parts[1])!
            }
        }
        return cache
    }

    /// nginx's `open_file_cache` / `open_log_file_cache` arguments, read in order: `name=value` parameters (counts
    /// as ngx_atoi reads them, times) and `off`, which wins wherever it stands; without `off`, `max` must be above
    /// 0 (`positiveMax`: open_file_cache refuses `max=0` as a parameter; open_log_file_cache says `missingMax`,
    /// nginx's own wording for each). False for `off`.
    @discardableResult
    static func fileCacheParameters(_ directive: Directive, counts: Set<String>, times: Set<String>,
                                    positiveMax: Bool, missingMax: String) throws -> Bool {
        var max = 0, off = false
        for argument in directive.arguments {
            let text = argument.text
            if text == "off" { off = true; continue }
            let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]), value = parts.count == 2 ? String(parts[1]) : nil
            if let value, counts.contains(name), let n = Values.decimal(value), !(positiveMax && name == "max" && n == 0) {
                if name == "max" { max = n }
            } else if let value, times.contains(name), Units.seconds(value) != nil {
                continue
            } else {
                throw ConfigError("invalid \"\(directive.name)\" parameter \"\(text)\"", at: directive.location)
            }
        }
        if off { return false }
        if max == 0 { throw ConfigError(missingMax, at: directive.location) }
        return true
    }

    /// The API's URI is written into the page's script: a path (`/api`) or an http(s) URL, of visible ASCII
    /// with none of the characters that would end a string or a tag there.
    static func dashboardAPIIsValid(_ value: String) -> Bool {
        guard value.hasPrefix("/") || value.hasPrefix("http://") || value.hasPrefix("https://") else { return false }
        return value.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && !Array("\"'`<>\\".utf8).contains($0) }
    }

    /// A location has one content handler, and as in nginx each handler directive sets it: the last one written
    /// answers. Only a `*_pass` given twice is nginx's "is duplicate" (each module checks its own); switchyard's own
    /// handlers (`api`, `dashboard`, …) refuse any other. At server level (`stub_status` only) it answers the
    /// requests no location matches.
    static func setHandler(_ builder: ConfigBuilder, _ directive: Directive, _ handler: LocationHandler) throws {
        if builder.isAtServerLevel, let server = builder.currentServer {
            server.handler = handler
            return
        }
        guard let location = builder.currentLocation else {
            throw ConfigError("\"\(directive.name)\" directive is not allowed here", at: directive.location)
        }
        if let earlier = location.handler, !earlier.isNginxs || !handler.isNginxs {
            throw ConfigError("\"\(directive.name)\" directive is duplicate", at: directive.location)
        }
        if let module = handler.passModule, !location.passModules.insert(module).inserted {
            throw ConfigError("\"\(directive.name)\" directive is duplicate", at: directive.location)
        }
        location.handler = handler
    }

    /// `expires [modified] time | epoch | max | off | @time`, nginx's `ngx_http_parse_expires`; a value with
    /// variables is parsed per request (an invalid one sets no header).
    static func expires(_ directive: Directive) throws -> Expires {
        var arguments = directive.arguments
        var modified = false
        if arguments.count == 2 {
            guard arguments[0].text == "modified" else {   // nginx: "invalid value" from the handler itself
                throw ConfigError("\"expires\" directive invalid value", at: directive.location)
            }
            modified = true
            arguments.removeFirst()
        }
        let template = try Values.template(directive, arguments[0])
        if !template.isLiteral { return .variable(template, modified: modified) }
        var text = arguments[0].text
        switch text {
        case "off" where !modified: return .off
        case "epoch" where !modified: return .epoch
        case "max" where !modified: return .max
        default: break
        }
        if text.hasPrefix("@") {
            if modified {
                throw ConfigError("daily time cannot be used with \"modified\" parameter", at: directive.location)
            }
            guard let seconds = Units.seconds(String(text.dropFirst())) else {
                throw ConfigError("\"expires\" directive invalid value", at: directive.location)
            }
            guard seconds <= 86400 else {
                throw ConfigError("daily time value must be less than 24 hours", at: directive.location)
            }
            return .dailyAt(.seconds(seconds))
        }
        var sign = 1
        if text.hasPrefix("-") { sign = -1; text.removeFirst() } else if text.hasPrefix("+") { text.removeFirst() }
        guard let seconds = Units.seconds(text) else { throw Values.invalidValue(directive) }
        let offset = Duration.seconds(sign * seconds)
        return modified ? .afterModified(offset) : .after(offset)
    }

    /// `error_page 404 500 [=[code]] uri`.
    static func errorPage(_ directive: Directive) throws -> ErrorPage {
        var arguments = directive.arguments.map(\.text)
        let uri = arguments.removeLast()
        var response: ErrorPage.Response?
        if let last = arguments.last, last.hasPrefix("=") {
            arguments.removeLast()
            if last == "=" {
                response = .fromTarget
            } else if let code = Values.decimal(last.dropFirst()), (100...599).contains(code) {
                response = .code(code)
            } else {
                throw ConfigError("invalid value \"\(last)\"", at: directive.location)
            }
        }
        if arguments.isEmpty {
            throw ConfigError("invalid number of arguments in \"error_page\" directive", at: directive.location)
        }
        var codes: [Int] = []
        for text in arguments {
            // 499 is nginx's code for a client that went away: there is no answer to replace.
            guard let code = Values.decimal(text), code != 499 else {
                throw ConfigError("invalid value \"\(text)\"", at: directive.location)
            }
            guard (300...599).contains(code) else {
                throw ConfigError("value \"\(text)\" must be between 300 and 599", at: directive.location)
            }
            codes.append(code)
        }
        return ErrorPage(
            codes: codes, response: response, uri: try Values.template(directive, Argument(uri)), location: directive.location)
    }

    /// `access_log off` or `access_log path [format [buffer=size] [gzip[=level]] [flush=time] [if=condition]]`.
    static func accessLog(_ builder: ConfigBuilder, _ directive: Directive) throws -> [AccessLog] {
        let arguments = directive.arguments
        if arguments[0].text == "off" {
            guard arguments.count == 1 else {
                throw ConfigError("invalid parameter \"\(arguments[1].text)\"", at: directive.location)
            }
            return []
        }
        let target = arguments[0].text
        // An empty name is the standard error (nginx's ngx_conf_open_file); `stderr` is a file of that name.
        var log = AccessLog(
            path: target.hasPrefix("syslog:") || target.isEmpty ? target : builder.absolutePath(target),
            format: arguments.count > 1 ? arguments[1].text : "combined", location: directive.location)
        if target.hasPrefix("syslog:") { log.syslog = try syslog(target, directive) }
        for argument in arguments.dropFirst(2) {
            if let value = Values.parameter(argument, "buffer") {
                guard let size = Units.size(value), size > 0 else {
                    throw ConfigError("invalid buffer size \"\(value)\"", at: directive.location)
                }
                log.bufferSize = size
            } else if let value = Values.parameter(argument, "flush") {
                guard let flush = Units.milliseconds(value), flush > 0 else {
                    throw ConfigError("invalid flush time \"\(value)\"", at: directive.location)
                }
                log.flush = .milliseconds(flush)
            } else if argument.text == "gzip" {
                log.gzipLevel = 1
            } else if let value = Values.parameter(argument, "gzip") {
                guard let level = Values.decimal(value), (1...9).contains(level) else {
                    throw ConfigError("invalid compression level \"\(value)\"", at: directive.location)
                }
                log.gzipLevel = level
            } else if let value = Values.parameter(argument, "if") {
                log.condition = try Values.template(directive, Argument(value))
            } else {
                throw ConfigError("invalid parameter \"\(argument.text)\"", at: directive.location)
            }
        }
        // nginx: gzip without buffer= buffers 64k; flush needs a buffer.
        if log.gzipLevel != nil && log.bufferSize == nil { log.bufferSize = 64 * 1024 }
        // nginx names a path with variables in full (it has made it absolute by then), another as written.
        let hasVariables = log.syslog == nil && target.contains("$")
        if log.flush != nil && log.bufferSize == nil {
            throw ConfigError("no buffer is defined for access_log \"\(hasVariables ? log.path : target)\"", at: directive.location)
        }
        if let size = log.bufferSize {
            if hasVariables { throw ConfigError("buffered logs cannot have variables in name", at: directive.location) }
            if log.syslog != nil { throw ConfigError("logs to syslog cannot be buffered", at: directive.location) }
            // One file, one buffer: every buffered access_log of it, at any level, must describe the same one.
            let buffer = LogBuffer(size: size, flush: log.flush, gzipLevel: log.gzipLevel)
            if let first = builder.http!.logBuffers[log.path], first != buffer {
                throw ConfigError("access_log \"\(target)\" already defined with conflicting parameters", at: directive.location)
            }
            builder.http!.logBuffers[log.path] = buffer
        }
        return [log]
    }
}

/// nginx's ngx_http_core_root: `root` and `alias` share one slot, so a second of either at one level is refused,
/// and the message names the first when it was the other one.
private func refuseSecondDocumentRoot(_ builder: ConfigBuilder, _ directive: Directive) throws {
    guard builder.settings.content.$documentRoot.isSet else { return }
    let earlier: String
    if case .alias = builder.settings.content.documentRoot { earlier = "alias" } else { earlier = "root" }
    guard earlier != directive.name else {
        throw ConfigError("\"\(directive.name)\" directive is duplicate", at: directive.location)
    }
    throw ConfigError("\"\(directive.name)\" directive is duplicate, \"\(earlier)\" directive was specified earlier",
                      at: directive.location)
}
