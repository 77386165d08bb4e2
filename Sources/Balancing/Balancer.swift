/// A load-balancing method, shaped like nginx's peer get/free: `pick` chooses a peer for a try,
/// `release` reports how the try ended. One value per worker thread, so nothing inside locks; the
/// peers' health is shared through `health`.
///
///     var lb = try BalancerFactory(kind: .roundRobin, health: health).make()
///     var state = PickState()
///     guard let pick = lb.pick(PickContext(clientAddress: addr), state: &state, now: now) else { return 502 }
///     … lb.release(pick.peer, .ok, now: later)
public protocol Balancer {
    /// The shared per-peer health (and the peers' configuration) this balancer reads.
    var health: PeerHealth { get }
    /// How many tries a request may make at most (nginx `peer.tries`: every server not marked `down`,
    /// or 1 for a single-server upstream); `proxy_next_upstream_tries` may lower it.
    var tries: Int { get }
    /// Chooses a peer not yet in `state.tried`, records it there, counts it active; nil when none is
    /// usable ("no live upstreams" → 502).
    mutating func pick(_ ctx: PickContext, state: inout PickState, now: Instant) -> Pick?
    /// Ends a try on `peer`: must be called exactly once for each returned pick.
    mutating func release(_ peer: PeerID, _ outcome: PeerOutcome, now: Instant)
}
