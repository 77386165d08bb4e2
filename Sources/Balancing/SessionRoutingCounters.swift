import Synchronization

/// An upstream's session-routing events for the status pages, shared by all workers (relaxed atomics) and
/// kept across a reload (the same object passes to the new runtime's upstream of the same name).
///
///     counters.cookiesTampered.wrappingAdd(1, ordering: .relaxed)
///     counters.snapshot().cookiesTampered
public final class SessionRoutingCounters: Sendable {
    /// Signed sticky cookies whose MAC did not verify (forged, damaged, or signed with a key no longer listed).
    let cookiesTampered = Atomic<Int>(0)
    /// Signed sticky cookies with a valid MAC past their expiry.
    let cookiesExpired = Atomic<Int>(0)
    /// Requests a `failback=stay` entry sent to a session's stand-in.
    let failbackKept = Atomic<Int>(0)
    /// Sessions recorded as moved to a stand-in.
    let failbackMoved = Atomic<Int>(0)
    /// Entries dropped because the application re-stamped the session with a new route.
    let failbackRestamped = Atomic<Int>(0)
    /// Picks by role: the session's own server (a sticky hit), the balancing method's choice (no usable
    /// binding: a miss), the owner's deterministic stand-in (a failover).
    let ownerPicks = Atomic<Int>(0)
    let balancedPicks = Atomic<Int>(0)
    let fallbackPicks = Atomic<Int>(0)
    /// Tries after a failed one (`proxy_next_upstream`).
    let retries = Atomic<Int>(0)

    public init() {}

    public struct Snapshot: Sendable, Equatable {
        public var cookiesTampered = 0
        public var cookiesExpired = 0
        public var failbackKept = 0
        public var failbackMoved = 0
        public var failbackRestamped = 0
        /// Sessions in the failback table now.
        public var failbackEntries = 0
        public var ownerPicks = 0
        public var balancedPicks = 0
        public var fallbackPicks = 0
        public var retries = 0
    }

    public func snapshot(table: FailbackTable? = nil) -> Snapshot {
        Snapshot(
            cookiesTampered: cookiesTampered.load(ordering: .relaxed),
            cookiesExpired: cookiesExpired.load(ordering: .relaxed),
            failbackKept: failbackKept.load(ordering: .relaxed),
            failbackMoved: failbackMoved.load(ordering: .relaxed),
            failbackRestamped: failbackRestamped.load(ordering: .relaxed),
            failbackEntries: table?.count ?? 0,
            ownerPicks: ownerPicks.load(ordering: .relaxed),
            balancedPicks: balancedPicks.load(ordering: .relaxed),
            fallbackPicks: fallbackPicks.load(ordering: .relaxed),
            retries: retries.load(ordering: .relaxed))
    }

    /// Counts where a pick sent a request.
    public func note(_ role: Pick.Role) {
        switch role {
        case .owner: ownerPicks.wrappingAdd(1, ordering: .relaxed)
        case .balanced: balancedPicks.wrappingAdd(1, ordering: .relaxed)
        case .fallback: fallbackPicks.wrappingAdd(1, ordering: .relaxed)
        }
    }

    /// Counts a try after a failed one.
    public func noteRetry() { retries.wrappingAdd(1, ordering: .relaxed) }

    /// Counts a re-stamp reported by the engine.
    public func noteRestamp() { failbackRestamped.wrappingAdd(1, ordering: .relaxed) }
}
