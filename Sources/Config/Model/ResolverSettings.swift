/// `resolver` and `resolver_timeout` (ngx_http_core_module): the DNS servers a `proxy_pass` with variables asks
/// for a host name that is neither an `upstream` block nor a name some `proxy_pass` without variables resolved
/// at load. Inherited http → server → location as nginx's core settings are.
public struct ResolverSettings: Sendable {
    /// nil: no `resolver` (nginx's "no resolver defined to resolve …").
    @Setting public var resolver: Resolver? = nil
    @Setting public var timeout: Duration = .seconds(30)

    public init() {}
}

/// One `resolver address ... [valid=time] [ipv4=on|off] [ipv6=on|off]` line, as written.
public struct Resolver: Sendable, Equatable, Hashable {
    /// A name server: an IPv4 address, a bracketed IPv6 one, or a host name resolved at load; port 53 unless given.
    public struct Server: Sendable, Equatable, Hashable {
        /// Without brackets.
        public let host: String
        public let port: UInt16
        /// The argument as written, for error messages (`host not found in resolver "…"`).
        public let text: String
    }
    public let servers: [Server]
    /// `valid=`: caches answers this long instead of their TTL.
    public let validSeconds: Int?
    public let ipv4: Bool
    public let ipv6: Bool
    public let location: SourceLocation

    public static func == (a: Resolver, b: Resolver) -> Bool {
        a.servers == b.servers && a.validSeconds == b.validSeconds && a.ipv4 == b.ipv4 && a.ipv6 == b.ipv6
    }

    public func hash(into h: inout Hasher) {
        h.combine(servers)
        h.combine(validSeconds)
        h.combine(ipv4)
        h.combine(ipv6)
    }
}
