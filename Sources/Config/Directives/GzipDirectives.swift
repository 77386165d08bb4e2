/// ngx_http_gzip_module directives, ngx_http_gzip_static_module's `gzip_static` and ngx_http_gunzip_module's two
/// (the three modules share the client checks: gzip_http_version, gzip_proxied, gzip_disable, gzip_vary).
extension DirectiveTable {
    static var gzip: [DirectiveSpec] {
        [
        DirectiveSpec("gzip", anyHTTPLevel, .exactly(1), .flag(\.gzip.$enabled)),
        DirectiveSpec("gzip_types", anyHTTPLevel, .atLeast(1), .value(\.gzip.$types) { _, directive in
            // text/html is always compressed, as in nginx.
            Set(directive.arguments.map { $0.text.lowercased() }).union(["text/html"])
        }),
        DirectiveSpec("gzip_min_length", anyHTTPLevel, .exactly(1), .offset(\.gzip.$minLength)),
        DirectiveSpec("gzip_comp_level", anyHTTPLevel, .exactly(1), .value(\.gzip.$compLevel) { _, directive in
            let level = try Values.number(directive, directive.arguments[0])
            guard (1...9).contains(level) else {
                throw ConfigError("value must be between 1 and 9", at: directive.location)
            }
            return level
        }),
        DirectiveSpec("gzip_http_version", anyHTTPLevel, .exactly(1), .value(\.gzip.$httpVersion) { _, directive in
            guard let version = HTTPVersion(rawValue: directive.arguments[0].text) else {
                throw ConfigError("invalid value \"\(directive.arguments[0].text)\"", at: directive.location)
            }
            return version
        }),
        DirectiveSpec("gzip_vary", anyHTTPLevel, .exactly(1), .flag(\.gzip.$vary)),
        DirectiveSpec("gzip_proxied", anyHTTPLevel, .atLeast(1), .accumulate(\.gzip.$proxied) { builder, directive, current in
            var flags = current ?? []
            try Values.addFlags(builder, directive, to: &flags) { GzipProxied(rawValue: $0) }
            return flags
        }),
        DirectiveSpec("gzip_disable", anyHTTPLevel, .atLeast(1), .append(\.gzip.$disable) { builder, directive in
            try directive.arguments.map { argument in
                let pattern = argument.text
                if pattern != "msie6" && pattern != "degradation" {
                    try builder.checkRegex(pattern, caseInsensitive: true, at: directive.location)
                }
                return pattern
            }
        }),
        DirectiveSpec("gzip_buffers", anyHTTPLevel, .exactly(2), .bufferCount(\.gzip.$buffers)),
        // ngx_http_gzip_static_module's one directive.
        DirectiveSpec("gzip_static", anyHTTPLevel, .exactly(1), .choice(\.gzip.$staticMode)),
        DirectiveSpec("gunzip", anyHTTPLevel, .exactly(1), .flag(\.gzip.$gunzip)),
        DirectiveSpec("gunzip_buffers", anyHTTPLevel, .exactly(2), .bufferCount(\.gzip.$gunzipBuffers)),
        ]
    }
}
