import Synchronization

/// Counters for stub_status, shared by all workers (relaxed atomics: exact totals, no ordering needed).
public final class SharedStats: Sendable {
    let accepted = Atomic<Int>(0)
    let handled = Atomic<Int>(0)
    let requests = Atomic<Int>(0)
    let active = Atomic<Int>(0)
    /// Connections reading a request head, and connections busy with a request (from a complete head until the
    /// response is written); the rest of `active` is waiting (idle keep-alive). Kept by `ClientConnection`.
    let reading = Atomic<Int>(0)
    let writing = Atomic<Int>(0)
    let nextConnectionID = Atomic<UInt64>(0)

    public init() {}

    struct Snapshot { let active, accepted, handled, requests, reading, writing, waiting: Int }

    /// nginx's stub_status figures; Waiting is derived as nginx derives it (active minus reading and writing).
    /// The counters are read one by one, so under load the three may be off by a connection in transit.
    func snapshot() -> Snapshot {
        let a = active.load(ordering: .relaxed)
        let r = reading.load(ordering: .relaxed), w = writing.load(ordering: .relaxed)
        return Snapshot(active: a, accepted: accepted.load(ordering: .relaxed), handled: handled.load(ordering: .relaxed),
                        requests: requests.load(ordering: .relaxed), reading: r, writing: w, waiting: max(0, a - r - w))
    }
}
