/// nginx's smooth weighted round-robin (the default method), with passive health checks and backups.
///
/// Each pick adds every usable peer's `effectiveWeight` to its `currentWeight`, takes the largest and
/// subtracts the total from it; weights 5:1:1 give `a a b a c a a`. A failure lowers the peer's
/// effective weight by `weight / max_fails`; each later selection round gives one back. Backups are
/// used only when no primary is usable, and then for the rest of the request, as nginx does.
/// Rotation state is per worker; health is shared.
///
///     var rr = RoundRobin(health: health)
public struct RoundRobin: Balancer {
    public let health: PeerHealth
    public let tries: Int
    var currentWeight: [Int]
    var effectiveWeight: [Int]
    let primaries: [Int]
    let backups: [Int]
    /// A one-server upstream: nginx never marks it failed (its docs: `max_fails` and `fail_timeout`
    /// are ignored) and allows no second try.
    let single: Bool

    public init(health: PeerHealth) {
        self.health = health
        let peers = health.peers
        currentWeight = Array(repeating: 0, count: peers.count)
        effectiveWeight = peers.map(\.weight)
        primaries = peers.indices.filter { !peers[$0].isBackup }
        backups = peers.indices.filter { peers[$0].isBackup }
        single = peers.count == 1
        tries = single ? 1 : max(1, peers.filter { !$0.isDown }.count)
    }

    public mutating func pick(_ ctx: PickContext, state: inout PickState, now: Instant) -> Pick? {
        pickPeer(state: &state, now: now.signed).map { Pick(PeerID($0), .balanced) }
    }

    public mutating func release(_ peer: PeerID, _ outcome: PeerOutcome, now: Instant) {
        let index = peer.index
        let failed = outcome == .failed
        if failed && !single {
            let config = health.limits[index]
            if config.maxFails != 0 {
                effectiveWeight[index] = max(0, effectiveWeight[index] - config.weight / config.maxFails)
            }
        }
        health.release(index, failed: failed, now: now.signed, accounting: !single)
    }

    /// nginx's get_round_robin_peer: primaries, then (for the rest of the request) backups.
    mutating func pickPeer(state: inout PickState, now: Int64) -> Int? {
        if single {
            let index = 0
            let config = health.limits[index]
            guard !state.tried.contains(index), !config.isDown, !config.isDraining,
                config.maxConns == 0 || health.activeConnections(PeerID(index)) < config.maxConns
            else { return nil }
            health.acquire(index, now: now)
            state.record(index)
            return index
        }
        if !state.inBackups {
            if let index = selectSmooth(in: primaries, state: &state, now: now) { return index }
            guard !backups.isEmpty else { return nil }
            state.inBackups = true
        }
        return selectSmooth(in: backups, state: &state, now: now)
    }

    /// Smooth weighted selection over `group` (nginx's ngx_http_upstream_get_peer). A failed peer whose
    /// `fail_timeout` passed is offered for a single trial; if another worker took that trial first,
    /// the peer is dropped and the choice made again, before any weight moves.
    mutating func selectSmooth(in group: [Int], state: inout PickState, now: Int64, matching: ((Int) -> Bool)? = nil)
        -> Int?
    {
        var lost = TriedSet()
        while true {
            var eligible = TriedSet()
            var best = -1
            var bestScore = Int.min
            var bestNeedsTrial = false
            for index in group where !state.tried.contains(index) && !lost.contains(index) {
                if health.limits[index].isDraining { continue }
                if let matching, !matching(index) { continue }
                let availability = health.availability(index, now: now)
                if availability == .unavailable { continue }
                eligible.insert(index)
                if health.limits[index].slowStartNanos != 0 {   // slow_start: hold the weight to its ramp
                    effectiveWeight[index] = min(effectiveWeight[index], health.weightCap(index, now: now))
                }
                let score = currentWeight[index] + effectiveWeight[index]
                if best < 0 || score > bestScore {
                    best = index
                    bestScore = score
                    bestNeedsTrial = availability == .trial
                }
            }
            guard best >= 0 else { return nil }
            if bestNeedsTrial && !health.claimTrial(best, now: now) {
                lost.insert(best)
                continue
            }
            var total = 0
            for index in group where eligible.contains(index) {
                currentWeight[index] += effectiveWeight[index]
                total += effectiveWeight[index]
                let limit = health.limits[index]
                let cap = limit.slowStartNanos == 0 ? limit.weight : health.weightCap(index, now: now)
                if effectiveWeight[index] < cap { effectiveWeight[index] += 1 }
            }
            currentWeight[best] -= total
            health.acquire(best, now: now)
            state.record(best)
            return best
        }
    }
}
