/// `fastcgi_pass`, `uwsgi_pass`, `scgi_pass address`: `host:port`, `unix:/path`, an upstream block's name, or
/// a text with variables evaluated per request. Kept as a `ProxyURL` whose scheme is the protocol's name, so the
/// same resolution (upstream by name, address at load, implicit groups and the resolver for variables) serves
/// proxy_pass and the CGI family.
enum CGIPassParser {
    /// `memcached_pass` takes no variables in nginx 1.22: its text is an address or an upstream's name as written,
    /// so `$host:11211` is a host that is not found and `$host` an implicit group with no port, as nginx says.
    static func parse(_ directive: Directive, _ wire: CGIProtocol) throws -> ProxyPass {
        let argument = directive.arguments[0]
        var text = argument.text
        if wire != .memcached {
            let template = try Values.template(directive, argument)
            if !template.isLiteral { return .dynamic(template) }
        }
        var scheme = wire.rawValue
        if wire == .uwsgi {
            // uwsgi_pass may name its scheme; suwsgi:// is uwsgi over TLS (the uwsgi_ssl_* settings apply).
            if text.lowercased().hasPrefix("uwsgi://") { text = String(text.dropFirst(8)) }
            else if text.lowercased().hasPrefix("suwsgi://") { text = String(text.dropFirst(9)); scheme = "suwsgi" }
        }
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { throw ConfigError("no path in the unix domain socket", at: directive.location) }
            return .static(ProxyURL(scheme: scheme, target: .unix(path: path), hostHeader: text, uri: nil,
                                    location: directive.location))
        }
        guard !text.isEmpty, !text.contains("/"), let split = HostPort.split(text), !split.host.isEmpty else {
            throw ConfigError("invalid host in upstream \"\(text)\"", at: directive.location)
        }
        guard let portText = split.port else {
            return .static(ProxyURL(scheme: scheme, target: .upstream(split.host), hostHeader: text, uri: nil,
                                    location: directive.location))
        }
        guard let port = Values.decimal(portText), (1...65535).contains(port) else {
            throw ConfigError("invalid port in upstream \"\(text)\"", at: directive.location)
        }
        return .static(ProxyURL(scheme: scheme, target: .address(host: split.host, port: port), hostHeader: text,
                                uri: nil, location: directive.location))
    }
}
