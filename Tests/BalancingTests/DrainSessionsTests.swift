@testable import Balancing
import Testing

/// Drain measured in sessions, on a clock passed in: `boundSessions` counts distinct session ids routed to a
/// server within `drain_idle`, and `drained` turns true once a draining server has seen none for that long.
@Suite struct DrainSessionsTests {
    static let window = Duration.seconds(60)

    static func health(drain: Bool) -> PeerHealth {
        PeerHealth(peers: [PeerConfig("10.0.0.1:80", isDraining: drain), PeerConfig("10.0.0.2:80")], sessionWindow: window)
    }

    @Test func sessionsAreDistinctIdsWithinTheWindow() {
        let h = Self.health(drain: false)
        let a = PeerID(0)
        let t0 = Instant.seconds(1_000)
        for i in 0..<50 { h.noteSession(a, sessionID: Array("session-\(i % 20)".utf8), now: t0) }
        let n = h.boundSessions(a, now: t0)
        #expect(n >= 19 && n <= 21)   // 20 distinct ids (linear counting: an estimate)
        #expect(h.boundSessions(PeerID(1), now: t0) == 0)
        #expect(h.boundSessions(a, now: t0 + .seconds(49)) == n)
        #expect(h.boundSessions(a, now: t0 + .seconds(61)) == 0)   // past the window: exactly 0
    }

    @Test func drainedOnceNoSessionForTheWindow() {
        let h = Self.health(drain: true)
        let a = PeerID(0)
        let start = Instant.seconds(1_000)
        h.updateDrainClocks(now: start)
        #expect(!h.drained(a, now: start + .seconds(59)))   // the drain's own start counts: bound sessions may come
        h.noteSession(a, sessionID: Array("s1".utf8), now: start + .seconds(30))
        #expect(!h.drained(a, now: start + .seconds(60)))
        #expect(!h.drained(a, now: start + .seconds(89)))
        #expect(h.boundSessions(a, now: start + .seconds(89)) >= 1)
        #expect(h.drained(a, now: start + .seconds(90)))
        #expect(h.boundSessions(a, now: start + .seconds(91)) == 0)
        #expect(!h.drained(PeerID(1), now: start + .seconds(1_000)))   // not draining: never "drained"
    }

    /// A server kept by an edit shares its counters with the next version: the drain clock and sessions go on.
    @Test func aSuccessorSharesTheSlotsOfServersThatStay() {
        let h = Self.health(drain: true)
        let start = Instant.seconds(1_000)
        h.updateDrainClocks(now: start)
        h.noteSession(PeerID(0), sessionID: Array("s1".utf8), now: start)
        let next = h.successor(peers: [PeerConfig("10.0.0.3:80"), PeerConfig("10.0.0.1:80", isDraining: true)],
                               sources: [nil, 0])
        next.updateDrainClocks(now: start + .seconds(10))
        #expect(next.boundSessions(PeerID(1), now: start + .seconds(1)) == 1)
        #expect(next.drained(PeerID(1), now: start + .seconds(60)))   // clock from the first drain, not the edit
        #expect(next.boundSessions(PeerID(0), now: start) == 0)
        // Undrained: the clock stops; drained again later starts a new one.
        let undrained = next.successor(peers: [PeerConfig("10.0.0.3:80"), PeerConfig("10.0.0.1:80")], sources: [0, 1])
        undrained.updateDrainClocks(now: start + .seconds(100))
        let again = undrained.successor(peers: [PeerConfig("10.0.0.3:80"), PeerConfig("10.0.0.1:80", isDraining: true)], sources: [0, 1])
        again.updateDrainClocks(now: start + .seconds(200))
        #expect(!again.drained(PeerID(1), now: start + .seconds(259)))
        #expect(again.drained(PeerID(1), now: start + .seconds(260)))
    }
}
