import Synchronization

/// One peer's shared counters, updated by every worker with atomics (nginx's peer fields in a `zone`).
/// Times are nanoseconds on the caller's monotonic clock.
final class PeerSlot: Sendable {
    /// Failures since the server was last seen healthy (nginx `fails`).
    let fails = Atomic<Int>(0)
    /// Time of the latest failure (nginx `accessed`).
    let accessed = Atomic<Int64>(0)
    /// Start of the current `fail_timeout` window: set by a failure, or by a pick made more than
    /// `fail_timeout` after it (nginx `checked`). A success after a later `checked` clears `fails`.
    let checked = Atomic<Int64>(0)
    /// Connections in flight (nginx `conns`): least_conn and max_conns read it.
    let active = Atomic<Int>(0)
    let requests = Atomic<Int>(0)
    let failures = Atomic<Int>(0)
    let sessions = SessionCounter()
    /// Sessions within `drain_idle`: the API's and the metrics' `sessions`, and the drain's done signal.
    let bound: SessionCounter
    /// When a session was last routed here (0: never), so `drained` is exact where `bound` is bucketed.
    let lastSession = Atomic<Int64>(0)
    /// When the server started draining (0: it is not draining, or not since this process knew it).
    let drainingSince = Atomic<Int64>(0)
    let metrics = PeerMetrics()
    /// Out of rotation for every worker because of its health checks: written only by the prober, read by every
    /// pick (one relaxed load, no lock).
    let unhealthy = Atomic<Bool>(false)
    let healthChecks = HealthCheckCounters()
    /// When health checks last brought the server back (0: not since this process knew it): `slow_start` ramps
    /// its weight from then.
    let healthySince = Atomic<Int64>(0)

    init(sessionWindow: Duration) {
        bound = SessionCounter(window: sessionWindow)
    }

    /// Copies what a reload keeps; `active` stays behind because in-flight requests release on the
    /// runtime they started with.
    func copyHistory(from old: PeerSlot) {
        fails.store(old.fails.load(ordering: .relaxed), ordering: .relaxed)
        accessed.store(old.accessed.load(ordering: .relaxed), ordering: .relaxed)
        checked.store(old.checked.load(ordering: .relaxed), ordering: .relaxed)
        requests.store(old.requests.load(ordering: .relaxed), ordering: .relaxed)
        failures.store(old.failures.load(ordering: .relaxed), ordering: .relaxed)
        sessions.copy(from: old.sessions)
        bound.copy(from: old.bound)
        lastSession.store(old.lastSession.load(ordering: .relaxed), ordering: .relaxed)
        drainingSince.store(old.drainingSince.load(ordering: .relaxed), ordering: .relaxed)
        metrics.copy(from: old.metrics)
        unhealthy.store(old.unhealthy.load(ordering: .relaxed), ordering: .relaxed)
        healthChecks.copy(from: old.healthChecks)
        healthySince.store(old.healthySince.load(ordering: .relaxed), ordering: .relaxed)
    }
}
