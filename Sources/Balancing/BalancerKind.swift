/// The balancing method of an upstream, named by its directive; a table row per method, as HAProxy
/// registers its lb_ops.
///
///     try BalancerKind(directive: "hash", arguments: ["$request_uri", "consistent"])
///     // .hash(key: "$request_uri", consistent: true)
public enum BalancerKind: Sendable, Equatable {
    /// The default when an upstream names no method.
    case roundRobin
    case ipHash
    /// `hash KEY [consistent]`; the key is the complex value as written, evaluated by the engine.
    case hash(key: String, consistent: Bool)
    case leastConn

    /// The directives that select a method, with their argument counts.
    public static let directives: [(name: String, arguments: ClosedRange<Int>)] = [
        ("round_robin", 0...0), ("ip_hash", 0...0), ("hash", 1...2), ("least_conn", 0...0),
    ]

    public init(directive: String, arguments: [String]) throws(BalancingConfigError) {
        guard let row = Self.directives.first(where: { $0.name == directive }) else {
            throw BalancingConfigError("unknown balancing method \"\(directive)\"")
        }
        guard row.arguments.contains(arguments.count) else {
            throw BalancingConfigError("invalid number of arguments in \"\(directive)\" directive")
        }
        switch directive {
        case "ip_hash": self = .ipHash
        case "least_conn": self = .leastConn
        case "hash":
            if arguments.count == 2 && arguments[1] != "consistent" {
                throw BalancingConfigError("invalid parameter \"\(arguments[1])\"")
            }
            self = .hash(key: arguments[0], consistent: arguments.count == 2)
        default: self = .roundRobin
        }
    }

    /// nginx accepts `backup` servers only with round-robin and least_conn.
    public var supportsBackup: Bool {
        switch self {
        case .roundRobin, .leastConn: return true
        case .ipHash, .hash: return false
        }
    }
}

/// Session affinity layered over the balancing method.
public enum Affinity: Sendable, Equatable {
    case none
    case jvmRoute(JVMRouteSpec)
    case sticky(StickySpec)
}
