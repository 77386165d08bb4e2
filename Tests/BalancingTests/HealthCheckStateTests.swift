import Testing

@testable import Balancing

/// nginx Plus's fails/passes rule as a value, and what an unhealthy server means to every pick.
@Suite struct HealthCheckStateTests {
    @Test func failsInARowMakeAServerUnhealthyAndPassesInARowBringItBack() {
        var s = HealthCheckState(unhealthy: false)
        #expect(s.record(passed: false, fails: 3, passes: 2) == nil)
        #expect(s.record(passed: false, fails: 3, passes: 2) == nil)
        #expect(s.record(passed: true, fails: 3, passes: 2) == nil)   // the streak is broken
        #expect(s.record(passed: false, fails: 3, passes: 2) == nil)
        #expect(s.record(passed: false, fails: 3, passes: 2) == nil)
        #expect(s.record(passed: false, fails: 3, passes: 2) == .becameUnhealthy)
        #expect(s.unhealthy)
        #expect(s.record(passed: false, fails: 3, passes: 2) == nil)  // still unhealthy: no second transition
        #expect(s.record(passed: true, fails: 3, passes: 2) == nil)
        #expect(s.record(passed: false, fails: 3, passes: 2) == nil)  // a failure restarts the passes
        #expect(s.record(passed: true, fails: 3, passes: 2) == nil)
        #expect(s.record(passed: true, fails: 3, passes: 2) == .becameHealthy)
        #expect(!s.unhealthy)
    }

    @Test func theDefaultsActOnOneResult() {
        var s = HealthCheckState(unhealthy: false)
        #expect(s.record(passed: true, fails: 1, passes: 1) == nil)
        #expect(s.record(passed: false, fails: 1, passes: 1) == .becameUnhealthy)
        #expect(s.record(passed: true, fails: 1, passes: 1) == .becameHealthy)
    }

    @Test func aMandatoryServerStartsOutAndTheFirstPassBringsItIn() {
        var s = HealthCheckState(unhealthy: true)
        #expect(s.record(passed: true, fails: 1, passes: 1) == .becameHealthy)
    }

    @Test func anUnhealthyServerTakesNoPickAndItsSessionsGoToTheirStandIns() {
        let cluster = Cluster()
        var before = cluster.worker()
        // Where tomcat1's sessions go when it is dead (max_fails): the deterministic stand-in.
        let dead = Cluster()
        dead.kill(0, at: .seconds(100))
        var deadWorker = dead.worker()
        cluster.health.setUnhealthy(PeerID(0), true)
        for n in 0..<100 {
            let ctx = Cluster.session("S\(n).tomcat1")
            let pick = pickOnce(&before, ctx, at: .seconds(101))!
            #expect(pick.role == .fallback && pick.peer != PeerID(0))
            #expect(pick == pickOnce(&deadWorker, ctx, at: .seconds(101)))
        }
        for _ in 0..<30 { #expect(pickOnce(&before, PickContext(), at: .seconds(101))!.peer != PeerID(0)) }
        #expect(cluster.health.snapshot(now: .seconds(101))[0].state == .unhealthy)
        cluster.health.setUnhealthy(PeerID(0), false)
        #expect(pickOnce(&before, Cluster.session("S1.tomcat1"), at: .seconds(102)) == Pick(PeerID(0), .owner))
    }

    @Test func countersAndStateSurviveAReloadAndAnEdit() {
        let health = weighted([1, 1])
        health.recordCheck(PeerID(1), passed: false, becameUnhealthy: true)
        health.setUnhealthy(PeerID(1), true)
        let reloaded = PeerHealth(peers: health.peers, carryingOver: health)
        #expect(reloaded.healthChecks(PeerID(1)) == HealthCheckSnapshot(checks: 1, fails: 1, unhealthy: 1, lastPassed: false,
                                                                      isUnhealthy: true))
        reloaded.setNewServersUnhealthy(true)
        let edited = reloaded.successor(peers: reloaded.peers + [PeerConfig("10.0.0.9:8080")], sources: [0, 1, nil])
        #expect(edited.isUnhealthy(PeerID(1)) && edited.isUnhealthy(PeerID(2)) && !edited.isUnhealthy(PeerID(0)))
        #expect(edited.healthChecks(PeerID(2)).lastPassed == nil)
    }
}

/// `slow_start`: a server the health checks bring back ramps its round-robin weight up linearly.
@Suite struct SlowStartTests {
    static func share(_ health: PeerHealth, at seconds: UInt64) -> Double {
        var rr = RoundRobin(health: health)
        var b = 0
        for _ in 0..<1100 where pickOnce(&rr, PickContext(), at: .seconds(seconds))?.peer == PeerID(1) { b += 1 }
        return Double(b) / 1100
    }

    @Test func theWeightRampsFromItsRecovery() {
        let health = PeerHealth(peers: [PeerConfig("10.0.0.1:80", weight: 10),
                                        PeerConfig("10.0.0.2:80", weight: 10, slowStart: .seconds(10))])
        #expect(abs(Self.share(health, at: 100) - 0.5) < 0.01)   // never recovered: its full weight
        health.noteHealthy(PeerID(1), now: .seconds(100))
        #expect(abs(Self.share(health, at: 101) - 1.0 / 11) < 0.01)   // 1 of 10 after a tenth of the time
        #expect(abs(Self.share(health, at: 105) - 5.0 / 15) < 0.01)
        #expect(abs(Self.share(health, at: 110) - 0.5) < 0.01)
    }

    @Test func withoutSlowStartTheWeightIsWholeAtOnce() {
        let health = weighted([10, 10])
        health.noteHealthy(PeerID(1), now: .seconds(100))
        #expect(abs(Self.share(health, at: 101) - 0.5) < 0.01)
    }
}
