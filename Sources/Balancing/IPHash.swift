/// nginx's `ip_hash`: the client's address picks the server, identically to nginx, so clients keep
/// their backend when an operator moves from nginx to switchyard.
///
/// IPv4 hashes its first three octets (a /24 shares a server), IPv6 all 16 bytes, a UNIX-socket client
/// three zero bytes. Starting at 89, `hash = (hash * 113 + byte) % 6271` per byte; `hash % total_weight`
/// walks the primaries by weight. An unusable server is skipped by hashing again (it still counts in the
/// walk, so other clients keep theirs); after 20 rehashes the request falls back to round-robin.
///
/// Weakness: every client behind one NAT address (a whole office) lands on one server. For Java
/// sessions prefer `jvm_route` or `sticky`, which follow the session, not the address.
///
///     var lb = IPHash(health: health)
public struct IPHash: Balancer {
    var rr: RoundRobin
    let totalWeight: Int

    public init(health: PeerHealth) {
        rr = RoundRobin(health: health)
        totalWeight = rr.primaryTotalWeight
    }

    public var health: PeerHealth { rr.health }
    public var tries: Int { rr.tries }

    /// The bytes nginx hashes for a client address.
    static func hashedBytes(_ address: [UInt8]) -> ArraySlice<UInt8> {
        switch address.count {
        case 4: return address[0..<3]
        case 16: return address[0..<16]
        default: return [0, 0, 0][...]
        }
    }

    public mutating func pick(_ ctx: PickContext, state: inout PickState, now: Instant) -> Pick? {
        if !state.hashStarted {
            state.hashStarted = true
            state.hash = 89
            state.hashTries = 0
        }
        if state.hashTries > 20 || rr.single || totalWeight == 0 {
            return rr.pick(ctx, state: &state, now: now)
        }
        let bytes = Self.hashedBytes(ctx.clientAddress)
        var hash = state.hash
        while true {
            for byte in bytes {
                hash = (hash * 113 + UInt(byte)) % 6271
            }
            let index = rr.primary(atWeight: Int(hash % UInt(totalWeight)))
            if rr.take(index, state: &state, now: now.signed) {
                state.hash = hash
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
