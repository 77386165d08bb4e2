@testable import Limits
import Locking
import Testing

/// The limit_req handler's decision over a location's limits, with the cases of nginx's own tests.
@Suite struct RequestLimiterTests {
    let client: [UInt8] = [127, 0, 0, 1]

    /// limit_req_delay.t: 30r/m, `delay=1 burst=2`: two at once, the third waits two seconds, the fourth is refused.
    @Test func delayServesSomeAtOnceAndHoldsTheRest() {
        let zone = RequestLimitZone(name: "one", size: 1 << 20, keyText: "$binary_remote_addr")
        let rules = [RequestLimitRule(zone: zone, rate: 500, burst: 2, delay: 1)]
        #expect(RequestLimiter.check(rules, now: 1_000) { _ in client } == .passed)
        #expect(RequestLimiter.check(rules, now: 1_000) { _ in client } == .passed)
        #expect(RequestLimiter.check(rules, now: 1_000) { _ in client } == .delayed(millis: 2_000, excess: 2_000, zone: "one"))
        #expect(RequestLimiter.check(rules, now: 1_000) { _ in client } == .rejected(excess: 3_000, zone: "one"))
    }

    /// Without `delay=`, every request over the rate waits for its turn; `nodelay` serves the burst at once.
    @Test func burstWaitsUnlessNodelay() {
        let zone = RequestLimitZone(name: "long", size: 1 << 20, keyText: "$binary_remote_addr")
        let waits = [RequestLimitRule(zone: zone, rate: 2_000, burst: 5, delay: 0)]
        #expect(RequestLimiter.check(waits, now: 0) { _ in client } == .passed)
        #expect(RequestLimiter.check(waits, now: 0) { _ in client } == .delayed(millis: 500, excess: 1_000, zone: "long"))
        let other = RequestLimitZone(name: "fast", size: 1 << 20, keyText: "$binary_remote_addr")
        let nodelay = [RequestLimitRule(zone: other, rate: 2_000, burst: 5, delay: Int.max)]
        for _ in 0..<6 { #expect(RequestLimiter.check(nodelay, now: 0) { _ in client } == .passed) }
        #expect(RequestLimiter.check(nodelay, now: 0) { _ in client } == .rejected(excess: 6_000, zone: "fast"))
    }

    /// limit_req2.t: two zones with their own keys; an empty key skips its zone; the slow zone refuses alone,
    /// and a refusal leaves the other zone uncounted.
    @Test func severalZonesEachWithItsKey() {
        let fast = RequestLimitZone(name: "fast", size: 1 << 20, keyText: "$arg_b")
        let slow = RequestLimitZone(name: "slow", size: 1 << 20, keyText: "$arg_a")
        let rules = [RequestLimitRule(zone: fast, rate: 1_000_000, burst: 0, delay: Int.max),
                     RequestLimitRule(zone: slow, rate: 16, burst: 0, delay: Int.max)]
        func check(a: String?, b: String?, at now: Int64) -> RequestLimitVerdict {
            RequestLimiter.check(rules, now: now) { i in (i == 0 ? b : a).map { Array($0.utf8) } }
        }
        #expect(check(a: nil, b: nil, at: 0) == .untouched)
        #expect(check(a: nil, b: "1", at: 0) == .passed)
        #expect(check(a: nil, b: "1", at: 100) == .passed)
        #expect(check(a: "1", b: nil, at: 0) == .passed)
        #expect(check(a: "1", b: nil, at: 100) == .rejected(excess: 999, zone: "slow"))   // 1r/m drained 0.001
        #expect(check(a: "2", b: "2", at: 0) == .passed)
        #expect(check(a: "2", b: "2", at: 100) == .rejected(excess: 999, zone: "slow"))
        // The fast zone's entry for "2" was held and let go by the refusal: not counted, not held.
        #expect(fast.table.withLock { $0.excess(of: Array("2".utf8)) } == 0)
    }

    /// The longest wait any zone asks for is the delay, and its zone is the one named in the log.
    @Test func theLongestWaitWins() {
        let a = RequestLimitZone(name: "a", size: 1 << 20, keyText: "$k")
        let b = RequestLimitZone(name: "b", size: 1 << 20, keyText: "$k")
        let rules = [RequestLimitRule(zone: a, rate: 1_000, burst: 10, delay: 0),
                     RequestLimitRule(zone: b, rate: 4_000, burst: 10, delay: 0)]
        #expect(RequestLimiter.check(rules, now: 0) { _ in client } == .passed)
        #expect(RequestLimiter.check(rules, now: 0) { _ in client } == .delayed(millis: 1_000, excess: 1_000, zone: "a"))
    }

    @Test func aFullZoneRefuses() {
        let zone = RequestLimitZone(name: "tiny", size: 32 * 1024, keyText: "$k")
        let rules = [RequestLimitRule(zone: zone, rate: 1_000, burst: 0, delay: 0), RequestLimitRule(zone: zone, rate: 1_000, burst: 0, delay: 0)]
        // Every entry held by the first limit of the request so nothing can be evicted for the next key.
        let capacity = zone.table.withLock { $0.budget.bytes } / 128
        for i in 0..<capacity {
            _ = zone.table.withLock { $0.lookup([UInt8(i >> 8), UInt8(i & 0xff)], rate: 1_000, burst: 0, account: false, now: 0) }
        }
        #expect(RequestLimiter.check(rules, now: 0) { _ in [9, 9, 9] } == .noMemory(zone: "tiny"))
    }

    @Test func waitsDoNotOverflow() {
        #expect(RequestLimiter.wait(Int.max / 10, rate: 1) == Int.max)
        #expect(RequestLimiter.wait(Int.max / 10, rate: 1_000_000) == Int.max / 10 / 1_000_000 * 1000)
        #expect(RequestLimiter.wait(1_000, rate: 500) == 2_000)
    }
}
