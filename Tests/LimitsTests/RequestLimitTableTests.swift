@testable import Limits
import Testing

/// limit_req's zone table, step by step with a fake clock: nginx's leaky bucket in thousandths of a request.
@Suite struct RequestLimitTableTests {
    let key: [UInt8] = [127, 0, 0, 1]

    @Test func theFirstRequestIsFreeAndTheNextOverTheRateIsBusy() {
        var t = RequestLimitTable(size: 1 << 20)
        #expect(t.lookup(key, rate: 2000, burst: 0, account: true, now: 10_000) == .accounted(excess: 0))
        #expect(t.lookup(key, rate: 2000, burst: 0, account: true, now: 10_000) == .busy(excess: 1000))
        // Half a second at 2 r/s drains one request.
        #expect(t.lookup(key, rate: 2000, burst: 0, account: true, now: 10_500) == .accounted(excess: 0))
    }

    /// nginx-tests limit_req.t "rejects not counted": a refused request leaves the bucket as it was.
    @Test func aRefusedRequestIsNotCounted() {
        var t = RequestLimitTable(size: 1 << 20)
        _ = t.lookup(key, rate: 2000, burst: 1000, account: true, now: 0)
        #expect(t.lookup(key, rate: 2000, burst: 1000, account: true, now: 0) == .accounted(excess: 1000))
        #expect(t.lookup(key, rate: 2000, burst: 1000, account: true, now: 0) == .busy(excess: 2000))
        #expect(t.lookup(key, rate: 2000, burst: 1000, account: true, now: 0) == .busy(excess: 2000))
        #expect(t.excess(of: key) == 1000)
    }

    @Test func aPartlyDrainedBucketKeepsTheRest() {
        var t = RequestLimitTable(size: 1 << 20)
        _ = t.lookup(key, rate: 1000, burst: 5000, account: true, now: 0)
        _ = t.lookup(key, rate: 1000, burst: 5000, account: true, now: 0)
        _ = t.lookup(key, rate: 1000, burst: 5000, account: true, now: 0)   // excess 2000
        #expect(t.lookup(key, rate: 1000, burst: 5000, account: true, now: 250) == .accounted(excess: 2750))
    }

    /// A clock that went back (another thread's older reading) counts as no time, far back as 1 ms.
    @Test func aClockGoingBackDrainsNothing() {
        var t = RequestLimitTable(size: 1 << 20)
        _ = t.lookup(key, rate: 1000, burst: 5000, account: true, now: 100_000)
        #expect(t.lookup(key, rate: 1000, burst: 5000, account: true, now: 99_000) == .accounted(excess: 1000))
        #expect(t.lookup(key, rate: 1000, burst: 5000, account: true, now: 10_000) == .accounted(excess: 1999))
    }

    @Test func aHeldEntryIsCountedAtAccountOrLetGo() {
        var t = RequestLimitTable(size: 1 << 20)
        guard case .pending(let slot, 0) = t.lookup(key, rate: 1000, burst: 0, account: false, now: 5_000) else {
            Issue.record("not held"); return
        }
        #expect(t.account(slot, rate: 1000, now: 5_000) == 0)   // a new entry: nothing to drain from
        guard case .pending(let again, 1000) = t.lookup(key, rate: 1000, burst: 1000, account: false, now: 5_000) else {
            Issue.record("not held"); return
        }
        t.unlock(again)
        #expect(t.excess(of: key) == 0)   // let go: not counted
    }

    /// 1m holds about 8,000 short keys, as nginx's zone does on 64-bit (128-byte slots).
    @Test func aZoneHoldsAsManyKeysAsNginxs() {
        let budget = ZoneBudget(size: 1 << 20, nodeHeader: 80)
        #expect(budget.cost(keyLength: 4) == 128)
        #expect(budget.cost(keyLength: 48) == 128)
        #expect(budget.cost(keyLength: 49) == 256)
        #expect(budget.cost(keyLength: 3000) == 4096)
        #expect((8000...8200).contains(budget.bytes / 128))
    }

    /// A full zone first drops entries idle for a minute whose bucket drained, then the coldest one by force;
    /// an entry some request holds is never dropped, and with nothing to drop a new key has no room.
    @Test func aFullZoneEvictsTheLeastRecentlyUsed() {
        var t = RequestLimitTable(size: 32 * 1024)
        let capacity = t.budget.bytes / 128
        for i in 0..<capacity {
            #expect(t.lookup(k(i), rate: 1000, burst: 0, account: true, now: 0) == .accounted(excess: 0))
        }
        #expect(t.count == capacity)
        // Forced: the coldest (key 0) goes, though it is recent.
        #expect(t.lookup(k(capacity), rate: 1000, burst: 0, account: true, now: 10) == .accounted(excess: 0))
        #expect(t.excess(of: k(0)) == nil)
        #expect(t.excess(of: k(1)) == 0)
        // A minute on, two drained entries go on each new key, no force needed.
        _ = t.lookup(k(capacity + 1), rate: 1000, burst: 0, account: true, now: 70_000)
        #expect(t.count == capacity - 1)
    }

    @Test func heldEntriesAreNeverEvicted() {
        var t = RequestLimitTable(size: 32 * 1024)
        let capacity = t.budget.bytes / 128
        for i in 0..<capacity {
            guard case .pending = t.lookup(k(i), rate: 1000, burst: 0, account: false, now: 0) else {
                Issue.record("not held"); return
            }
        }
        #expect(t.lookup(k(capacity), rate: 1000, burst: 0, account: true, now: 120_000) == .noMemory)
        #expect(t.count == capacity)
    }

    private func k(_ i: Int) -> [UInt8] { [UInt8(i >> 8 & 0xff), UInt8(i & 0xff), 0, 1] }
}
