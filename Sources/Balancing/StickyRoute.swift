/// Session affinity around any balancing method (jvm_route and `sticky`): a request whose route names
/// a server goes to it; a request with no route, or an unknown one, goes to `inner`.
///
/// When the bound server is unusable (down, failed, full, or already tried by this request), the
/// session does not scatter: its stand-in is chosen by rendezvous hashing of the session id over the
/// usable servers (weighted: a server of weight w gets w draws, so its share is w / Σw). Every
/// request of that session, from any worker or any switchyard with the same config, reaches the
/// same stand-in, and returns to its owner once the owner recovers. `PickContext.strictAffinity`
/// (`proxy_next_upstream off`) refuses instead: nil, so the engine answers 502.
/// A `drain`ing server still takes the requests bound to it, and no others.
///
///     var lb = StickyRoute(inner: RoundRobin(health: health), binding: .routes(table))
public struct StickyRoute<Inner: Balancer>: Balancer {
    public private(set) var inner: Inner
    public let binding: StickyBinding
    /// `binding`'s payload, unpacked once: matching the enum on every request would copy (retain) it.
    /// `routes` is empty when the binding is a learn table.
    private let routes: RouteTable
    private let learned: StickyLearnTable?
    /// Stable hashes of the peers' addresses, the per-server half of the rendezvous score.
    private let addressHashes: [UInt64]
    private let peerByAddress: [String: Int]

    public init(inner: Inner, binding: StickyBinding) {
        self.inner = inner
        self.binding = binding
        switch binding {
        case .routes(let table): (routes, learned) = (table, nil)
        case .learned(let table): (routes, learned) = (RouteTable(keys: []), table)
        }
        addressHashes = inner.health.peers.map { StableHash.hash64($0.address.utf8) }
        peerByAddress = Dictionary(inner.health.peers.enumerated().map { ($1.address, $0) }) { first, _ in first }
    }

    public var health: PeerHealth { inner.health }
    public var tries: Int { inner.tries }

    /// The server `route` is bound to, if any.
    public func owner(of route: ArraySlice<UInt8>, now: Instant) -> PeerID? {
        if learned == nil { return routes.peer(for: route) }
        return learned?.lookup(Array(route), now: now).flatMap { peerByAddress[$0] }.map(PeerID.init)
    }

    public mutating func pick(_ ctx: PickContext, state: inout PickState, now: Instant) -> Pick? {
        guard let route = ctx.route, !route.isEmpty, let owner = owner(of: route, now: now) else {
            let pick = inner.pick(ctx, state: &state, now: now)
            if let pick, let session = ctx.sessionID { health.noteSession(pick.peer, sessionID: session, now: now) }
            return pick
        }
        let signedNow = now.signed
        var result: Pick?
        if health.take(owner.index, state: &state, now: signedNow, allowDraining: true) {
            result = Pick(owner, .owner)
        } else if !ctx.strictAffinity {
            let key = StableHash.hash64(ctx.sessionID ?? route)
            result = fallback(key: key, state: &state, now: signedNow).map { Pick(PeerID($0), .fallback) }
        }
        if let result {
            health.noteSession(result.peer, sessionID: ctx.sessionID ?? route, now: now)
        }
        return result
    }

    public mutating func release(_ peer: PeerID, _ outcome: PeerOutcome, now: Instant) {
        inner.release(peer, outcome, now: now)
    }

    /// The deterministic stand-in: the highest rendezvous score among usable, non-draining, untried
    /// primaries, else among the backups.
    func fallback(key: UInt64, state: inout PickState, now: Int64) -> Int? {
        for pass in 0..<2 {
            let backups = pass == 1
            var lost = TriedSet()
            while let best = bestScore(key: key, backups: backups, excluding: lost, state: state, now: now) {
                if health.take(best, state: &state, now: now, allowDraining: false) { return best }
                lost.insert(best)  // another worker took its trial; keep the order for the rest
            }
        }
        return nil
    }

    private func bestScore(key: UInt64, backups: Bool, excluding lost: TriedSet, state: PickState, now: Int64) -> Int? {
        var best = -1
        var bestScore: UInt64 = 0
        for (index, peer) in health.limits.enumerated() where peer.isBackup == backups {
            if state.tried.contains(index) || lost.contains(index) || peer.isDraining { continue }
            if health.availability(index, now: now) == .unavailable { continue }
            let score = Self.score(key: key, address: addressHashes[index], weight: peer.weight)
            if best < 0 || score > bestScore {
                best = index
                bestScore = score
            }
        }
        return best < 0 ? nil : best
    }

    /// A server's rendezvous score for a session: the best of `weight` independent draws.
    static func score(key: UInt64, address: UInt64, weight: Int) -> UInt64 {
        var best: UInt64 = 0
        for draw in 0..<UInt64(min(weight, 256)) {
            best = max(best, StableHash.mix(key ^ StableHash.mix(address &+ draw)))
        }
        return best
    }
}

/// How `StickyRoute` finds the server a route is bound to.
public enum StickyBinding: Sendable {
    /// The route is the server's key itself (srun_id, `route=`, sticky cookie value).
    case routes(RouteTable)
    /// The route is a session id looked up in a learn table, which names a server address.
    case learned(StickyLearnTable)
}
