/// `resolver address ... [valid=time] [ipv4=on|off] [ipv6=on|off]`, read with nginx's wording
/// (ngx_resolver_create and ngx_parse_url with default port 53).
enum ResolverArguments {
    static func parse(_ directive: Directive) throws -> Resolver {
        var servers: [Resolver.Server] = []
        var valid: Int? = nil
        var ipv4 = true, ipv6 = true
        for argument in directive.arguments {
            let text = argument.text
            func invalid() -> ConfigError { ConfigError("invalid parameter: \(text)", at: directive.location) }
            if text.hasPrefix("valid=") {
                guard let seconds = Units.seconds(String(text.dropFirst(6))) else { throw invalid() }
                valid = seconds
            } else if text.hasPrefix("ipv4=") || text.hasPrefix("ipv6=") {
                let on: Bool
                switch text.dropFirst(5) {
                case "on": on = true
                case "off": on = false
                default: throw invalid()
                }
                if text.hasPrefix("ipv4=") { ipv4 = on } else { ipv6 = on }
            } else if text.hasPrefix("status_zone=") {
                // nginx Plus only: nginx 1.22 takes it for a server name that does not resolve. Said without a
                // lookup, so the verdict does not depend on the machine's DNS.
                throw ConfigError("host not found in resolver \"\(text)\"", at: directive.location)
            } else {
                servers.append(try server(text, directive))
            }
        }
        if servers.isEmpty { throw ConfigError("no name servers defined", at: directive.location) }
        if !ipv4 && !ipv6 {
            throw ConfigError("\"ipv4\" and \"ipv6\" cannot both be \"off\"", at: directive.location)
        }
        return Resolver(servers: servers, validSeconds: valid, ipv4: ipv4, ipv6: ipv6, location: directive.location)
    }

    /// `10.0.0.2`, `10.0.0.2:5353`, `[::1]`, `[::1]:53`, `ns.example`.
    private static func server(_ text: String, _ directive: Directive) throws -> Resolver.Server {
        var host = Substring(text)
        var portText: Substring? = nil
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw ConfigError("invalid host in resolver \"\(text)\"", at: directive.location)
            }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { throw ConfigError("invalid host in resolver \"\(text)\"", at: directive.location) }
                portText = after.dropFirst()
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        var port: UInt16 = 53
        if let portText {
            guard portText.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(portText), (1...65535).contains(n) else {
                throw ConfigError("invalid port in resolver \"\(text)\"", at: directive.location)
            }
            port = UInt16(n)
        }
        if host.isEmpty { throw ConfigError("no host in resolver \"\(text)\"", at: directive.location) }
        return Resolver.Server(host: String(host), port: port, text: text)
    }
}
