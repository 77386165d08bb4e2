import Synchronization

/// Counters for stub_status, shared by all workers (relaxed atomics: exact totals, no ordering needed).
public final class SharedStats: Sendable {
    let accepted = Atomic<Int>(0)
    let handled = Atomic<Int>(0)
    let requests = Atomic<Int>(0)
    let active = Atomic<Int>(0)
    let nextConnectionID = Atomic<UInt64>(0)

    public init() {}

    struct Snapshot { let active, accepted, handled, requests, reading, writing, waiting: Int }

    /// nginx counts Writing as the connections busy with a request, Waiting as idle keep-alive ones;
    /// switchyard counts both by phase at the moment of the snapshot — the status request itself writes.
    func snapshot() -> Snapshot {
        let a = active.load(ordering: .relaxed)
        return Snapshot(active: a, accepted: accepted.load(ordering: .relaxed), handled: handled.load(ordering: .relaxed),
                        requests: requests.load(ordering: .relaxed), reading: 0, writing: 1, waiting: max(0, a - 1))
    }
}
