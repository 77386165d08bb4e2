import Balancing
import Config
import EventLoop

/// `share=memcached://…` on `sticky learn` and jvm_route: the table's memcached link, kept across a reload that
/// leaves it as it was (and the node list's down/up state with it, so a reload logs nothing new).
extension Builder {
    /// The link for `u`'s shared table, or nil when it shares nothing. Node names resolve now: a name that does
    /// not resolve is an `[emerg]`.
    func routeShare(for u: UpstreamConfig, previousUpstream: UpstreamRuntime?) throws(ConfigError) -> RouteShare? {
        let config: RouteShareConfig
        var namespace = "f", name = u.name
        var ttl = JVMRouteSpec.Failback.defaultTimeout
        let old: RouteShare?
        if let j = u.jvmRoute, let s = j.share {
            config = s
            ttl = j.failbackTimeout ?? ttl
            old = previousUpstream?.policy.factory.failbackTable?.share
        } else if case .learn(let l)? = u.sticky, let s = l.share {
            config = s
            namespace = "l"
            name = l.zoneName
            ttl = l.timeout
            old = previousLearnTable(for: u)?.share
        } else {
            return nil
        }
        _ = try shareAddresses(config.nodes, in: u)
        let spec = RouteShareSpec(nodes: config.nodes, timeout: config.timeout ?? RouteShareSpec.defaultTimeout,
                                  recheck: config.recheck ?? RouteShareSpec.defaultRecheck)
        if let old, old.spec == spec, old.namespace == namespace, old.name == name,
           old.ttlSeconds == max(1, Int(ttl.components.seconds)) {
            return old
        }
        let nodes = previous?.upstreams.lazy.compactMap { $0.policy.share?.share.nodes }
            .first { $0.addresses == spec.nodes } ?? MemcachedNodes(spec.nodes)
        return RouteShare(spec: spec, nodes: nodes, namespace: namespace, name: name, ttl: ttl)
    }

    /// The engine's side of `share`: the table the factory chose for it and the nodes' addresses.
    func sharedRoutes(_ share: RouteShare?, factory: BalancerFactory, in u: UpstreamConfig) throws(ConfigError) -> SharedRoutes? {
        guard let share else { return nil }
        let table: SharedRoutes.Table
        if let learned = factory.learnTable {
            table = .learned(learned)
        } else if let moved = factory.failbackTable {
            table = .moved(moved)
        } else {
            return nil
        }
        return SharedRoutes(share: share, table: table, addresses: try shareAddresses(share.spec.nodes, in: u))
    }

    private func shareAddresses(_ nodes: [String], in u: UpstreamConfig) throws(ConfigError) -> [SocketAddress] {
        try nodes.map { node throws(ConfigError) -> SocketAddress in
            if let a = SocketAddress.parse(node) { return a }
            if let colon = node.lastIndex(of: ":"), let port = UInt16(node[node.index(after: colon)...]),
               let a = SocketAddress.resolve(host: String(node[..<colon]), port: port).first {
                return a
            }
            throw ConfigError("host not found in \"share=memcached://\(node)\" of upstream \"\(u.name)\"", at: u.location)
        }
    }
}
