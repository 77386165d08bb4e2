/// nginx's `hash KEY` (without `consistent`): the evaluated key picks the server.
///
/// Compatible with Cache::Memcached as nginx is: each round adds `(crc32([REHASH] KEY) >> 16) & 0x7fff`
/// to a running value (REHASH, the round number in decimal, omitted in the first round) and walks the
/// primaries by weight with `value % total_weight`. Unusable servers cost a round; after 20 the
/// request falls back to round-robin, as it does for an empty key or a single server.
///
///     var lb = Hash(health: health)   // ctx.hashKey = evaluated "$request_uri"
public struct Hash: Balancer {
    var rr: RoundRobin
    let totalWeight: Int

    public init(health: PeerHealth) {
        rr = RoundRobin(health: health)
        totalWeight = rr.primaryTotalWeight
    }

    public var health: PeerHealth { rr.health }
    public var tries: Int { rr.tries }

    public mutating func pick(_ ctx: PickContext, state: inout PickState, now: Instant) -> Pick? {
        if !state.hashStarted {
            state.hashStarted = true
            state.hash = 0
            state.rehash = 0
            state.hashTries = 0
        }
        guard let key = ctx.hashKey, !key.isEmpty, state.hashTries <= 20, rr.primaries.count >= 2 else {
            return rr.pick(ctx, state: &state, now: now)
        }
        while true {
            var crc = CRC32.initial
            if state.rehash > 0 {
                crc = CRC32.update(crc, String(state.rehash).utf8)
            }
            crc = CRC32.update(crc, key)
            let round = (CRC32.finish(crc) >> 16) & 0x7fff
            state.hash &+= UInt(round)
            state.rehash += 1
            let index = rr.primary(atWeight: Int(state.hash % UInt(totalWeight)))
            if rr.take(index, state: &state, now: now.signed) {
                return Pick(PeerID(index), .balanced)
            }
            state.hashTries += 1
            if state.hashTries > 20 {
                return rr.pick(ctx, state: &state, now: now)
            }
        }
    }

    public mutating func release(_ peer: PeerID, _ outcome: PeerOutcome, now: Instant) {
        rr.release(peer, outcome, now: now)
    }
}
