import Balancing

/// One request's upstream block and the worker's balancer for it, resolved once when the request starts:
/// every pick, retry budget and release of the request goes through this box. A reload (`Worker.adopt`)
/// swaps the worker's table, not this: a request in flight gives its peers back to the balancer of the
/// runtime it started on, and the worker never makes a box for a retired upstream.
struct UpstreamPeers {
    let box: BalancerBox
    /// The upstream block the box balances (the box holds it).
    var upstream: UpstreamRuntime { box.upstream }

    /// The servers' version the box's balancer picks from: addresses, labels and health by pick index.
    var set: ServerSet { box.set }

    /// `proxy_next_upstream_tries`' per-upstream ceiling (the balancer's own count of usable peers).
    var tries: Int { box.balancer.tries }

    /// The pick context (hash key, session id, route) is evaluated per pick: a retry is rare, and keeping it
    /// would make every exchange larger.
    func pick(for r: Request, state: inout PickState, now: Instant) -> Pick? {
        box.balancer.pick(upstream.policy.context(for: r), state: &state, now: now)
    }

    func release(_ p: PeerID, _ outcome: PeerOutcome, now: Instant) { box.release(p, outcome, now: now) }
}
