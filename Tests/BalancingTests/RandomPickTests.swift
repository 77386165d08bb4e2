@testable import Balancing
import Testing

/// `random` and `random two`: draws follow the weights, skip what is unusable, and `two` takes the less loaded.
@Suite struct RandomPickTests {
    @Test func drawsFollowTheWeights() {
        var lb = RandomPick(health: weighted([1, 3]), two: false, seed: 7)
        let n = counts(&lb, 8_000)
        // 2,000 and 6,000 expected; a fair draw stays well inside ±300 (over 6 standard deviations).
        #expect(abs((n["a"] ?? 0) - 2_000) < 300, "\(n)")
        #expect(abs((n["b"] ?? 0) - 6_000) < 300, "\(n)")
    }

    @Test func unusableServersAreNeverDrawn() {
        let health = makeHealth([PeerConfig(address("a")), PeerConfig(address("b"), isDown: true),
                                 PeerConfig(address("c"), isDraining: true), PeerConfig(address("d"))])
        for two in [false, true] {
            var lb = RandomPick(health: health, two: two, seed: 11)
            let n = counts(&lb, 2_000)
            #expect(n["b"] == nil && n["c"] == nil, "\(n)")
            #expect((n["a"] ?? 0) > 800 && (n["d"] ?? 0) > 800, "\(n)")
        }
    }

    @Test func retriesNeverRepeatAServerAndEndInNone() {
        var lb = RandomPick(health: weighted([1, 1, 1]), two: false, seed: 3)
        var state = PickState()
        var seen: Set<Int> = []
        while let pick = lb.pick(PickContext(), state: &state, now: .seconds(1)) {
            #expect(seen.insert(pick.peer.index).inserted)
            lb.release(pick.peer, .next, now: .seconds(1))
        }
        #expect(seen == [0, 1, 2])
    }

    @Test func twoTakesTheLessLoadedOfItsDraws() {
        let health = weighted([1, 1])
        var lb = RandomPick(health: health, two: true, seed: 5)
        // Hold five requests on whichever server the first pick lands, then every new pick goes to the other.
        var state = PickState()
        let busy = lb.pick(PickContext(), state: &state, now: .seconds(1))!.peer
        for _ in 0..<4 { health.acquire(busy.index, now: Instant.seconds(1).signed) }
        for _ in 0..<50 {
            var s = PickState()
            let p = lb.pick(PickContext(), state: &s, now: .seconds(1))!
            #expect(p.peer != busy)
            lb.release(p.peer, .ok, now: .seconds(1))
        }
    }

    @Test func aFailedServerIsSkippedUntilItsTimeout() {
        var lb = RandomPick(health: weighted([1, 1], maxFails: 1, failTimeout: .seconds(10)), two: false, seed: 9)
        var state = PickState()
        let first = lb.pick(PickContext(), state: &state, now: .seconds(100))!
        lb.release(first.peer, .failed, now: .seconds(100))
        let n = counts(&lb, 200, at: .seconds(105))
        #expect(n[name(first.peer)] == nil, "\(n)")
    }
}
