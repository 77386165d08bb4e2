/// The balancing method of an upstream, as Config parsed it (RuntimeBuilder maps Config's `Balancing`).
///
///     try BalancerFactory(kind: .hash(consistent: true), health: health)
public enum BalancerKind: Sendable, Equatable {
    /// The default when an upstream names no method.
    case roundRobin
    case ipHash
    /// `hash KEY [consistent]`; the engine evaluates the key and passes it in `PickContext.hashKey`.
    case hash(consistent: Bool)
    case leastConn
    /// `random` (`two`: of two random servers, the less loaded, by least_conn).
    case random(two: Bool)

    /// nginx accepts `backup` servers only with round-robin and least_conn.
    public var supportsBackup: Bool {
        switch self {
        case .roundRobin, .leastConn: return true
        case .ipHash, .hash, .random: return false
        }
    }
}

/// Session affinity layered over the balancing method.
public enum Affinity: Sendable, Equatable {
    case none
    case jvmRoute(JVMRouteSpec)
    case sticky(StickySpec)
}
