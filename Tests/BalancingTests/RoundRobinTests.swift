import Testing

@testable import Balancing

@Suite struct RoundRobinTests {
    @Test func fiveOneOneGivesTheNginxSequence() {
        var lb = RoundRobin(health: weighted([5, 1, 1]))
        #expect(sequence(&lb, 7) == "aabacaa")
        #expect(sequence(&lb, 7) == "aabacaa")
    }

    @Test(arguments: [[1, 1, 1], [3, 2, 1], [5, 1, 1], [10, 1], [1, 4, 2, 3]])
    func picksFollowWeightsExactlyPerCycle(weights: [Int]) {
        var lb = RoundRobin(health: weighted(weights))
        let total = weights.reduce(0, +)
        let seen = counts(&lb, total * 20)
        for (index, weight) in weights.enumerated() {
            #expect(seen[Character(UnicodeScalar(UInt8(97 + index)))] == weight * 20)
        }
    }

    @Test func failureLowersEffectiveWeightWhichRecoversOnePerPick() {
        // weight 10, max_fails 2: a failure costs 10 / 2 = 5 of effective weight.
        var lb = RoundRobin(health: weighted([10, 10], maxFails: 2))
        _ = sequence(&lb, 2)
        var state = PickState()
        let pick = lb.pick(PickContext(), state: &state, now: .seconds(1000))!
        #expect(pick.peer == PeerID(0))
        lb.release(pick.peer, .failed, now: .seconds(1000))
        #expect(lb.effectiveWeight == [5, 10])
        var recovered: [Int] = []
        for _ in 0..<6 {
            request(&lb)
            recovered.append(lb.effectiveWeight[0])
        }
        #expect(recovered == [6, 7, 8, 9, 10, 10])
    }

    @Test func maxFailsZeroNeverMarksAServerFailed() {
        var lb = RoundRobin(health: weighted([1, 1], maxFails: 0))
        for _ in 0..<10 {
            var state = PickState()
            let pick = lb.pick(PickContext(), state: &state, now: .seconds(10))!
            lb.release(pick.peer, .failed, now: .seconds(10))
        }
        #expect(sequence(&lb, 4, at: .seconds(10)) == "abab")
        #expect(lb.effectiveWeight == [1, 1])
    }

    @Test func downServerIsNeverPicked() {
        let health = makeHealth([
            PeerConfig(address("a")), PeerConfig(address("b"), isDown: true), PeerConfig(address("c")),
        ])
        var lb = RoundRobin(health: health)
        #expect(sequence(&lb, 6) == "acacac")
        #expect(lb.tries == 2)
    }

    @Test func maxConnsSkipsAFullServerUntilReleased() {
        let health = makeHealth([PeerConfig(address("a"), maxConns: 1), PeerConfig(address("b"))])
        var lb = RoundRobin(health: health)
        var first = PickState()
        let held = lb.pick(PickContext(), state: &first, now: .seconds(1))!
        #expect(held.peer == PeerID(0))
        #expect(sequence(&lb, 3, at: .seconds(1)) == "bbb")
        lb.release(held.peer, .ok, now: .seconds(1))
        #expect(sequence(&lb, 2, at: .seconds(1)).contains("a"))
    }

    @Test func retriesWalkEveryServerOnceThenGiveUp() {
        var lb = RoundRobin(health: weighted([1, 1, 1], maxFails: 0))
        var state = PickState()
        var tried: [Character] = []
        while let pick = lb.pick(PickContext(), state: &state, now: .seconds(1)) {
            tried.append(name(pick.peer))
            lb.release(pick.peer, .failed, now: .seconds(1))
        }
        #expect(tried.sorted() == ["a", "b", "c"])
        #expect(state.picks == 3)
    }

    @Test func aSingleServerIsNeverMarkedFailedAndAllowsOneTry() {
        let health = makeHealth([PeerConfig(address("a"), maxFails: 1)])
        var lb = RoundRobin(health: health)
        #expect(lb.tries == 1)
        for _ in 0..<5 { request(&lb, outcome: .failed) }
        #expect(request(&lb) == "a")
        #expect(health.snapshot(now: .seconds(1000))[0].state == .up)
        #expect(health.snapshot(now: .seconds(1000))[0].failures == 5)
    }

    @Test func backupServesOnlyWhenEveryPrimaryIsUnavailable() {
        let health = makeHealth([
            PeerConfig(address("a")), PeerConfig(address("b")), PeerConfig(address("c"), isBackup: true),
        ])
        var lb = RoundRobin(health: health)
        #expect(!sequence(&lb, 20).contains("c"))
        // a fails (max_fails 1): b takes everything, still no backup.
        request(&lb, at: .seconds(2000), outcome: .failed)
        #expect(sequence(&lb, 4, at: .seconds(2001)) == "bbbb")
        // b fails too: now the backup.
        #expect(request(&lb, at: .seconds(2001), outcome: .failed) == "b")
        #expect(sequence(&lb, 3, at: .seconds(2002)) == "ccc")
    }

    @Test func aRequestThatReachedTheBackupsStaysThere() {
        let health = makeHealth([
            PeerConfig(address("a"), maxConns: 1), PeerConfig(address("b"), isBackup: true),
            PeerConfig(address("c"), isBackup: true),
        ])
        var lb = RoundRobin(health: health)
        var holder = PickState()
        let held = lb.pick(PickContext(), state: &holder, now: .seconds(1))!  // a is now full
        var state = PickState()
        let first = lb.pick(PickContext(), state: &state, now: .seconds(1))!
        #expect(health.peers[first.peer.index].isBackup)
        lb.release(held.peer, .ok, now: .seconds(1))  // a has room again…
        lb.release(first.peer, .failed, now: .seconds(1))
        let second = lb.pick(PickContext(), state: &state, now: .seconds(1))!
        #expect(health.peers[second.peer.index].isBackup)  // …but nginx keeps this request on the backups
        #expect(second.peer != first.peer)
    }

    @Test func noLiveUpstreamsGivesNil() {
        let health = makeHealth([PeerConfig(address("a"), isDown: true), PeerConfig(address("b"), isDown: true)])
        var lb = RoundRobin(health: health)
        #expect(request(&lb) == "-")
    }
}
