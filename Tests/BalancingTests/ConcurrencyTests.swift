import Testing
@testable import Balancing

@Suite struct ConcurrencyTests {
    /// Four workers on their own threads share one PeerHealth: every pick is counted once and every
    /// release returns its connection, with no lock anywhere.
    @Test func workersShareHealthWithoutLosingCounts() async {
        let health = weighted([3, 2, 1])
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var lb = LeastConn(health: health)
                    for n in 0..<5000 {
                        var state = PickState()
                        let now = Instant.seconds(UInt64(n))
                        if let pick = lb.pick(PickContext(), state: &state, now: now) {
                            health.noteSession(pick.peer, sessionID: bytes("w\(worker)-\(n % 10)"), now: .seconds(1))
                            lb.release(pick.peer, .ok, now: now)
                        }
                    }
                }
            }
        }
        let snapshot = health.snapshot(now: .seconds(5000))
        #expect(snapshot.reduce(0) { $0 + $1.requests } == 20_000)
        #expect(snapshot.allSatisfy { $0.active == 0 && $0.state == .up })
    }
}
