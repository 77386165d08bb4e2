import Testing

@testable import Balancing

/// share_recheck's memory of the sessions memcached did not know.
@Suite struct RecentMissesTests {
    func at(_ millis: UInt64) -> Instant { Instant(nanoseconds: millis * 1_000_000) }

    @Test func aMissIsBelievedForItsWindowOnly() {
        let misses = RecentMisses(capacity: 100, window: .seconds(1))
        let s = Array("8F3A.tomcat1".utf8)[...]
        #expect(!misses.contains(s, now: at(1_000)))
        misses.note(s, now: at(1_000))
        #expect(misses.contains(s, now: at(1_500)))
        // Asking refreshes nothing: the window counts from the miss.
        #expect(misses.contains(s, now: at(1_999)))
        #expect(!misses.contains(s, now: at(2_000)))
        #expect(!misses.contains(Array("other".utf8)[...], now: at(1_500)))
    }

    @Test func boundedAndOffAtZero() {
        let small = RecentMisses(capacity: 16, window: .seconds(10))
        for n in 0..<1_000 { small.note(Array("s\(n)".utf8)[...], now: at(1_000)) }
        #expect(small.contains(Array("s999".utf8)[...], now: at(1_001)))
        #expect(!small.contains(Array("s0".utf8)[...], now: at(1_001)), "the least recently noted went first")
        let off = RecentMisses(capacity: 16, window: .zero)
        off.note(Array("s".utf8)[...], now: at(1_000))
        #expect(!off.contains(Array("s".utf8)[...], now: at(1_000)))
    }
}
