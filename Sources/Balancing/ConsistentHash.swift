/// nginx's `hash KEY consistent` (ketama): adding or removing a server moves only its share of keys.
///
/// The key's point on the `KetamaRing` names a server; among that server's usable peers the smooth
/// weighted choice decides (a name that resolved to several addresses). An unusable server moves the
/// walk to the next point; after 20 the request falls back to round-robin.
///
///     var lb = ConsistentHash(health: health, ring: KetamaRing(peers: health.peers))
public struct ConsistentHash: Balancer {
    var rr: RoundRobin
    let ring: KetamaRing
    /// Each peer's server as an index into `ring.names` (-1 for backups).
    let peerServer: [Int]

    public init(health: PeerHealth, ring: KetamaRing) {
        rr = RoundRobin(health: health)
        self.ring = ring
        peerServer = health.peers.map { ring.names.firstIndex(of: $0.serverName) ?? -1 }
    }

    public var health: PeerHealth { rr.health }
    public var tries: Int { rr.tries }

    public mutating func pick(_ ctx: PickContext, state: inout PickState, now: Instant) -> Pick? {
        guard let key = ctx.hashKey, !key.isEmpty, rr.primaries.count >= 2, !ring.hashes.isEmpty else {
            return rr.pick(ctx, state: &state, now: now)
        }
        if !state.hashStarted {
            state.hashStarted = true
            state.hash = UInt(ring.firstPoint(atOrAfter: CRC32.checksum(key)))
            state.hashTries = 0
        }
        while state.hashTries <= 20 {
            let server = ring.serverIndex[Int(state.hash % UInt(ring.hashes.count))]
            if let index = rr.selectSmooth(
                in: rr.primaries, state: &state, now: now.signed, matching: { [peerServer] in peerServer[$0] == server }
            ) {
                return Pick(PeerID(index), .balanced)
            }
            state.hash &+= 1
            state.hashTries += 1
        }
        return rr.pick(ctx, state: &state, now: now)
    }

    public mutating func release(_ peer: PeerID, _ outcome: PeerOutcome, now: Instant) {
        rr.release(peer, outcome, now: now)
    }
}
