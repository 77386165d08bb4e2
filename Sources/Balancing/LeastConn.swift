/// nginx's `least_conn`: the usable server with the fewest active connections relative to its weight
/// (`conns / weight`, compared by cross-multiplying); ties go round-robin among the tied servers.
/// Connections are counted in the shared `PeerHealth`, so all workers see the same load.
///
///     var lb = LeastConn(health: health)
public struct LeastConn: Balancer {
    var rr: RoundRobin

    public init(health: PeerHealth) {
        rr = RoundRobin(health: health)
    }

    public var health: PeerHealth { rr.health }
    public var tries: Int { rr.tries }

    public mutating func pick(_ ctx: PickContext, state: inout PickState, now: Instant) -> Pick? {
        if rr.single { return rr.pick(ctx, state: &state, now: now) }
        let now = now.signed
        if !state.inBackups {
            if let index = select(in: rr.primaries, state: &state, now: now) { return Pick(PeerID(index), .balanced) }
            guard !rr.backups.isEmpty else { return nil }
            state.inBackups = true
        }
        return select(in: rr.backups, state: &state, now: now).map { Pick(PeerID($0), .balanced) }
    }

    public mutating func release(_ peer: PeerID, _ outcome: PeerOutcome, now: Instant) {
        rr.release(peer, outcome, now: now)
    }

    private mutating func select(in group: [Int], state: inout PickState, now: Int64) -> Int? {
        let health = rr.health
        var fewest = -1
        var fewestConns = 0
        var tie = false
        for index in group where !state.tried.contains(index) && !health.limits[index].isDraining {
            if health.availability(index, now: now) == .unavailable { continue }
            let conns = health.activeConnections(PeerID(index))
            if fewest < 0 {
                (fewest, fewestConns, tie) = (index, conns, false)
                continue
            }
            let lhs = conns * health.limits[fewest].weight
            let rhs = fewestConns * health.limits[index].weight
            if lhs < rhs {
                (fewest, fewestConns, tie) = (index, conns, false)
            } else if lhs == rhs {
                tie = true
            }
        }
        guard fewest >= 0 else { return nil }
        if !tie {
            if rr.take(fewest, state: &state, now: now) { return fewest }
            return rr.selectSmooth(in: group, state: &state, now: now)  // lost its trial to another worker
        }
        let (anchor, anchorConns) = (fewest, fewestConns)
        return rr.selectSmooth(in: group, state: &state, now: now) { index in
            health.activeConnections(PeerID(index)) * health.limits[anchor].weight
                == anchorConns * health.limits[index].weight
        }
    }
}
