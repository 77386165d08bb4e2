/// ngx_http_fastcgi_module directives. `fastcgi_cache*` and `fastcgi_store*` are not rows: ConfigBuilder refuses
/// them with a message saying FastCGI responses are not cached.
extension DirectiveTable {
    static var fastcgi: [DirectiveSpec] {
        let any = anyHTTPLevel
        return [
        DirectiveSpec("fastcgi_pass", [.location], .exactly(1), .custom { builder, directive in
            try setHandler(builder, directive, .fastcgi(try FastCGIPassParser.parse(directive)))
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
        DirectiveSpec("fastcgi_keep_conn", any, .exactly(1), .flag(\.fastcgi.$keepConn)),
        DirectiveSpec("fastcgi_catch_stderr", any, .exactly(1), .words(\.fastcgi.$catchStderr)),
        ] + cgiFamily("fastcgi", \.fastcgi.family)
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
