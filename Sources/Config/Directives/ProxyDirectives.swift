/// ngx_http_proxy_module directives.
extension DirectiveTable {
    static var proxy: [DirectiveSpec] {
        [
        DirectiveSpec("proxy_pass", [.location], .exactly(1), .custom { builder, directive in
            let pass = try ProxyPassParser.parse(directive)
            // A regex or named location has no prefix for the URI part to replace.
            if case .static(let url) = pass, url.uri != nil, let match = builder.currentLocation?.match {
                switch match {
                case .regex, .named:
                    throw ConfigError(
                        "\"proxy_pass\" cannot have URI part in location given by regular expression, or inside named "
                            + "location, or inside \"if\" statement, or inside \"limit_except\" block",
                        at: directive.location)
                default:
                    break
                }
            }
            try setHandler(builder, directive, .proxy(pass))
        }),
        DirectiveSpec("proxy_set_header", anyHTTPLevel, .exactly(2), .append(\.modules.proxy.$setHeaders) { builder, directive in
            builder.buildsHashTable(.proxyHeaders)
            return [HeaderTemplate(
                name: directive.arguments[0].text, value: try Values.template(directive, directive.arguments[1]),
                location: directive.location)]
        }),
        DirectiveSpec("proxy_hide_header", anyHTTPLevel, .exactly(1), .append(\.modules.proxy.$hideHeaders) { builder, directive in
            builder.buildsHashTable(.proxyHeaders)
            return [directive.arguments[0].text]
        }),
        DirectiveSpec("proxy_pass_header", anyHTTPLevel, .exactly(1), .append(\.modules.proxy.$passHeaders) { builder, directive in
            builder.buildsHashTable(.proxyHeaders)
            return [directive.arguments[0].text]
        }),
        DirectiveSpec("proxy_http_version", anyHTTPLevel, .exactly(1), .value(\.modules.proxy.$httpVersion) { _, directive in
            guard let version = HTTPVersion(rawValue: directive.arguments[0].text) else {
                throw ConfigError("invalid value \"\(directive.arguments[0].text)\"", at: directive.location)
            }
            return version
        }),
        DirectiveSpec("proxy_redirect", anyHTTPLevel, .range(1, 2),
            DirectiveHandler(merges: [DirectiveHandler.merge(\.modules.proxy.$redirect)], redirect)),
        DirectiveSpec("proxy_next_upstream", anyHTTPLevel, .atLeast(1), .accumulate(\.modules.proxy.$nextUpstream) {
            builder, directive, current in
            try bitmaskWithOff(builder, directive, current) { NextUpstreamCondition(rawValue: $0) }
        }),
        DirectiveSpec("proxy_next_upstream_tries", anyHTTPLevel, .exactly(1), .number(\.modules.proxy.$nextUpstreamTries)),
        DirectiveSpec("proxy_next_upstream_timeout", anyHTTPLevel, .exactly(1), .milliseconds(\.modules.proxy.$nextUpstreamTimeout)),
        DirectiveSpec("proxy_connect_timeout", anyHTTPLevel, .exactly(1), .milliseconds(\.modules.proxy.$connectTimeout)),
        DirectiveSpec("proxy_send_timeout", anyHTTPLevel, .exactly(1), .milliseconds(\.modules.proxy.$sendTimeout)),
        DirectiveSpec("proxy_read_timeout", anyHTTPLevel, .exactly(1), .milliseconds(\.modules.proxy.$readTimeout)),
        DirectiveSpec("proxy_buffer_size", anyHTTPLevel, .exactly(1), .size(\.modules.proxy.$bufferSize)),
        DirectiveSpec("proxy_buffers", anyHTTPLevel, .exactly(2), .bufferCount(\.modules.proxy.$buffers)),
        DirectiveSpec("proxy_busy_buffers_size", anyHTTPLevel, .exactly(1), .size(\.modules.proxy.$busyBuffersSize)),
        DirectiveSpec("proxy_buffering", anyHTTPLevel, .exactly(1), .flag(\.modules.proxy.$buffering)),
        DirectiveSpec("proxy_request_buffering", anyHTTPLevel, .exactly(1), .flag(\.modules.proxy.$requestBuffering)),
        DirectiveSpec("proxy_socket_keepalive", anyHTTPLevel, .exactly(1), .flag(\.modules.proxy.$socketKeepalive)),
        DirectiveSpec("proxy_force_ranges", anyHTTPLevel, .exactly(1), .flag(\.modules.proxy.$forceRanges)),
        DirectiveSpec("proxy_limit_rate", anyHTTPLevel, .exactly(1), .size(\.modules.proxy.$limitRate)),
        DirectiveSpec("proxy_bind", anyHTTPLevel, .range(1, 2), .value(\.modules.proxy.$bind) { _, d in try bind(d) }),
        DirectiveSpec("proxy_temp_path", anyHTTPLevel, .range(1, 4), .value(\.modules.proxy.$tempPath) { builder, directive in
            _ = try Values.pathLevels(directive)   // checked as nginx checks them; switchyard's temp files use none
            return builder.absolutePath(directive.arguments[0].text)
        }),
        // nginx: "is incompatible with proxy_cache" when both are on at one level (proxy_cache checks the other way).
        DirectiveSpec("proxy_store", anyHTTPLevel, .exactly(1), .value(\.modules.proxy.$store) { builder, directive in
            let text = directive.arguments[0].text
            if text == "off" { return .off }
            if builder.settings.proxy.cache.$zone.isSet && builder.settings.proxy.cache.zone != nil {
                throw ConfigError("\"proxy_store\" directive is incompatible with \"proxy_cache\"", at: directive.location)
            }
            if text == "on" { return .mappedURI }
            return .path(try Values.template(directive, directive.arguments[0]))
        }),
        DirectiveSpec("proxy_store_access", anyHTTPLevel, .range(1, 3), .value(\.modules.proxy.$storeAccess) { _, directive in
            switch DAVAccess.parse(directive.arguments.map(\.text)) {   // nginx's one access slot, as dav_access
            case .success(let mode): return mode
            case .failure(let bad): throw ConfigError("invalid value \"\(directive.arguments[bad.index].text)\"", at: directive.location)
            }
        }),
        DirectiveSpec("proxy_temp_file_write_size", anyHTTPLevel, .exactly(1), .size(\.modules.proxy.$tempFileWriteSize)),
        DirectiveSpec("proxy_max_temp_file_size", anyHTTPLevel, .exactly(1), .size(\.modules.proxy.$maxTempFileSize)),
        DirectiveSpec("proxy_intercept_errors", anyHTTPLevel, .exactly(1), .flag(\.modules.proxy.$interceptErrors)),
        DirectiveSpec("proxy_pass_request_headers", anyHTTPLevel, .exactly(1), .flag(\.modules.proxy.$passRequestHeaders)),
        DirectiveSpec("proxy_pass_request_body", anyHTTPLevel, .exactly(1), .flag(\.modules.proxy.$passRequestBody)),
        DirectiveSpec("proxy_ignore_client_abort", anyHTTPLevel, .exactly(1), .flag(\.modules.proxy.$ignoreClientAbort)),
        // A bitmask in nginx: several directives at one level add up; a level that sets none inherits.
        DirectiveSpec("proxy_ignore_headers", anyHTTPLevel, .atLeast(1),
            DirectiveHandler(merges: [DirectiveHandler.merge(\.modules.proxy.$ignoreHeaders)]) { builder, directive in
                let known = ["X-Accel-Redirect", "X-Accel-Expires", "X-Accel-Limit-Rate", "X-Accel-Buffering",
                             "X-Accel-Charset", "Expires", "Cache-Control", "Set-Cookie", "Vary"]
                var names = builder.settings.proxy.$ignoreHeaders.isSet ? builder.settings.proxy.ignoreHeaders : []
                try Values.addFlags(builder, directive, to: &names) { word in
                    known.first { $0.lowercased() == word.lowercased() }
                }
                builder.settings.proxy.$ignoreHeaders.set(names)
            }),
        DirectiveSpec("proxy_method", anyHTTPLevel, .exactly(1), .value(\.modules.proxy.$method) { _, directive in
            try Values.template(directive, directive.arguments[0])
        }),
        DirectiveSpec("proxy_set_body", anyHTTPLevel, .exactly(1), .value(\.modules.proxy.$setBody) { _, directive in
            try Values.template(directive, directive.arguments[0])
        }),
        DirectiveSpec("proxy_pass_trailers", anyHTTPLevel, .exactly(1), .flag(\.modules.proxy.$passTrailers)),
        DirectiveSpec("proxy_cookie_domain", anyHTTPLevel, .range(1, 2),
            DirectiveHandler(merges: [DirectiveHandler.merge(\.modules.proxy.$cookieDomain)]) { builder, directive in
                try cookieRewrite(builder, directive, \.modules.proxy.$cookieDomain, domains: true)
            }),
        DirectiveSpec("proxy_cookie_path", anyHTTPLevel, .range(1, 2),
            DirectiveHandler(merges: [DirectiveHandler.merge(\.modules.proxy.$cookiePath)]) { builder, directive in
                try cookieRewrite(builder, directive, \.modules.proxy.$cookiePath, domains: false)
            }),
        DirectiveSpec("proxy_cookie_flags", anyHTTPLevel, .range(1, 4),   // a cookie and up to three flags (TAKE1234)
            DirectiveHandler(merges: [DirectiveHandler.merge(\.modules.proxy.$cookieFlags)]) { builder, directive in
                try cookieFlags(builder, directive)
            }),
        DirectiveSpec("proxy_cache_convert_head", anyHTTPLevel, .exactly(1), .flag(\.modules.proxy.cache.$convertHead)),
        // switchyard's: RFC 9213 targeted fields this cache obeys before CDN-Cache-Control (`off`: none, not even that).
        DirectiveSpec("proxy_cache_target_field", anyHTTPLevel, .atLeast(1), .value(\.modules.proxy.cache.$targetFields) { _, directive in
            let words = directive.arguments.map(\.text)
            if words == ["off"] { return [] }
            var names: [String] = []
            for word in words {
                let lower = word.lowercased()
                guard !word.isEmpty, word.utf8.allSatisfy({ b in (b | 0x20) &- 97 < 26 || b &- 48 < 10 || "!#$%&'*+-.^_`|~".utf8.contains(b) }), lower != "cache-control", lower != "off" else {
                    throw ConfigError("invalid value \"\(word)\"", at: directive.location)
                }
                if !names.contains(lower) { names.append(lower) }
            }
            if !names.contains("cdn-cache-control") { names.append("cdn-cache-control") }
            return names
        }),
        ] + upstreamCache(.proxy, \.modules.proxy.cache)
    }

    /// `proxy_redirect off | default | from to`: rules accumulate at one level, replacing the inherited ones.
    private static func redirect(_ builder: ConfigBuilder, _ directive: Directive) throws {
        let arguments = directive.arguments
        let current = builder.settings.proxy.$redirect
        var rules: [ProxyRedirectRule] = []
        // nginx: nothing after `off` at one level, and `off` only as a level's first.
        if current.isSet, case .off = current.wrappedValue { throw duplicate(directive) }
        if current.isSet, case .rules(let existing) = current.wrappedValue { rules = existing }
        if arguments.count == 1 {
            switch arguments[0].text {
            case "off":
                if current.isSet { throw duplicate(directive) }
                builder.settings.proxy.$redirect.set(.off)
                return
            case "default":
                // nginx builds the default rule from this location's proxy_pass, so it must come first and be a URL.
                switch builder.currentLocation?.handler {
                case .proxy(.static)?:
                    break
                case .proxy(.dynamic)?:
                    throw ConfigError("\"proxy_redirect default\" cannot be used with \"proxy_pass\" directive with variables",
                                      at: directive.location)
                default:
                    throw ConfigError("\"proxy_redirect default\" should be placed after the \"proxy_pass\" directive",
                                      at: directive.location)
                }
                rules.append(.default)
            default:
                throw ConfigError("invalid parameter \"\(arguments[0].text)\"", at: directive.location)
            }
        } else {
            let from = arguments[0].text
            let replacement = try Values.template(directive, arguments[1])
            if from.hasPrefix("~*") {
                let pattern = String(from.dropFirst(2))
                try builder.checkRegex(pattern, caseInsensitive: true, at: directive.location)
                rules.append(.regex(pattern, caseInsensitive: true, replacement: replacement))
            } else if from.hasPrefix("~") {
                let pattern = String(from.dropFirst())
                try builder.checkRegex(pattern, caseInsensitive: false, at: directive.location)
                rules.append(.regex(pattern, caseInsensitive: false, replacement: replacement))
            } else {
                rules.append(.literal(try Values.template(directive, arguments[0]), replacement: replacement))
            }
        }
        builder.settings.proxy.$redirect.set(.rules(rules))
    }

    private static func duplicate(_ directive: Directive) -> ConfigError {
        ConfigError("\"\(directive.name)\" directive is duplicate", at: directive.location)
    }

    /// `proxy_cookie_domain|path off | from to`: rules accumulate at one level; `off` clears them and
    /// allows no other rule at that level (nginx's "is duplicate").
    private static func cookieRewrite(_ builder: ConfigBuilder, _ directive: Directive,
                                      _ path: SettingPath<[CookieRewrite]>, domains: Bool) throws {
        let arguments = directive.arguments
        let current = DirectiveHandler.read(&builder.settings[keyPath: path])
        if arguments.count == 1 {
            guard arguments[0].text == "off" else {
                throw ConfigError("invalid parameter \"\(arguments[0].text)\"", at: directive.location)
            }
            if current.isSet { throw ConfigError("\"\(directive.name)\" directive is duplicate", at: directive.location) }
            builder.settings[keyPath: path].set([])
            return
        }
        if current.isSet && current.wrappedValue.isEmpty {
            throw ConfigError("\"\(directive.name)\" directive is duplicate", at: directive.location)
        }
        var from = arguments[0], to = arguments[1]
        // proxy_cookie_domain compares and writes domains without their leading dot (a cookie's own dot is kept
        // aside and put back), so nginx drops the dot from both of a plain rule's texts.
        if domains, from.bytes.first != UInt8(ascii: "~") {
            from = Self.withoutLeadingDot(from)
            to = Self.withoutLeadingDot(to)
        }
        let rule = CookieRewrite(match: try rewriteMatch(builder, directive, from),
                                 replacement: try Values.template(directive, to))
        builder.settings[keyPath: path].set((current.isSet ? current.wrappedValue : []) + [rule])
    }

    private static func withoutLeadingDot(_ a: Argument) -> Argument {
        a.bytes.first == UInt8(ascii: ".") ? Argument(Array(a.bytes.dropFirst()), quoted: a.quoted) : a
    }

    /// `~regex`, `~*regex` or a text with variables.
    static func rewriteMatch(_ builder: ConfigBuilder, _ directive: Directive, _ argument: Argument) throws -> RewriteMatch {
        let text = argument.text
        if text.hasPrefix("~") {
            let caseInsensitive = text.hasPrefix("~*")
            let pattern = String(text.dropFirst(caseInsensitive ? 2 : 1))
            try builder.checkRegex(pattern, caseInsensitive: caseInsensitive, at: directive.location)
            return .regex(pattern, caseInsensitive: caseInsensitive)
        }
        return .literal(try Values.template(directive, argument))
    }

    private static func cookieFlags(_ builder: ConfigBuilder, _ directive: Directive) throws {
        let arguments = directive.arguments
        let current = builder.settings.proxy.$cookieFlags
        if arguments.count == 1 && arguments[0].text == "off" {
            if current.isSet { throw ConfigError("\"proxy_cookie_flags\" directive is duplicate", at: directive.location) }
            builder.settings.proxy.$cookieFlags.set([])
            return
        }
        // A cookie alone, without flags, is not a rule: nginx takes one argument only as `off`.
        if arguments.count == 1 { throw Values.invalidParameter(directive, arguments[0].text) }
        if current.isSet && current.wrappedValue.isEmpty {
            throw ConfigError("\"proxy_cookie_flags\" directive is duplicate", at: directive.location)
        }
        var flags: [CookieFlagsRule.Flag] = []
        for argument in arguments.dropFirst() {
            switch argument.text.lowercased() {
            case "secure": flags.append(.secure)
            case "httponly": flags.append(.httpOnly)
            case "samesite=strict": flags.append(.sameSite("Strict"))
            case "samesite=lax": flags.append(.sameSite("Lax"))
            case "samesite=none": flags.append(.sameSite("None"))
            case "nosecure": flags.append(.noSecure)
            case "nohttponly": flags.append(.noHttpOnly)
            case "nosamesite": flags.append(.noSameSite)
            default: flags.append(.evaluated(try Values.template(directive, argument)))
            }
        }
        // nginx 1.22 takes a cookie named twice (1.19.3 to 1.19.7 refused it with "duplicate parameter"; 1.19.8
        // dropped the check with variables in the flags): the first rule that matches a cookie applies.
        let cookie = try rewriteMatch(builder, directive, arguments[0])
        builder.settings.proxy.$cookieFlags.set((current.isSet ? current.wrappedValue : []) + [CookieFlagsRule(cookie: cookie, flags: flags)])
    }

    /// `proxy_bind` (and the CGI family's, memcached's): `off`, or an address literal or a template evaluated per
    /// request, optionally `transparent`.
    static func bind(_ directive: Directive) throws -> ProxyBind? {
        let arguments = directive.arguments
        if arguments[0].text == "off" {
            guard arguments.count == 1 else { throw Values.invalidParameter(directive, arguments[1].text) }
            return nil
        }
        if arguments.count == 2 && arguments[1].text != "transparent" {
            throw Values.invalidParameter(directive, arguments[1].text)
        }
        let address = try Values.template(directive, arguments[0])
        // A constant must be an address literal, as nginx's ngx_parse_addr_port reads it (no name lookup).
        if address.isLiteral && !isBindAddress(arguments[0].text) {
            throw ConfigError("invalid address \"\(arguments[0].text)\"", at: directive.location)
        }
        return ProxyBind(address: address, transparent: arguments.count == 2)
    }

    /// `address[:port]` as nginx's ngx_parse_addr_port reads it: an IPv4 or IPv6 literal, IPv6 in brackets when
    /// a port follows.
    static func isBindAddress(_ text: String) -> Bool {
        if IPAddressText.parse(Substring(text)) != nil { return true }
        var host = Substring(text), port = Substring("")
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || rest.hasPrefix(":") else { return false }
            port = rest.dropFirst()
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]; port = text[text.index(after: colon)...]
        }
        return IPAddressText.parse(host) != nil && (port.isEmpty || UInt16(port) != nil)
    }

    /// nginx's bitmask with an `off` flag (proxy_next_upstream, proxy_cache_use_stale): the flags of every
    /// directive at a level add up, and `off` anywhere among them makes the whole set empty.
    static func bitmaskWithOff<Flag: Hashable>(
        _ builder: ConfigBuilder, _ directive: Directive, _ current: Set<Flag>?, _ flag: (String) -> Flag?
    ) throws -> Set<Flag> {
        var flags = Set<Flag?>((current ?? []).map { $0 })
        try Values.addFlags(builder, directive, to: &flags) { word -> Flag?? in
            word == "off" ? .some(nil) : flag(word).map { .some($0) }
        }
        // A level already off (set, and empty) stays off.
        return flags.contains(nil) || current?.isEmpty == true ? [] : Set(flags.compactMap { $0 })
    }
}

/// `proxy_pass URL`: scheme, host or upstream name, port, optional URI; variables make it dynamic.
enum ProxyPassParser {
    static func parse(_ directive: Directive) throws -> ProxyPass {
        let argument = directive.arguments[0]
        let text = argument.text
        let template = try Values.template(directive, argument)
        if !template.isLiteral { return .dynamic(template) }
        // An ASCII URL (any that names a host) is searched as bytes: lowercasing the text and Character-wise
        // searches were most of the ~9,000 instructions each proxy_pass cost.
        let ascii = Values.isASCII(argument.bytes)
        func hasPrefix(_ prefix: String) -> Bool {
            guard ascii else { return text.lowercased().hasPrefix(prefix) }
            let bytes = argument.bytes
            return bytes.count >= prefix.utf8.count && zip(bytes, prefix.utf8).allSatisfy { byte, p in
                (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte) == p
            }
        }
        let scheme: String
        if hasPrefix("http://") {
            scheme = "http"
        } else if hasPrefix("https://") {
            scheme = "https"
        } else {
            throw ConfigError("invalid URL prefix in \"\(text)\"", at: directive.location)
        }
        let rest = ascii ? String(decoding: argument.bytes.dropFirst(scheme.count + 3), as: UTF8.self)
            : String(text.dropFirst(scheme.count + 3))
        if rest.hasPrefix("unix:") {
            // http://unix:/path/to/socket:/uri
            let socket = rest.dropFirst(5)
            let colon = socket.firstIndex(of: ":")
            let path = String(socket[..<(colon ?? socket.endIndex)])
            let uri = colon.map { String(socket[socket.index(after: $0)...]) }
            return .static(ProxyURL(
                scheme: scheme, target: .unix(path: path), hostHeader: "localhost", uri: uri, location: directive.location))
        }
        let slash = ascii ? rest.utf8.firstIndex(of: UInt8(ascii: "/")) : rest.firstIndex(of: "/")
        let hostPort = String(rest[..<(slash ?? rest.endIndex)])
        let uri = slash.map { String(rest[$0...]) }
        guard !hostPort.isEmpty, let split = HostPort.split(hostPort), !split.host.isEmpty else {
            throw ConfigError("no host in \"\(text)\"", at: directive.location)
        }
        var port = scheme == "https" ? 443 : 80
        if let portText = split.port {
            guard let value = Values.decimal(portText), (1...65535).contains(value) else {
                throw ConfigError("invalid port in upstream \"\(hostPort)\"", at: directive.location)
            }
            port = value
        }
        // The host may still turn out to be an upstream name; ConfigBuilder.finish decides.
        let target: ProxyTarget = split.port == nil
            ? .upstream(split.host) : .address(host: split.host, port: port)
        return .static(ProxyURL(scheme: scheme, target: target, hostHeader: hostPort, uri: uri, location: directive.location))
    }
}
