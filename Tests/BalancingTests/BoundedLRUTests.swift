import Testing

@testable import Balancing

/// The one bounded-LRU map under `sticky learn`'s zone and jvm_route's failback table.
@Suite struct BoundedLRUTests {
    private func put(_ lru: inout BoundedLRU<Int>, _ key: String, _ value: Int, at second: Int64) {
        let k = bytes(key)[...]
        lru.set(hash: StableHash.hash64(k), key: k, value: value, now: second * 1_000_000_000, timeout: 60_000_000_000)
    }

    private func get(_ lru: inout BoundedLRU<Int>, _ key: String, at second: Int64) -> Int? {
        let k = bytes(key)[...]
        return lru.get(hash: StableHash.hash64(k), key: k, now: second * 1_000_000_000, timeout: 60_000_000_000)
    }

    @Test func leastRecentlyUsedGoesFirst() {
        var lru = BoundedLRU<Int>(capacity: 2)
        put(&lru, "a", 1, at: 1)
        put(&lru, "b", 2, at: 2)
        #expect(get(&lru, "a", at: 3) == 1, "a is now the most recently used")
        put(&lru, "c", 3, at: 4)
        #expect(lru.count == 2)
        #expect(get(&lru, "b", at: 5) == nil, "b was the least recently used")
        #expect(get(&lru, "a", at: 5) == 1)
        #expect(get(&lru, "c", at: 5) == 3)
    }

    @Test func idleEntriesExpireAndSlotsAreReused() {
        var lru = BoundedLRU<Int>(capacity: 4)
        put(&lru, "a", 1, at: 0)
        #expect(get(&lru, "a", at: 61) == nil, "idle for 61 s of a 60 s timeout")
        #expect(lru.count == 0)
        for n in 0..<100 { put(&lru, "k\(n)", n, at: 100) }
        #expect(lru.count == 4)
        #expect(get(&lru, "k99", at: 101) == 99)
    }

    @Test func aHashCollisionIsNotAHit() {
        var lru = BoundedLRU<Int>(capacity: 4)
        let a = bytes("a")[...], b = bytes("b")[...]
        lru.set(hash: 7, key: a, value: 1, now: 0, timeout: 60)
        let other = lru.get(hash: 7, key: b, now: 1, timeout: 60)
        #expect(other == nil, "same hash, another id")
        let removedOther = lru.remove(hash: 7, key: b)
        let removed = lru.remove(hash: 7, key: a)
        #expect(!removedOther)
        #expect(removed)
        #expect(lru.count == 0)
    }
}
