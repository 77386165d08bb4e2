import EventLoop
import HTTP1
import ASCIIBytes

/// A `proxy_pass` URL with variables, evaluated for one request and split the way nginx's `ngx_parse_url`
/// splits it: `http://$backend$uri` with `$backend = "10.0.0.5:8080"` gives host `10.0.0.5`, port 8080,
/// `$proxy_host` `10.0.0.5:8080` and the URI part `/…`. `https://` means TLS toward the server (default port 443).
///
///     DynamicProxyURL.parse(Array("http://pool_a".utf8))   // host "pool_a", no port, uri nil
struct DynamicProxyURL: Equatable {
    /// The host as written, brackets of an IPv6 literal included.
    var host: [UInt8]
    var port: UInt16
    /// No `:port` was given (only then may the host name an `upstream` block, as in nginx).
    var noPort: Bool
    /// `$proxy_host`: the host, plus `:port` when a port other than 80 was given.
    var hostHeader: [UInt8]
    /// `$proxy_port`.
    var portText: [UInt8]
    /// The URI part, sent as-is instead of the request's URI; nil when the URL has none.
    var uri: [UInt8]?
    /// `https://` (uwsgi's `suwsgi://`): the try handshakes TLS with the location's proxy_ssl_* (uwsgi_ssl_*) settings.
    var secure = false
    /// `http://unix:/path:/uri`: the socket file (the host is then `localhost`, as in nginx).
    var unixPath: [UInt8]? = nil

    /// Why an evaluated URL cannot be used; nginx answers 500 and logs the message.
    struct Invalid: Error, Equatable { let message: String }

    static func parse(_ url: [UInt8]) -> Result<DynamicProxyURL, Invalid> {
        let text = String(decoding: url, as: UTF8.self)
        let secure = ASCII.hasPrefixLowercased(url, "https://")
        guard secure || ASCII.hasPrefixLowercased(url, "http://") else {
            return .failure(Invalid(message: "invalid URL prefix in \"\(text)\""))
        }
        let schemeLength = secure ? 8 : 7
        let defaultPort: UInt16 = secure ? 443 : 80
        let rest = url[schemeLength...]
        if ASCII.hasPrefixLowercased(rest, "unix:") { return unix(rest.dropFirst(5), secure: secure) }
        // The authority ends at the first "/" or "?" (a bare "?args" part becomes "/?args", as in nginx).
        let end = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? rest.endIndex
        let authority = rest[..<end]
        var uri: [UInt8]? = nil
        if end < rest.endIndex {
            uri = rest[end] == UInt8(ascii: "?") ? [UInt8(ascii: "/")] + rest[end...] : Array(rest[end...])
        }
        var host = authority
        var portPart: ArraySlice<UInt8>? = nil
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else {
                return .failure(Invalid(message: "invalid host in upstream \"\(text.dropFirst(schemeLength))\""))
            }
            host = authority[...close]
            let after = authority[(close + 1)...]
            if !after.isEmpty {
                guard after.first == UInt8(ascii: ":") else {
                    return .failure(Invalid(message: "invalid host in upstream \"\(text.dropFirst(schemeLength))\""))
                }
                portPart = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: UInt8(ascii: ":")) {
            host = authority[..<colon]
            portPart = authority[(colon + 1)...]
        }
        if host.isEmpty { return .failure(Invalid(message: "no host in upstream \"\(text.dropFirst(schemeLength))\"")) }
        var port = defaultPort
        if let p = portPart {
            guard let n = ASCIIDecimal.parseInt64(p), (1...65535).contains(n) else {
                return .failure(Invalid(message: "invalid port in upstream \"\(text.dropFirst(schemeLength))\""))
            }
            port = UInt16(n)
        }
        let explicitPort = portPart != nil && port != defaultPort
        return .success(DynamicProxyURL(host: Array(host), port: port, noPort: portPart == nil,
                                        hostHeader: explicitPort ? Array(authority) : Array(host),
                                        portText: explicitPort ? Array(portPart!) : Array(String(defaultPort).utf8), uri: uri,
                                        secure: secure))
    }

    /// `unix:/path` or `unix:/path:/uri` (nginx's ngx_parse_unix_domain_url): the path ends at the first ":".
    private static func unix(_ rest: ArraySlice<UInt8>, secure: Bool) -> Result<DynamicProxyURL, Invalid> {
        let colon = rest.firstIndex(of: UInt8(ascii: ":"))
        let path = rest[..<(colon ?? rest.endIndex)]
        // The URL as the error lines show it: made only for a refusal, not for every request.
        func shown() -> String { "unix:" + String(decoding: rest, as: UTF8.self) }
        if path.isEmpty { return .failure(Invalid(message: "no path in the unix domain socket \"\(shown())\"")) }
        if path.count > SocketAddress.maxUnixPathLength {
            return .failure(Invalid(message: "too long path in the unix domain socket \"\(shown())\""))
        }
        let uri = colon.flatMap { $0 + 1 < rest.endIndex ? Array(rest[($0 + 1)...]) : nil }
        return .success(DynamicProxyURL(host: Array("localhost".utf8), port: 0, noPort: false, hostHeader: Array("localhost".utf8),
                                        portText: [], uri: uri, secure: secure, unixPath: Array(path)))
    }

    /// Where the request goes, in nginx's order: an IP literal directly; a host without a port that names an
    /// `upstream` block (case-insensitively) to that group; a host and port some `proxy_pass` without variables
    /// names to the address resolved at load; anything else would need a DNS resolver.
    enum Destination: Equatable {
        case address(SocketAddress)
        case upstream(Int)
        case needsResolver
    }

    func destination(_ groups: ProxyGroups) -> Destination {
        if let unixPath { return .address(SocketAddress(unixPath: String(decoding: unixPath, as: UTF8.self))) }
        if let a = ipLiteral { return .address(a) }
        let name = ASCII.lowercased(host[...])
        if noPort, let i = groups.upstreams[name] { return .upstream(i) }
        if let a = groups.implicit[ProxyGroups.HostPort(host: name, port: port)] { return .address(a) }
        return .needsResolver
    }

    /// `SocketAddress.parse` reads numeric addresses only, so a name (or "*") is never taken for one.
    private var ipLiteral: SocketAddress? {
        if host == [UInt8(ascii: "*")] { return nil }
        return SocketAddress.parse(String(decoding: host, as: UTF8.self) + ":" + String(port))
    }

}

/// What a `proxy_pass` with variables can reach without a resolver, built once per configuration.
struct ProxyGroups: Sendable {
    struct HostPort: Hashable, Sendable {
        let host: [UInt8]   // lowercased
        let port: UInt16
    }
    /// `upstream` block names (lowercased) → index into `Runtime.upstreams`.
    var upstreams: [[UInt8]: Int] = [:]
    /// nginx's implicit groups: `proxy_pass http://name:port` without variables, resolved while loading.
    var implicit: [HostPort: SocketAddress] = [:]
}

extension ProxyRuntime {
    /// TLS toward the upstream for `r`: `proxy_pass https://…`, or a URL with variables that evaluated to https
    /// (`ProxyDestination.resolve` set `r.dynamicURL`).
    func speaksTLS(for r: Request) -> Bool {
        guard tls != nil else { return false }
        if case .variable = target { return r.dynamicURL?.secure == true }
        return true
    }
}

/// Where one request's `proxy_pass` leads: fixed at load for a URL without variables (no work per request),
/// evaluated per request otherwise.
enum ProxyDestination {
    case upstream(UpstreamRuntime)
    case address(SocketAddress, label: [UInt8])
    /// The URL cannot be used: nginx's status and error_log message, reported when the request would go upstream.
    case unusable(status: Int, message: String)
    /// A host name for the location's resolver (ProxyExchange+Resolver.swift), with the URL's port.
    case resolve(name: [UInt8], port: UInt16, resolver: ResolverRuntime)

    static func resolve(_ proxy: ProxyRuntime, for r: Request, runtime: Runtime) -> ProxyDestination {
        switch proxy.target {
        case .upstream(let i): return .upstream(runtime.upstreams[i])
        case .address(let a, let label): return .address(a, label: label)
        case .variable(let template, let groups, let resolver):
            var text: [UInt8] = []
            // fastcgi_pass $var (uwsgi_pass, scgi_pass): `host:port`, `unix:/path` or an upstream's name, read as
            // proxy_pass's URL would be; uwsgi's may start with its scheme.
            if proxy.cgi != nil { text.append(contentsOf: "http://".utf8) }
            r.evaluate(template, into: &text)
            if case .uwsgi? = proxy.cgi?.wire {
                if text.count > 15, ASCII.equalsLowercased(text[7..<15], "uwsgi://") {
                    text.removeSubrange(7..<15)
                } else if text.count > 16, ASCII.equalsLowercased(text[7..<16], "suwsgi://") {
                    text.replaceSubrange(0..<16, with: "https://".utf8)   // over TLS, with the uwsgi_ssl_* settings
                }
            }
            switch DynamicProxyURL.parse(text) {
            case .failure(let e): return .unusable(status: 500, message: e.message)
            case .success(let url):
                r.dynamicURL = url
                switch url.destination(groups) {
                case .upstream(let i): return .upstream(runtime.upstreams[i])
                case .address(let a): return .address(a, label: Array(a.description.utf8))
                case .needsResolver:
                    if let resolver { return .resolve(name: url.host, port: url.port, resolver: resolver) }
                    return .unusable(status: 502, message: "no resolver defined to resolve \(String(decoding: url.host, as: UTF8.self))")
                }
            }
        }
    }
}
