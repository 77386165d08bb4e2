@testable import Proxy
import Testing

/// The worker's resolved names: lifetimes by TTL or valid=, round robin turns, bounded size.
struct ResolverCacheTests {
    private let s: UInt64 = 1_000_000_000
    private let name = Array("app.test".utf8)

    @Test func answersLiveForTheirTTL() {
        var c = ResolverCache()
        c.store(name, [[1, 2, 3, 4]], ttlSeconds: 5, validSeconds: nil, now: 0, waiters: 1)
        #expect(c.lookup(name, now: 5 * s - 1)?.answer == .addresses([[1, 2, 3, 4]]))
        #expect(c.lookup(name, now: 5 * s) == nil)
        #expect(c.count == 0)
    }

    @Test func validOverridesTheTTL() {
        var c = ResolverCache()
        c.store(name, [[1, 2, 3, 4]], ttlSeconds: 3600, validSeconds: 30, now: 0, waiters: 1)
        #expect(c.lookup(name, now: 29 * s) != nil)
        #expect(c.lookup(name, now: 30 * s) == nil)
        c.store(name, [[1, 2, 3, 4]], ttlSeconds: 0, validSeconds: 30, now: 0, waiters: 1)
        #expect(c.lookup(name, now: 10 * s) != nil)
    }

    @Test func aZeroTTLIsNotKept() {
        var c = ResolverCache()
        c.store(name, [[1, 2, 3, 4]], ttlSeconds: 0, validSeconds: nil, now: 0, waiters: 1)
        #expect(c.lookup(name, now: 0) == nil)
    }

    @Test func eachLookupTakesTheNextTurnAfterTheWaiters() {
        var c = ResolverCache()
        c.store(name, [[1, 1, 1, 1], [2, 2, 2, 2]], ttlSeconds: 60, validSeconds: nil, now: 0, waiters: 3)
        #expect(c.lookup(name, now: 1)?.turn == 3)
        #expect(c.lookup(name, now: 1)?.turn == 4)
    }

    @Test func aFullCacheDropsExpiredThenTheSoonest() {
        var c = ResolverCache(capacity: 2)
        c.store(Array("a".utf8), [[9, 9, 9, 9]], ttlSeconds: 0, validSeconds: 1, now: 0, waiters: 0)
        c.store(Array("b".utf8), [[9, 9, 9, 9]], ttlSeconds: 0, validSeconds: 100, now: 0, waiters: 0)
        c.store(Array("c".utf8), [[9, 9, 9, 9]], ttlSeconds: 0, validSeconds: 50, now: 2 * s, waiters: 0)   // drops expired a
        #expect(c.count == 2)
        c.store(Array("d".utf8), [[9, 9, 9, 9]], ttlSeconds: 0, validSeconds: 50, now: 3 * s, waiters: 0)   // drops c (soonest)
        #expect(c.lookup(Array("b".utf8), now: 3 * s) != nil)
        #expect(c.lookup(Array("c".utf8), now: 3 * s) == nil)
        #expect(c.lookup(Array("d".utf8), now: 3 * s) != nil)
    }
}
