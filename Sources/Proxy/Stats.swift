import Synchronization

/// Counters for stub_status and the metrics page, shared by all workers (relaxed atomics: exact totals, no
/// ordering needed). One instance lives as long as the process: a reload keeps it.
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
    /// Logged responses by status class (1xx…5xx), counted where the access log is written.
    let responses1xx = Atomic<Int>(0), responses2xx = Atomic<Int>(0), responses3xx = Atomic<Int>(0)
    let responses4xx = Atomic<Int>(0), responses5xx = Atomic<Int>(0)
    let reloads = Atomic<Int>(0)
    let failedReloads = Atomic<Int>(0)
    /// Wall-clock seconds of the last reload attempt (0: none yet) and of the start.
    let lastReloadTime = Atomic<Int>(0)
    let lastReloadFailed = Atomic<Bool>(false)
    let startTime = Atomic<Int>(0)

    public init() {}

    func countResponse(_ status: Int) {
        switch status / 100 {
        case 1: responses1xx.wrappingAdd(1, ordering: .relaxed)
        case 2: responses2xx.wrappingAdd(1, ordering: .relaxed)
        case 3: responses3xx.wrappingAdd(1, ordering: .relaxed)
        case 4: responses4xx.wrappingAdd(1, ordering: .relaxed)
        case 5: responses5xx.wrappingAdd(1, ordering: .relaxed)
        default: break   // 0: a connection closed before any status (nginx logs 000 / 499 style codes only)
        }
    }

    /// A reload attempt ended (`ok`: the new configuration runs) at wall-clock `time` seconds.
    func noteReload(ok: Bool, time: Int) {
        if ok { reloads.add(1, ordering: .relaxed) } else { failedReloads.add(1, ordering: .relaxed) }
        lastReloadFailed.store(!ok, ordering: .relaxed)
        lastReloadTime.store(time, ordering: .relaxed)
    }

    struct Snapshot { let active, accepted, handled, requests, reading, writing, waiting: Int }

    /// What the metrics page adds to stub_status' figures.
    struct ProcessFigures {
        let responsesByClass: [Int]   // 1xx…5xx
        let reloads, failedReloads, lastReloadTime, startTime: Int
        let lastReloadFailed: Bool
    }

    func processFigures() -> ProcessFigures {
        ProcessFigures(
            responsesByClass: [responses1xx.load(ordering: .relaxed), responses2xx.load(ordering: .relaxed),
                               responses3xx.load(ordering: .relaxed), responses4xx.load(ordering: .relaxed),
                               responses5xx.load(ordering: .relaxed)],
            reloads: reloads.load(ordering: .relaxed), failedReloads: failedReloads.load(ordering: .relaxed),
            lastReloadTime: lastReloadTime.load(ordering: .relaxed), startTime: startTime.load(ordering: .relaxed),
            lastReloadFailed: lastReloadFailed.load(ordering: .relaxed))
    }

    /// nginx's stub_status figures; Waiting is derived as nginx derives it (active minus reading and writing).
    /// The counters are read one by one, so under load the three may be off by a connection in transit.
    func snapshot() -> Snapshot {
        let a = active.load(ordering: .relaxed)
        let r = reading.load(ordering: .relaxed), w = writing.load(ordering: .relaxed)
        return Snapshot(active: a, accepted: accepted.load(ordering: .relaxed), handled: handled.load(ordering: .relaxed),
                        requests: requests.load(ordering: .relaxed), reading: r, writing: w, waiting: max(0, a - r - w))
    }
}
