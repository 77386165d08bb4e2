import Synchronization

/// The peers of one upstream and their health, shared by all worker threads: one worker's discovery
/// of a dead backend protects all of them. Lock-free: every counter is an atomic.
///
///     let health = PeerHealth(peers: [PeerConfig("127.0.0.1:8081"), PeerConfig("127.0.0.1:8091")])
///     let reloaded = PeerHealth(peers: newPeers, carryingOver: health)   // servers that stay keep their history
public final class PeerHealth: Sendable {
    public let peers: [PeerConfig]
    /// The numbers and flags the hot path reads, without touching the configs' strings.
    let limits: [PeerLimits]
    let slots: [PeerSlot]
    /// Per-peer `fail_timeout` in nanoseconds, precomputed for the hot path.
    let failTimeouts: [Int64]

    /// `drain_idle`: how long a session counts as bound to its server (`boundSessions`, `drained`).
    public let sessionWindow: Duration

    public init(peers: [PeerConfig], carryingOver old: PeerHealth? = nil, sessionWindow: Duration = .seconds(600)) {
        self.peers = peers
        self.sessionWindow = sessionWindow
        self.limits = peers.map(PeerLimits.init)
        self.slots = peers.map { _ in PeerSlot(sessionWindow: sessionWindow) }
        self.failTimeouts = peers.map { $0.failTimeout.nanoseconds }
        if let old {
            carryOver(from: old)
        }
    }

    private init(peers: [PeerConfig], slots: [PeerSlot], sessionWindow: Duration) {
        self.peers = peers
        self.sessionWindow = sessionWindow
        self.limits = peers.map(PeerLimits.init)
        self.slots = slots
        self.failTimeouts = peers.map { $0.failTimeout.nanoseconds }
    }

    /// The same upstream with edited servers (the runtime API): `sources[i]` is the index in this health of new
    /// server i, which then shares its counters (in-flight requests of this version release into the same
    /// slot), or nil for a new server.
    public func successor(peers: [PeerConfig], sources: [Int?]) -> PeerHealth {
        let waits = newServersUnhealthy.load(ordering: .relaxed)
        let shared = zip(peers.indices, sources).map { _, source in
            source.map { slots[$0] } ?? {
                let slot = PeerSlot(sessionWindow: sessionWindow)
                slot.unhealthy.store(waits, ordering: .relaxed)   // `mandatory`: out until its first check passes
                return slot
            }()
        }
        let next = PeerHealth(peers: peers, slots: shared, sessionWindow: sessionWindow)
        next.newServersUnhealthy.store(waits, ordering: .relaxed)
        return next
    }

    /// `health_check … mandatory`: a server the runtime API adds waits for its first passing check.
    let newServersUnhealthy = Atomic<Bool>(false)

    public func setNewServersUnhealthy(_ waits: Bool) { newServersUnhealthy.store(waits, ordering: .relaxed) }

    /// Starts the drain clock of servers that began draining and stops it for those that no longer do.
    public func updateDrainClocks(now: Instant) {
        for (index, peer) in peers.enumerated() {
            let slot = slots[index]
            if !peer.isDraining {
                slot.drainingSince.store(0, ordering: .relaxed)
            } else if slot.drainingSince.load(ordering: .relaxed) == 0 {
                slot.drainingSince.store(max(1, now.signed), ordering: .relaxed)
            }
        }
    }

    public var count: Int { peers.count }

    /// Copies failure state and counters from `old` for every server whose address appears in both
    /// (matched by address text, in order for repeated addresses).
    public func carryOver(from old: PeerHealth) {
        var oldByAddress: [String: [Int]] = [:]
        for (index, peer) in old.peers.enumerated() {
            oldByAddress[peer.address, default: []].append(index)
        }
        for (index, peer) in peers.enumerated() {
            guard var candidates = oldByAddress[peer.address], !candidates.isEmpty else { continue }
            let source = candidates.removeFirst()
            oldByAddress[peer.address] = candidates
            slots[index].copyHistory(from: old.slots[source])
        }
    }

    // MARK: - Selection (nginx's ngx_http_upstream_rr_peer_ready, without the tried bit)

    enum Availability {
        case unavailable
        case usable
        /// Failed `max_fails` times but `fail_timeout` has passed: one trial request may go.
        case trial
    }

    func availability(_ index: Int, now: Int64) -> Availability {
        let peer = limits[index]
        if peer.isDown { return .unavailable }
        let slot = slots[index]
        if slot.unhealthy.load(ordering: .relaxed) { return .unavailable }
        if peer.maxConns != 0 && slot.active.load(ordering: .relaxed) >= peer.maxConns {
            slot.metrics.noteMaxConns()
            return .unavailable
        }
        if peer.maxFails != 0 && slot.fails.load(ordering: .relaxed) >= peer.maxFails {
            let checked = slot.checked.load(ordering: .relaxed)
            return now - checked <= failTimeouts[index] ? .unavailable : .trial
        }
        return .usable
    }

    /// Whether a server is out, not merely busy: `down`, failed by its health check, or failed `max_fails` times
    /// within `fail_timeout` (a server at `max_conns` is not).
    func isOutOfService(_ index: Int, now: Int64) -> Bool {
        let peer = limits[index]
        if peer.isDown || slots[index].unhealthy.load(ordering: .relaxed) { return true }
        return peer.maxFails != 0 && slots[index].fails.load(ordering: .relaxed) >= peer.maxFails
            && now - slots[index].checked.load(ordering: .relaxed) <= failTimeouts[index]
    }

    /// `max_fails` failures within `fail_timeout` keep `peer` out of picks now (nginx's "temporarily disabled").
    public func isTemporarilyDisabled(_ peer: PeerID) -> Bool {
        let limit = limits[peer.index].maxFails
        return limit != 0 && slots[peer.index].fails.load(ordering: .relaxed) >= limit
    }

    /// Takes the single trial request of a failed peer: only one worker wins the race, the others see
    /// the fresh `checked` and skip the peer for another `fail_timeout`.
    func claimTrial(_ index: Int, now: Int64) -> Bool {
        let slot = slots[index]
        let checked = slot.checked.load(ordering: .relaxed)
        guard now - checked > failTimeouts[index] else { return false }
        return slot.checked.compareExchange(expected: checked, desired: now, ordering: .relaxed).exchanged
    }

    /// Counts a picked peer in: nginx's `conns++` and its `checked` refresh once `fail_timeout` passed.
    func acquire(_ index: Int, now: Int64) {
        let slot = slots[index]
        slot.active.wrappingAdd(1, ordering: .relaxed)
        slot.requests.wrappingAdd(1, ordering: .relaxed)
        let checked = slot.checked.load(ordering: .relaxed)
        if now - checked > failTimeouts[index] {
            _ = slot.checked.compareExchange(expected: checked, desired: now, ordering: .relaxed)
        }
    }

    /// nginx's free: a failure counts and restarts the window; a success after the window was
    /// refreshed marks the peer healthy again. A single-server upstream is never marked failed.
    func release(_ index: Int, failed: Bool, now: Int64, accounting: Bool) {
        let slot = slots[index]
        if failed {
            slot.failures.wrappingAdd(1, ordering: .relaxed)
        }
        if accounting {
            if failed {
                let fails = slot.fails.wrappingAdd(1, ordering: .relaxed).newValue
                if fails == limits[index].maxFails { slot.metrics.noteUnavailable() }
                slot.accessed.store(now, ordering: .relaxed)
                slot.checked.store(now, ordering: .relaxed)
            } else if slot.accessed.load(ordering: .relaxed) < slot.checked.load(ordering: .relaxed) {
                slot.fails.store(0, ordering: .relaxed)
            }
        } else if failed {
            slot.accessed.store(now, ordering: .relaxed)
        }
        slot.active.wrappingSubtract(1, ordering: .relaxed)
    }

    /// Checks one candidate: skip it if tried, draining (unless the request is bound to it), down,
    /// failed or full; take its trial if it is due one; then count it in and mark it tried.
    func take(_ index: Int, state: inout PickState, now: Int64, allowDraining: Bool) -> Bool {
        if state.tried.contains(index) || (!allowDraining && limits[index].isDraining) { return false }
        switch availability(index, now: now) {
        case .unavailable: return false
        case .trial: if !claimTrial(index, now: now) { return false }
        case .usable: break
        }
        acquire(index, now: now)
        state.record(index)
        return true
    }

    // MARK: - Health checks (the prober's side; PeerSlot.unhealthy is what picks read)

    /// Whether health checks keep `peer` out of rotation.
    public func isUnhealthy(_ peer: PeerID) -> Bool { slots[peer.index].unhealthy.load(ordering: .relaxed) }

    /// Takes `peer` out of rotation (or puts it back) for every worker at once.
    public func setUnhealthy(_ peer: PeerID, _ unhealthy: Bool) {
        slots[peer.index].unhealthy.store(unhealthy, ordering: .relaxed)
    }

    /// Health checks brought `peer` back at `now`: its `slow_start` ramp starts.
    public func noteHealthy(_ peer: PeerID, now: Instant) {
        slots[peer.index].healthySince.store(max(1, now.signed), ordering: .relaxed)
    }

    /// The weight a pick may give `index` at `now`: its weight, or during `slow_start` after its recovery a share of
    /// it growing linearly from 1 (nginx Plus ramps from zero; a round-robin turn needs a weight of at least 1).
    func weightCap(_ index: Int, now: Int64) -> Int {
        let limit = limits[index]
        guard limit.slowStartNanos > 0 else { return limit.weight }
        let since = slots[index].healthySince.load(ordering: .relaxed)
        let elapsed = now - since
        guard since != 0, elapsed < limit.slowStartNanos else { return limit.weight }
        return max(1, Int(Int64(limit.weight) * max(0, elapsed) / limit.slowStartNanos))
    }

    /// Counts one check of `peer`; `becameUnhealthy` when it made the server unhealthy.
    public func recordCheck(_ peer: PeerID, passed: Bool, becameUnhealthy: Bool) {
        let c = slots[peer.index].healthChecks
        c.checks.wrappingAdd(1, ordering: .relaxed)
        if !passed { c.fails.wrappingAdd(1, ordering: .relaxed) }
        if becameUnhealthy { c.unhealthy.wrappingAdd(1, ordering: .relaxed) }
        c.lastPassed.store(passed ? 2 : 1, ordering: .relaxed)
    }

    public func healthChecks(_ peer: PeerID) -> HealthCheckSnapshot {
        let slot = slots[peer.index]
        let c = slot.healthChecks
        let last = c.lastPassed.load(ordering: .relaxed)
        return HealthCheckSnapshot(checks: c.checks.load(ordering: .relaxed), fails: c.fails.load(ordering: .relaxed),
                                   unhealthy: c.unhealthy.load(ordering: .relaxed),
                                   lastPassed: last == 0 ? nil : last == 2,
                                   isUnhealthy: slot.unhealthy.load(ordering: .relaxed))
    }

    // MARK: - Reading

    public func activeConnections(_ peer: PeerID) -> Int {
        slots[peer.index].active.load(ordering: .relaxed)
    }

    /// Counts one answered try of `peer` in its metrics (status class, header and response times).
    public func record(_ peer: PeerID, status: Int, headerNanos: UInt64, responseNanos: UInt64) {
        slots[peer.index].metrics.record(status: status, headerNanos: headerNanos, responseNanos: responseNanos)
    }

    /// Every server's metrics, in config order.
    public func metrics() -> [PeerMetricsSnapshot] { slots.map(\.metrics.snapshot) }

    /// Counts `sessionID` as served by `peer` for the status page's sessions-in-the-last-minute.
    /// `StickyRoute` does this for every bound request; the engine calls it for a session a backend
    /// just created (its Set-Cookie).
    public func noteSession(_ peer: PeerID, sessionID: some Collection<UInt8>, now: Instant) {
        // Indexed each time, not bound to a local: the local copy cost a retain and a release per routed
        // request (callgrind, jvm_route).
        let hash = StableHash.hash64(sessionID)
        slots[peer.index].sessions.note(hash: hash, now: now)
        slots[peer.index].bound.note(hash: hash, now: now)
        slots[peer.index].lastSession.store(now.signed, ordering: .relaxed)
    }

    /// Distinct sessions routed to `peer` within `sessionWindow` (an estimate, exactly 0 when there were none).
    public func boundSessions(_ peer: PeerID, now: Instant) -> Int { slots[peer.index].bound.estimate(now: now) }

    /// The drain's done signal: `peer` is draining, and no session has reached it for `sessionWindow`, counted
    /// from the later of its last session and the start of the drain.
    public func drained(_ peer: PeerID, now: Instant) -> Bool {
        guard peers[peer.index].isDraining else { return false }
        let slot = slots[peer.index]
        let since = slot.drainingSince.load(ordering: .relaxed)
        guard since != 0 else { return false }
        let quiet = max(since, slot.lastSession.load(ordering: .relaxed))
        return now.signed - quiet >= sessionWindow.nanoseconds
    }
}

/// A peer's plain-value parameters, copied out of `PeerConfig` so selection loops never retain strings.
struct PeerLimits: Sendable {
    let weight: Int
    let maxFails: Int
    let maxConns: Int
    let isDown: Bool
    let isBackup: Bool
    let isDraining: Bool
    /// `slow_start` in nanoseconds (0: none).
    let slowStartNanos: Int64

    init(_ config: PeerConfig) {
        slowStartNanos = config.slowStart.nanoseconds
        weight = config.weight
        maxFails = config.maxFails
        maxConns = config.maxConns
        isDown = config.isDown
        isBackup = config.isBackup
        isDraining = config.isDraining
    }
}
