/// nginx's `random [two [least_conn]]`: a server drawn at random in proportion to its weight; with `two`, two
/// distinct servers drawn that way and the one with fewer active connections relative to its weight taken (the
/// "power of two choices": near least_conn's balance without every worker agreeing on one least-loaded server).
/// As in nginx, a draw that lands on an unusable server (tried, down, draining, failed or full) is drawn again, and
/// after 20 such draws the pick falls back to round-robin. No backups (nginx refuses them with `random`).
///
///     var lb = RandomPick(health: health, two: true, seed: 42)
public struct RandomPick: Balancer {
    var rr: RoundRobin
    let two: Bool
    /// Running weight sums: server i is drawn for x in cumulative[i-1] ..< cumulative[i].
    private let cumulative: [Int]
    private var rng: SplitMix64

    static let draws = 20

    public init(health: PeerHealth, two: Bool, seed: UInt64) {
        rr = RoundRobin(health: health)
        self.two = two
        var sum = 0
        cumulative = health.peers.map { sum += max(1, $0.weight); return sum }
        rng = SplitMix64(seed: seed)
    }

    public var health: PeerHealth { rr.health }
    public var tries: Int { rr.tries }

    public mutating func pick(_ ctx: PickContext, state: inout PickState, now: Instant) -> Pick? {
        if rr.single { return rr.pick(ctx, state: &state, now: now) }
        let t = now.signed
        var draws = 0
        while draws < Self.draws {
            guard var chosen = draw(state: state, now: t, draws: &draws) else { break }
            if two, let other = draw(state: state, now: t, draws: &draws, excluding: chosen) {
                let limits = health.limits
                let a = health.activeConnections(PeerID(chosen)), b = health.activeConnections(PeerID(other))
                if a * limits[other].weight > b * limits[chosen].weight { chosen = other }
            }
            // `take` claims a failed server's single trial; another worker may have won it: draw again.
            if health.take(chosen, state: &state, now: t, allowDraining: false) { return Pick(PeerID(chosen), .balanced) }
        }
        return rr.pick(ctx, state: &state, now: now)
    }

    public mutating func release(_ peer: PeerID, _ outcome: PeerOutcome, now: Instant) {
        rr.release(peer, outcome, now: now)
    }

    /// One usable server drawn by weight, counting every draw; nil once `draws` reaches the limit.
    private mutating func draw(state: PickState, now: Int64, draws: inout Int, excluding: Int = -1) -> Int? {
        guard let total = cumulative.last else { return nil }
        while draws < Self.draws {
            draws += 1
            let x = Int(rng.next() % UInt64(total))
            var lo = 0, hi = cumulative.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if cumulative[mid] > x { hi = mid } else { lo = mid + 1 }
            }
            if lo != excluding && usable(lo, state: state, now: now) { return lo }
        }
        return nil
    }

    private func usable(_ index: Int, state: PickState, now: Int64) -> Bool {
        !state.tried.contains(index) && !health.limits[index].isDraining
            && health.availability(index, now: now) != .unavailable
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast generator for balancing draws. Per worker, seeded once.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
