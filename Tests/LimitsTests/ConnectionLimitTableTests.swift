@testable import Limits
import Testing

/// limit_conn's zone table: requests of a key in progress, bounded, emptied as they end.
@Suite struct ConnectionLimitTableTests {
    @Test func countsUpToTheLimitAndGivesBack() {
        var t = ConnectionLimitTable(size: 1 << 20)
        let key: [UInt8] = [10, 0, 0, 1]
        #expect(t.acquire(key, limit: 2) == .acquired)
        #expect(t.acquire(key, limit: 2) == .acquired)
        #expect(t.acquire(key, limit: 2) == .overLimit)
        #expect(t.acquire([10, 0, 0, 2], limit: 2) == .acquired)   // another key has its own count
        t.release(key)
        #expect(t.acquire(key, limit: 2) == .acquired)
        t.release(key); t.release(key)
        #expect(t.inProgress(key) == 0)
        #expect(t.count == 1)
        t.release([10, 0, 0, 2])
        #expect(t.count == 0 && t.used == 0)
    }

    /// A full zone has no room for a new key (nginx's limit_conn refuses then), and room again once one ends.
    @Test func aFullZoneRefusesNewKeys() {
        var t = ConnectionLimitTable(size: 32 * 1024)
        let capacity = t.budget.bytes / 64
        for i in 0..<capacity { #expect(t.acquire([UInt8(i >> 8), UInt8(i & 0xff)], limit: 1) == .acquired) }
        #expect(t.acquire([255, 255, 255], limit: 1) == .noMemory)
        #expect(t.acquire([0, 0], limit: 5) == .acquired)   // a known key needs no room
        t.release([0, 1])
        #expect(t.acquire([255, 255, 255], limit: 1) == .acquired)
    }
}
