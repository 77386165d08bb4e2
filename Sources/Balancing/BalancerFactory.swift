/// Builds an upstream's balancers: validates the configuration once (at load or reload) and then makes
/// one balancer per worker thread, all sharing the same `PeerHealth`, ketama ring and route tables.
///
///     let factory = try BalancerFactory(kind: .roundRobin, affinity: .jvmRoute(spec), health: health)
///     factory.warnings.forEach(log)        // e.g. overlapping srun_ids
///     var lb = factory.make()              // per worker
public struct BalancerFactory: Sendable {
    public let kind: BalancerKind
    public let affinity: Affinity
    public let health: PeerHealth
    /// Config-load warnings to log.
    public let warnings: [String]
    /// The `sticky learn` table in use (pass it back in on reload to keep the learned sessions).
    public let learnTable: StickyLearnTable?
    /// jvm_route's `failback=stay` table (pass it back in on reload to keep the moved sessions).
    public let failbackTable: FailbackTable?
    /// Session-routing events for the status pages (pass them back in on reload to keep counting).
    public let counters: SessionRoutingCounters
    /// The memcached link given at init (the runtime API makes its next version with the same one).
    public let share: RouteShare?
    private let ring: KetamaRing?
    private let binding: StickyBinding?
    private let signer: CookieSigner?

    /// `share`: the memcached link of the learn table or failback table (`share=`); a table is kept across a
    /// reload only with the same link.
    public init(
        kind: BalancerKind, affinity: Affinity = .none, health: PeerHealth, learnTable: StickyLearnTable? = nil,
        failbackTable: FailbackTable? = nil, counters: SessionRoutingCounters? = nil, share: RouteShare? = nil
    ) throws(BalancingConfigError) {
        let peers = health.peers
        guard !peers.isEmpty else { throw BalancingConfigError("no servers are defined") }
        if !kind.supportsBackup, let backup = peers.first(where: \.isBackup) {
            throw BalancingConfigError(
                "balancing method does not support parameter \"backup\" (server \"\(backup.address)\")")
        }
        self.kind = kind
        self.affinity = affinity
        self.health = health
        if case .hash(consistent: true) = kind {
            ring = KetamaRing(peers: peers)
        } else {
            ring = nil
        }
        var warnings: [String] = []
        var table: StickyLearnTable?
        var moved: FailbackTable?
        var signer: CookieSigner?
        switch affinity {
        case .none:
            binding = nil
        case .jvmRoute(let spec):
            let routes = try spec.routeTable(peers: peers)
            warnings = routes.warnings
            binding = .routes(routes)
            moved = spec.failback.table(reusing: failbackTable, share: share)
        case .sticky(let spec):
            switch spec.method {
            case .cookie(let cookie):
                binding = .routes(StickyCookie.routeTable(peers: peers))
                signer = cookie.signer
            case .route:
                let routes = try RouteTable(peers: peers, kind: "route", plusRules: true)
                warnings = routes.warnings
                binding = .routes(routes)
            case .learn(let learn):
                let existing = learnTable.flatMap { $0.name == learn.zoneName && $0.share === share ? $0 : nil }
                let chosen = existing ?? learn.makeTable(share: share)
                table = chosen
                binding = .learned(chosen)
            }
        }
        self.warnings = warnings
        self.learnTable = table
        self.failbackTable = moved
        self.signer = signer
        self.counters = counters ?? SessionRoutingCounters()
        self.share = share
    }

    /// Whether a pick reads its `PickContext`: round-robin, least_conn and random without affinity choose by
    /// weights and load alone, so the engine need not evaluate a client address, key or session for them.
    public var readsPickContext: Bool {
        guard affinity == .none else { return true }
        switch kind {
        case .ipHash, .hash: return true
        case .roundRobin, .leastConn, .random: return false
        }
    }

    /// A fresh balancer for one worker thread.
    public func make() -> any Balancer {
        let base: any Balancer
        switch kind {
        case .roundRobin: base = RoundRobin(health: health)
        case .ipHash: base = IPHash(health: health)
        case .hash(consistent: false): base = Hash(health: health)
        case .hash(consistent: true): base = ConsistentHash(health: health, ring: ring ?? KetamaRing(peers: health.peers))
        case .leastConn: base = LeastConn(health: health)
        case .random(let two): base = RandomPick(health: health, two: two, seed: UInt64.random(in: .min ... .max))
        }
        guard let binding else { return base }
        return sticky(base, binding: binding)
    }

    private func sticky<Inner: Balancer>(_ inner: Inner, binding: StickyBinding) -> any Balancer {
        StickyRoute(inner: inner, binding: binding, failback: failbackTable, signer: signer, counters: counters)
    }
}
