import Testing

@testable import Balancing

@Suite struct PassiveHealthTests {
    /// a: max_fails=2 fail_timeout=10s; b healthy.
    func pair() -> PeerHealth {
        makeHealth([
            PeerConfig(address("a"), maxFails: 2, failTimeout: .seconds(10)),
            PeerConfig(address("b"), maxFails: 2, failTimeout: .seconds(10)),
        ])
    }

    func fail<B: Balancer>(_ lb: inout B, _ peer: Int, at now: Instant) {
        var state = PickState()
        var pick = lb.pick(PickContext(), state: &state, now: now)!
        while pick.peer.index != peer {
            lb.release(pick.peer, .ok, now: now)
            state = PickState()
            pick = lb.pick(PickContext(), state: &state, now: now)!
        }
        lb.release(pick.peer, .failed, now: now)
    }

    @Test func maxFailsWithinTheWindowDisablesTheServerForFailTimeout() {
        let health = pair()
        var lb = RoundRobin(health: health)
        fail(&lb, 0, at: .seconds(100))
        #expect(sequence(&lb, 4, at: .seconds(101)).contains("a"))  // one failure: still in
        fail(&lb, 0, at: .seconds(102))
        #expect(health.snapshot(now: .seconds(102))[0].state == .failing)
        #expect(sequence(&lb, 6, at: .seconds(103)) == "bbbbbb")
        #expect(sequence(&lb, 6, at: .seconds(112)) == "bbbbbb")  // exactly fail_timeout later: still out
    }

    @Test func afterFailTimeoutExactlyOneTrialRequestGoes() {
        let health = pair()
        var lb = RoundRobin(health: health)
        fail(&lb, 0, at: .seconds(100))
        fail(&lb, 0, at: .seconds(100))
        let later = Instant.seconds(111)
        var trial = PickState()
        var picks: [Character] = []
        // Hold the first request in flight: others arriving meanwhile must not reach a.
        var first = lb.pick(PickContext(), state: &trial, now: later)!
        while first.peer.index != 0 {
            lb.release(first.peer, .ok, now: later)
            trial = PickState()
            first = lb.pick(PickContext(), state: &trial, now: later)!
        }
        for _ in 0..<5 { picks.append(request(&lb, at: later)) }
        #expect(picks == ["b", "b", "b", "b", "b"])
        // The trial fails: out for another fail_timeout.
        lb.release(first.peer, .failed, now: later)
        #expect(sequence(&lb, 6, at: later + .seconds(5)) == "bbbbbb")
        #expect(health.snapshot(now: later)[0].fails == 3)
    }

    @Test func aSuccessfulTrialBringsTheServerBack() {
        let health = pair()
        var lb = RoundRobin(health: health)
        fail(&lb, 0, at: .seconds(100))
        fail(&lb, 0, at: .seconds(100))
        let later = Instant.seconds(111)
        _ = sequence(&lb, 4, at: later)  // the trial is among these and succeeds
        #expect(health.snapshot(now: later)[0].fails == 0)
        #expect(health.snapshot(now: later)[0].state == .up)
        let after = sequence(&lb, 4, at: later)
        #expect(after.filter { $0 == "a" }.count == 2)
    }

    @Test func anotherWorkerSeesTheFailureAndOnlyOneWorkerGetsTheTrial() {
        let health = pair()
        var worker1 = RoundRobin(health: health)
        var worker2 = RoundRobin(health: health)
        fail(&worker1, 0, at: .seconds(100))
        fail(&worker1, 0, at: .seconds(100))
        #expect(sequence(&worker2, 4, at: .seconds(105)) == "bbbb")
        // Both workers keep picking without releasing (requests in flight): a gets one trial in all.
        let later = Instant.seconds(111)
        var trials = 0
        for _ in 0..<5 {
            for worker in 0..<2 {
                var state = PickState()
                let pick =
                    worker == 0
                    ? worker1.pick(PickContext(), state: &state, now: later)!
                    : worker2.pick(PickContext(), state: &state, now: later)!
                if pick.peer.index == 0 { trials += 1 }
            }
        }
        #expect(trials == 1)
    }

    @Test func spacedFailuresDoNotAddUpAcrossWindows() {
        let health = pair()
        var lb = RoundRobin(health: health)
        fail(&lb, 0, at: .seconds(100))
        _ = sequence(&lb, 4, at: .seconds(120))  // a success well after the window clears the count
        #expect(health.snapshot(now: .seconds(120))[0].fails == 0)
        fail(&lb, 0, at: .seconds(130))
        #expect(health.snapshot(now: .seconds(130))[0].state == .up)
    }

    @Test func nextOutcomeDoesNotCountAgainstTheServer() {
        let health = pair()
        var lb = RoundRobin(health: health)
        for _ in 0..<6 { request(&lb, outcome: .next) }
        #expect(health.snapshot(now: .seconds(1000)).allSatisfy { $0.fails == 0 && $0.failures == 0 })
    }

    @Test func reloadCarriesHealthOverForServersThatStay() {
        let old = pair()
        var lb = RoundRobin(health: old)
        fail(&lb, 0, at: .seconds(100))
        fail(&lb, 0, at: .seconds(100))
        let reloaded = PeerHealth(
            peers: [PeerConfig(address("c")), PeerConfig(address("a"), maxFails: 2, failTimeout: .seconds(10))],
            carryingOver: old)
        let snapshot = reloaded.snapshot(now: .seconds(101))
        #expect(snapshot[1].state == .failing)
        #expect(snapshot[1].failures == 2)
        #expect(snapshot[0].state == .up && snapshot[0].failures == 0)
        var fresh = RoundRobin(health: reloaded)
        // Index 0 is the new server c; the carried-over a (index 1) is still failing.
        #expect(sequence(&fresh, 3, at: .seconds(101)) == "aaa")
    }
}
