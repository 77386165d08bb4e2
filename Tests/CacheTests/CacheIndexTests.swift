import Cache
import HTTP1
import Testing

private func key(_ n: Int) -> CacheDigest { CacheKey(Array("key\(n)".utf8)).digest }
private let t0: Int64 = 1_795_597_200

@Suite struct CacheIndexTests {
    @Test func lookupCountsUsesForMinUses() {
        let index = CacheIndex(limits: CacheIndexLimits(maxEntries: 10))
        let first = index.lookup(key(1), now: t0)
        #expect(first.uses == 1)
        #expect(!first.exists)
        #expect(index.lookup(key(1), now: t0 + 1).uses == 2)
        #expect(index.lookup(key(1), now: t0 + 2).uses == 3)  // min_uses 3 reached: the engine may store
        #expect(index.peek(key(1))?.lastAccess == t0 + 2)
    }

    @Test func commitMakesTheEntryExist() {
        let index = CacheIndex(limits: CacheIndexLimits(maxEntries: 10))
        _ = index.lookup(key(1), now: t0)
        index.commit(key(1), bytes: 5000, validUntil: t0 + 60, now: t0)
        let e = index.lookup(key(1), now: t0 + 1)
        #expect(e.exists)
        #expect(e.size == 8192)  // two 4 KiB blocks
        #expect(e.validUntil == t0 + 60)
        #expect(index.totalSize == 8192)
    }

    /// An intercepted error is kept as a status with its own validity; an entry file committed later clears it.
    @Test func aCachedErrorHoldsUntilItExpiresOrAnEntryReplacesIt() {
        let index = CacheIndex(limits: CacheIndexLimits(maxEntries: 10))
        index.commitError(key(1), status: 404, validUntil: t0 + 60, now: t0)
        #expect(index.lookup(key(1), now: t0 + 1).cachedError(now: t0 + 1) == 404)
        #expect(index.lookup(key(1), now: t0 + 60).cachedError(now: t0 + 60) == nil)   // expired
        #expect(!index.lookup(key(1), now: t0 + 61).exists)
        index.commitError(key(1), status: 502, validUntil: t0 + 600, now: t0 + 62)
        index.commit(key(1), bytes: 10, validUntil: t0 + 900, now: t0 + 63)
        let e = index.lookup(key(1), now: t0 + 64)
        #expect(e.cachedError(now: t0 + 64) == nil && e.exists && e.validUntil == t0 + 900)
    }

    @Test func cacheLockLetsOneRequestFill() {
        let index = CacheIndex(limits: CacheIndexLimits(maxEntries: 10))
        // The fill clock in milliseconds; `now` (whole seconds) only for the entry's last access.
        func fill(_ ms: Int64) -> CacheFillRole {
            index.beginFill(key(1), now: t0 + ms / 1000, clockMillis: 900 + ms, lockAgeMillis: 5_000)
        }
        #expect(fill(0) == .fill)
        #expect(fill(1_000) == .wait)
        // A second boundary crossed early in the fill does not make it a second old.
        #expect(fill(4_999) == .wait)
        // proxy_cache_lock_age: a fill 5 s old lets one more request through, and the age counts from it.
        #expect(fill(5_000) == .fill)
        #expect(fill(6_000) == .wait)
        #expect(fill(9_999) == .wait)
        #expect(fill(10_000) == .fill)
        index.endFill(key(1))
        #expect(fill(10_001) == .fill)
        index.commit(key(1), bytes: 1, validUntil: t0 + 60, now: t0 + 8)
        #expect(index.peek(key(1))?.filling == false)
    }

    @Test func inactiveEntriesAreEvicted() {
        let index = CacheIndex(limits: CacheIndexLimits(maxEntries: 100, inactive: 600))
        for i in 0..<5 { index.commit(key(i), bytes: 100, validUntil: t0 + 10_000, now: t0 + Int64(i) * 100) }
        _ = index.lookup(key(0), now: t0 + 450)  // key0 is used again: no longer idle
        // At t0 + 800, entries last used at or before t0 + 200 have been idle for 600 s.
        let gone = index.manage(now: t0 + 800)
        #expect(Set(gone) == [key(1), key(2)])
        #expect(index.count == 3)
        #expect(index.peek(key(0)) != nil)
        #expect(index.peek(key(3)) != nil)
        #expect(index.manage(now: t0 + 800) == [])
    }

    @Test func countingNodesExpireWithoutFiles() {
        let index = CacheIndex(limits: CacheIndexLimits(maxEntries: 100, inactive: 60))
        _ = index.lookup(key(1), now: t0)
        #expect(index.manage(now: t0 + 60) == [])  // removed, but no file to delete
        #expect(index.count == 0)
    }

    @Test func maxSizeEvictsLeastRecentlyUsed() {
        let index = CacheIndex(limits: CacheIndexLimits(maxEntries: 100, maxSize: 3 * 4096, inactive: 86_400))
        for i in 0..<5 { index.commit(key(i), bytes: 4096, validUntil: t0 + 10_000, now: t0 + Int64(i)) }
        _ = index.lookup(key(0), now: t0 + 10)  // key0 becomes the most recent
        let gone = index.manage(now: t0 + 11)
        #expect(gone == [key(1), key(2)])
        #expect(index.totalSize == 3 * 4096)
        #expect(Set(index.snapshot().keys) == [key(0), key(3), key(4)])
    }

    @Test func fillingEntriesSurviveEviction() {
        let index = CacheIndex(limits: CacheIndexLimits(maxEntries: 100, maxSize: 0, inactive: 1))
        index.commit(key(1), bytes: 4096, validUntil: t0, now: t0)
        #expect(index.beginFill(key(1), now: t0, clockMillis: 0, lockAgeMillis: 5_000) == .fill)
        #expect(index.manage(now: t0 + 100) == [])
        index.endFill(key(1))
        #expect(index.manage(now: t0 + 100) == [key(1)])
    }

    @Test func fullZonePushesOutTheOldest() {
        let index = CacheIndex(limits: CacheIndexLimits(maxEntries: 3))
        for i in 0..<3 { index.commit(key(i), bytes: 10, validUntil: t0 + 60, now: t0 + Int64(i)) }
        _ = index.lookup(key(0), now: t0 + 5)
        _ = index.lookup(key(9), now: t0 + 6)  // a 4th key: key1 (least recent) is pushed out
        #expect(index.count == 3)
        #expect(index.peek(key(1)) == nil)
        #expect(index.manage(now: t0 + 7) == [key(1)])  // its file is handed to the manager
    }

    @Test func zoneSizeEstimate() {
        // keys_zone=cache_one:200m -> about 1.6 million keys, as nginx's "8 thousand keys per megabyte".
        #expect(CacheIndexLimits(zoneBytes: 200 << 20).maxEntries == 1_638_400)
        #expect(CacheIndexLimits(zoneBytes: 1 << 20).maxEntries == 8192)
    }

    @Test func reloadFromDiskRebuildsTheSameIndex() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let levels = CacheLevels([1, 2])!
        let storage = FileStorage(root: dir.path, levels: levels)
        let index = CacheIndex(limits: CacheIndexLimits(maxEntries: 1000))
        for i in 0..<40 {
            let k = CacheKey(Array("host/page\(i)".utf8))
            let m = CacheEntryMeta(key: k, validUntil: t0 + Int64(i), storedAt: t0)
            let w = try storage.beginWrite(m, head: Array("HTTP/1.1 200 OK\r\n\r\n".utf8))
            let body = [UInt8](repeating: UInt8(i), count: i * 300)
            try body.withByteView { try w.append($0) }
            index.commit(k.digest, bytes: try w.commit(), validUntil: m.validUntil, now: t0)
        }
        // Debris the loader must report: a crashed write's temp file, and a corrupt entry.
        let bad = CacheKey(Array("broken".utf8))
        let badDir = dir.path + "/" + levels.directories(for: bad.digest).joined(separator: "/")
        _ = levels.directories(for: bad.digest).reduce(dir.path) { p, d in
            Glibc_mkdir(p + "/" + d)
            return p + "/" + d
        }
        dir.writeFile(String((badDir + "/" + bad.digest.hex).dropFirst(dir.path.count)), Array("garbage".utf8))
        dir.writeFile(String((badDir + "/" + bad.digest.hex + ".1.7.tmp").dropFirst(dir.path.count)), Array("half".utf8))

        let reloaded = CacheIndex(limits: CacheIndexLimits(maxEntries: 1000))
        let walker = CacheDiskWalker(root: dir.path, levels: levels)
        var toDelete: [String] = []
        var batches = 0
        while let batch = walker.next(max: 7) {
            #expect(batch.count <= 7)
            toDelete += reloaded.load(batch, now: t0 + 1)
            batches += 1
        }
        #expect(batches >= 6)
        #expect(Set(toDelete) == [badDir + "/" + bad.digest.hex, badDir + "/" + bad.digest.hex + ".1.7.tmp"])

        let before = index.snapshot()
        let after = reloaded.snapshot()
        #expect(Set(after.keys) == Set(before.keys))
        for (k, e) in before {
            #expect(after[k]?.size == e.size)
            #expect(after[k]?.validUntil == e.validUntil)
            #expect(after[k]?.exists == true)
        }
        #expect(reloaded.totalSize == index.totalSize)

        // The one-call form gives the same result.
        let again = CacheIndex(limits: CacheIndexLimits(maxEntries: 1000))
        _ = again.loadFromDisk(root: dir.path, levels: levels, now: t0)
        #expect(Set(again.snapshot().keys) == Set(before.keys))
    }
}
