/// ngx_http_fastcgi_module directives. `fastcgi_cache*` and `fastcgi_store*` are not rows: ConfigBuilder refuses
/// them with a message saying FastCGI responses are not cached.
extension DirectiveTable {
    static var fastcgi: [DirectiveSpec] {
        let any = anyHTTPLevel
        return [
        DirectiveSpec("fastcgi_pass", [.location], .exactly(1), .custom { builder, directive in
            try setHandler(builder, directive, .fastcgi(try FastCGIPassParser.parse(directive)))
        }),
        DirectiveSpec("fastcgi_param", any, .range(2, 3), .append(\.fastcgi.$params) { _, directive in
            let arguments = directive.arguments
            if arguments.count == 3 && arguments[2].text != "if_not_empty" {
                throw ConfigError("invalid parameter \"\(arguments[2].text)\"", at: directive.location)
            }
            return [FastCGIParam(name: arguments[0].text, value: try Values.template(directive, arguments[1]),
                                 ifNotEmpty: arguments.count == 3, location: directive.location)]
        }),
        DirectiveSpec("fastcgi_index", any, .exactly(1), .value(\.fastcgi.$index) { _, directive in
            directive.arguments[0].text
        }),
        DirectiveSpec("fastcgi_split_path_info", [.location], .exactly(1), .value(\.fastcgi.$splitPathInfo) {
            builder, directive in
            let pattern = directive.arguments[0].text
            try builder.checkRegex(pattern, caseInsensitive: false, at: directive.location)
            return FastCGISplit(pattern: pattern, location: directive.location)
        }),
        DirectiveSpec("fastcgi_hide_header", any, .exactly(1), .words(\.fastcgi.$hideHeaders)),
        DirectiveSpec("fastcgi_pass_header", any, .exactly(1), .words(\.fastcgi.$passHeaders)),
        DirectiveSpec("fastcgi_ignore_headers", any, .atLeast(1),
            DirectiveHandler(merges: [DirectiveHandler.merge(\.fastcgi.$ignoreHeaders)]) { builder, directive in
                let known = ["X-Accel-Redirect", "X-Accel-Expires", "X-Accel-Limit-Rate", "X-Accel-Buffering",
                             "X-Accel-Charset", "Expires", "Cache-Control", "Set-Cookie", "Vary"]
                var names = builder.settings.fastcgi.$ignoreHeaders.isSet ? builder.settings.fastcgi.ignoreHeaders : []
                try Values.addFlags(builder, directive, to: &names) { word in
                    known.first { $0.lowercased() == word.lowercased() }
                }
                builder.settings.fastcgi.$ignoreHeaders.set(names)
            }),
        DirectiveSpec("fastcgi_next_upstream", any, .atLeast(1), .accumulate(\.fastcgi.$nextUpstream) {
            builder, directive, current in
            try bitmaskWithOff(builder, directive, current) { NextUpstreamCondition(rawValue: $0) }
        }),
        DirectiveSpec("fastcgi_next_upstream_tries", any, .exactly(1), .number(\.fastcgi.$nextUpstreamTries)),
        DirectiveSpec("fastcgi_next_upstream_timeout", any, .exactly(1), .milliseconds(\.fastcgi.$nextUpstreamTimeout)),
        DirectiveSpec("fastcgi_connect_timeout", any, .exactly(1), .milliseconds(\.fastcgi.$connectTimeout)),
        DirectiveSpec("fastcgi_send_timeout", any, .exactly(1), .milliseconds(\.fastcgi.$sendTimeout)),
        DirectiveSpec("fastcgi_read_timeout", any, .exactly(1), .milliseconds(\.fastcgi.$readTimeout)),
        DirectiveSpec("fastcgi_buffer_size", any, .exactly(1), .size(\.fastcgi.$bufferSize)),
        DirectiveSpec("fastcgi_buffers", any, .exactly(2), .bufferCount(\.fastcgi.$buffers)),
        DirectiveSpec("fastcgi_busy_buffers_size", any, .exactly(1), .size(\.fastcgi.$busyBuffersSize)),
        DirectiveSpec("fastcgi_temp_file_write_size", any, .exactly(1), .size(\.fastcgi.$tempFileWriteSize)),
        DirectiveSpec("fastcgi_intercept_errors", any, .exactly(1), .flag(\.fastcgi.$interceptErrors)),
        DirectiveSpec("fastcgi_pass_request_headers", any, .exactly(1), .flag(\.fastcgi.$passRequestHeaders)),
        DirectiveSpec("fastcgi_pass_request_body", any, .exactly(1), .flag(\.fastcgi.$passRequestBody)),
        DirectiveSpec("fastcgi_keep_conn", any, .exactly(1), .flag(\.fastcgi.$keepConn)),
        DirectiveSpec("fastcgi_request_buffering", any, .exactly(1), .flag(\.fastcgi.$requestBuffering)),
        DirectiveSpec("fastcgi_catch_stderr", any, .exactly(1), .words(\.fastcgi.$catchStderr)),
        ]
    }
}

/// `fastcgi_pass address`: `host:port`, `unix:/path`, an upstream block's name, or a text with variables
/// evaluated per request. Kept as a `ProxyURL` with scheme `fastcgi`, so the same resolution (upstream by name,
/// address at load, implicit groups and the resolver for variables) serves both modules.
enum FastCGIPassParser {
    static func parse(_ directive: Directive) throws -> ProxyPass {
        let argument = directive.arguments[0]
        let text = argument.text
        let template = try Values.template(directive, argument)
        if !template.isLiteral { return .dynamic(template) }
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { throw ConfigError("no path in the unix domain socket", at: directive.location) }
            return .static(ProxyURL(scheme: "fastcgi", target: .unix(path: path), hostHeader: text, uri: nil,
                                    location: directive.location))
        }
        guard !text.isEmpty, !text.contains("/"), let split = HostPort.split(text), !split.host.isEmpty else {
            throw ConfigError("invalid host in upstream \"\(text)\"", at: directive.location)
        }
        guard let portText = split.port else {
            return .static(ProxyURL(scheme: "fastcgi", target: .upstream(split.host), hostHeader: text, uri: nil,
                                    location: directive.location))
        }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw ConfigError("invalid port in upstream \"\(text)\"", at: directive.location)
        }
        return .static(ProxyURL(scheme: "fastcgi", target: .address(host: split.host, port: port), hostHeader: text,
                                uri: nil, location: directive.location))
    }
}
