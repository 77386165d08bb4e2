import Config
import EventLoop

/// A location's `resolver` and `resolver_timeout`, frozen: the name servers (names among them resolved at load)
/// and how answers are asked and kept. Locations with the same settings share one, and each worker has one
/// `DNSResolver` (with its cache) per instance (Worker.resolver(for:)); a reload builds new ones.
final class ResolverRuntime: Sendable {
    let servers: [SocketAddress]
    /// `valid=`: answers are cached this long instead of their TTL (errors too, instead of nginx's 10 s).
    let validSeconds: Int?
    let ipv4: Bool
    let ipv6: Bool
    let timeoutMillis: Int

    init(servers: [SocketAddress], validSeconds: Int?, ipv4: Bool, ipv6: Bool, timeoutMillis: Int) {
        self.servers = servers
        self.validSeconds = validSeconds
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.timeoutMillis = timeoutMillis
    }
}

/// What makes two locations' resolvers one.
struct ResolverKey: Hashable {
    let resolver: Resolver
    let timeout: Duration
}

extension Builder {
    /// The location's resolver, or nil without a `resolver` line above it. A server given by name is looked up
    /// now, every address of it becoming a server, as nginx does (`host not found in resolver "…"`).
    mutating func resolverRuntime(_ settings: ResolverSettings) throws(ConfigError) -> ResolverRuntime? {
        guard let r = settings.resolver else { return nil }
        let key = ResolverKey(resolver: r, timeout: settings.timeout)
        if let made = resolvers[key] { return made }
        var servers: [SocketAddress] = []
        for s in r.servers {
            let found = SocketAddress.resolve(host: s.host, port: s.port)
            if found.isEmpty { throw ConfigError("host not found in resolver \"\(s.text)\"", at: r.location) }
            servers.append(contentsOf: found)
        }
        let ms = settings.timeout.components
        let made = ResolverRuntime(servers: servers, validSeconds: r.validSeconds, ipv4: r.ipv4, ipv6: r.ipv6,
                                   timeoutMillis: Int(ms.seconds) * 1000 + Int(ms.attoseconds / 1_000_000_000_000_000))
        resolvers[key] = made
        return made
    }
}
