import Synchronization

/// Session affinity around any balancing method (jvm_route and `sticky`): a request whose route names
/// a server goes to it; a request with no route, or an unknown one, goes to `inner`.
///
/// When the bound server is unusable (down, failed, full, or already tried by this request), the
/// session does not scatter: its stand-in is chosen by rendezvous hashing of the session id over the
/// usable servers (weighted: a server of weight w gets w draws, so its share is w / Σw). Every
/// request of that session, from any worker or any switchyard with the same config, reaches the
/// same stand-in, and returns to its owner once the owner recovers (unless `failback` says otherwise). `PickContext.strictAffinity`
/// (`proxy_next_upstream off`) refuses instead: nil, so the engine answers 502.
/// A `drain`ing server still takes the requests bound to it, and no others.
///
/// A route that names no server of this configuration (its node was taken out, or never was) is a session all
/// the same: with a session id (jvm_route) it goes to the same deterministic stand-in, as if its owner were down,
/// instead of to `inner` on every request. A route without one (`sticky cookie`, `sticky route`: it names a
/// server, not a session) goes to `inner`, and the engine binds it anew (a new cookie). Those routes' clients of
/// a dead owner are spread over stand-ins by client address, the same one for a client on every instance.
///
/// With a `failback` table (jvm_route's `failback=stay`) a session a stand-in served is remembered there, and
/// keeps going to that stand-in after its owner recovers, until it has been idle for the table's timeout. With
/// a `signer` (`sticky cookie … sign=`) the route is a signed cookie value: verified (once per worker, then
/// remembered), and ignored when tampered with or expired, so the request is balanced and gets a new cookie.
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
    private let failback: FailbackTable?
    private let signer: CookieSigner?
    private let counters: SessionRoutingCounters?
    private var verified = VerifiedCookies()
    /// The inner balancer's, held here: `inner.health` is a protocol requirement, read through a witness call
    /// and a retain each time in this generic type (twice per bound request).
    public let health: PeerHealth

    public init(
        inner: Inner, binding: StickyBinding, failback: FailbackTable? = nil, signer: CookieSigner? = nil,
        counters: SessionRoutingCounters? = nil
    ) {
        self.inner = inner
        health = inner.health
        self.binding = binding
        self.failback = failback
        self.signer = signer
        self.counters = counters
        switch binding {
        case .routes(let table): (routes, learned) = (table, nil)
        case .learned(let table): (routes, learned) = (RouteTable(keys: []), table)
        }
        addressHashes = health.peers.map { StableHash.hash64($0.address.utf8) }
        peerByAddress = Dictionary(health.peers.enumerated().map { ($1.address, $0) }) { first, _ in first }
    }

    public var tries: Int { inner.tries }

    /// The server `route` is bound to, if any.
    public func owner(of route: ArraySlice<UInt8>, now: Instant) -> PeerID? {
        if learned == nil { return routes.peer(for: route) }
        return learned?.lookup(route, now: now).flatMap { peerByAddress[$0] }.map(PeerID.init)
    }

    public mutating func pick(_ ctx: PickContext, state: inout PickState, now: Instant) -> Pick? {
        var route = ctx.route
        var refresh = false
        if let signer, let raw = route, !raw.isEmpty {
            switch verified.verdict(for: raw, signer: signer, unixTime: ctx.unixTime) {
            case .valid(let length, let expires):
                route = raw.prefix(length)
                refresh = expires - ctx.unixTime < signer.lifetimeSeconds / 2
            case .tampered:
                counters?.cookiesTampered.wrappingAdd(1, ordering: .relaxed)
                route = nil
            case .expired:
                counters?.cookiesExpired.wrappingAdd(1, ordering: .relaxed)
                route = nil
            }
        }
        guard let route, !route.isEmpty else { return balanced(ctx, state: &state, now: now) }
        guard let owner = owner(of: route, now: now) else {
            if learned == nil, !ctx.strictAffinity, let session = ctx.sessionID {
                return unknownRoute(session, failback: failback, state: &state, now: now)
            }
            return balanced(ctx, state: &state, now: now)
        }
        guard !routes.backupsWaitForPrimaries || !health.limits[owner.index].isBackup || !anyPrimaryUsable(now: now.signed)
        else {
            return balanced(ctx, state: &state, now: now)   // a backup's route while a primary can serve: backups wait
        }
        let session = ctx.sessionID ?? route
        let signedNow = now.signed
        // The stand-in's key: the session's, or for a route that names only its server, the route and the client.
        let key = ctx.sessionID != nil ? StableHash.hash64(session)
            : StableHash.hash64(route) ^ StableHash.mix(StableHash.hash64(ctx.clientAddress))
        var result: Pick?
        if let failback, !ctx.strictAffinity, let moved = standIn(failback, session, owner: owner, state: &state, now: now) {
            result = moved
        } else if health.take(owner.index, state: &state, now: signedNow, allowDraining: true) {
            result = Pick(owner, .owner)
            result?.refresh = refresh
        } else if routes.hasSharedRoutes, let other = sameRoute(as: owner, state: &state, now: signedNow) {
            result = Pick(PeerID(other), .owner)
        } else if !ctx.strictAffinity {
            result = fallback(key: key, state: &state, now: signedNow).map { Pick(PeerID($0), .fallback) }
            result?.refresh = refresh   // a signed cookie still names its owner: kept valid while the owner is away
            // Remembered only when the owner is out (down, failed, unhealthy): one busy at max_conns, or that
            // failed once below max_fails, gets the session back with its next request.
            if let failback, let moved = result, health.isOutOfService(owner.index, now: signedNow) {
                failback.record(session, standIn: addressHashes[moved.peer.index],
                                address: failback.share == nil ? nil : health.peers[moved.peer.index].address, now: now)
                counters?.failbackMoved.wrappingAdd(1, ordering: .relaxed)
            }
        }
        if let result {
            health.noteSession(result.peer, sessionID: session, now: now)
        }
        return result
    }

    /// A request with no route to follow: the balancing method's pick.
    private mutating func balanced(_ ctx: PickContext, state: inout PickState, now: Instant) -> Pick? {
        let pick = inner.pick(ctx, state: &state, now: now)
        if let pick, let session = ctx.sessionID { health.noteSession(pick.peer, sessionID: session, now: now) }
        return pick
    }

    /// A session whose route names no server here: the stand-in it moved to (failback=stay), else its
    /// deterministic one, as for an owner that is down.
    private func unknownRoute(_ session: ArraySlice<UInt8>, failback: FailbackTable?, state: inout PickState,
                              now: Instant) -> Pick? {
        var result = failback.flatMap { standIn($0, session, owner: nil, state: &state, now: now) }
        if result == nil {
            result = fallback(key: StableHash.hash64(session), state: &state, now: now.signed).map { Pick(PeerID($0), .fallback) }
        }
        if let result { health.noteSession(result.peer, sessionID: session, now: now) }
        return result
    }

    /// The stand-in a moved session stays on, taken for this try; nil when the session never moved, or its
    /// stand-in is gone from the upstream or unusable (then the entry goes: the owner, or a new stand-in, serves).
    /// `owner` nil: the session's route names no server here.
    private func standIn(
        _ table: FailbackTable, _ session: ArraySlice<UInt8>, owner: PeerID?, state: inout PickState, now: Instant
    ) -> Pick? {
        guard let hash = table.standIn(for: session, now: now) else { return nil }
        guard let index = addressHashes.firstIndex(of: hash), index != owner?.index else {
            table.forget(session)
            return nil
        }
        if state.tried.contains(index) { return nil }  // this request's retry: the entry stands for the next one
        guard health.take(index, state: &state, now: now.signed, allowDraining: true) else {
            table.forget(session)
            return nil
        }
        counters?.failbackKept.wrappingAdd(1, ordering: .relaxed)
        return Pick(PeerID(index), .fallback)
    }

    /// Another server of the owner's route (`sticky route` lets several share one), taken for this try.
    private func sameRoute(as owner: PeerID, state: inout PickState, now: Int64) -> Int? {
        for index in routes.others(sharingRouteOf: owner) {
            if routes.backupsWaitForPrimaries && health.limits[index].isBackup && anyPrimaryUsable(now: now) { return nil }
            if health.take(index, state: &state, now: now, allowDraining: true) { return index }
        }
        return nil
    }

    /// Whether a primary server could take a request now: until none can, a route naming a backup is not followed.
    private func anyPrimaryUsable(now: Int64) -> Bool {
        for (index, peer) in health.limits.enumerated() where !peer.isBackup {
            if health.availability(index, now: now) != .unavailable { return true }
        }
        return false
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
