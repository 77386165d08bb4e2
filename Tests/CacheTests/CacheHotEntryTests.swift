import Cache
import Glibc
import HTTP1
import Testing

private let t0: Int64 = 1_795_597_200
private let levels = CacheLevels([1, 2])!

/// Writes an entry for `name` with `body` and opens it as a hot entry.
private func hotEntry(_ storage: FileStorage, _ name: String, body: String, head: String? = nil,
                      flags: CacheEntryMeta.Flags = []) throws -> CacheHotEntry? {
    let key = CacheKey(Array(name.utf8))
    let h = head ?? "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
    let w = try storage.beginWrite(CacheEntryMeta(key: key, validUntil: t0 + 60, storedAt: t0, flags: flags), head: Array(h.utf8))
    try Array(body.utf8).withByteView { try w.append($0) }
    _ = try w.commit()
    return CacheHotEntry(handle: try storage.open(key.digest))
}

private func key(_ name: String) -> CacheDigest { CacheKey(Array(name.utf8)).digest }

/// The entries the index keeps open and parsed for HITs: attached only to the version they were read
/// from, dropped on update, removal and eviction, bounded in number.
@Suite struct CacheHotEntryTests {
    @Test func hotEntryHoldsTheParsedHeadAndTheBody() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path, levels: levels)
        let hot = try #require(try hotEntry(storage, "a", body: "hello"))
        #expect(hot.response.status == 200 && hot.response.contentLength == 5)
        #expect(hot.readBody() == Array("hello".utf8))
        #expect(hot.file.fd >= 0)
        // The descriptor still reads its version after the file is deleted (an eviction during a send).
        storage.remove(key("a"))
        #expect(hot.readBody() == Array("hello".utf8))
    }

    @Test(arguments: [("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", false), ("garbage\r\n\r\n", false),
                      ("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", true)])
    func aHeadThatDisagreesWithTheBodyIsRejected(head: String, headOnly: Bool) throws {
        let flags: CacheEntryMeta.Flags = headOnly ? .headOnly : []
        let dir = TempDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path, levels: levels)
        let hot = try hotEntry(storage, "b", body: "12345", head: head, flags: flags)
        // Only a headers-only entry (convert_head off) may keep the GET's Content-Length without the body.
        #expect((hot != nil) == (flags.contains(.headOnly) && head.hasPrefix("HTTP")))
    }

    @Test func attachedOnlyToTheVersionItWasReadFrom() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path, levels: levels)
        let index = CacheIndex(limits: CacheIndexLimits(maxEntries: 100))
        let g1 = index.commit(key("k"), bytes: 100, validUntil: t0 + 60, now: t0)
        let old = try #require(try hotEntry(storage, "k", body: "old"))
        // Another request commits a newer version before this one attaches what it read.
        let g2 = index.commit(key("k"), bytes: 100, validUntil: t0 + 60, now: t0)
        #expect(g2 != g1)
        index.attachHot(key("k"), old, generation: g1)
        #expect(index.find(key("k"), now: t0).hot == nil)
        let new = try #require(try hotEntry(storage, "k", body: "new"))
        index.attachHot(key("k"), new, generation: g2)
        let found = index.find(key("k"), now: t0)
        #expect(found.hot === new && found.generation == g2)
        // A commit (the entry was refetched) drops it; a refresh (304) keeps it.
        #expect(index.refresh(key("k"), validUntil: t0 + 999, now: t0))
        #expect(index.find(key("k"), now: t0).hot === new)
        #expect(index.find(key("k"), now: t0).entry.validUntil == t0 + 999)
        index.commit(key("k"), bytes: 100, validUntil: t0 + 60, now: t0)
        #expect(index.find(key("k"), now: t0).hot == nil)
    }

    @Test func removalAndEvictionDropHotEntries() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path, levels: levels)
        let index = CacheIndex(limits: CacheIndexLimits(maxEntries: 100, inactive: 60))
        for name in ["x", "y"] {
            let g = index.commit(key(name), bytes: 10, validUntil: t0 + 600, now: t0)
            index.attachHot(key(name), try #require(try hotEntry(storage, name, body: name)), generation: g)
        }
        index.remove(key("x"))
        #expect(index.find(key("x"), now: t0).hot == nil)
        #expect(index.manage(now: t0 + 1000) == [key("y")])   // inactive
        #expect(index.find(key("y"), now: t0 + 1000).hot == nil)
    }

    @Test func theOldestHotEntriesMakeRoom() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path, levels: levels)
        var limits = CacheIndexLimits(maxEntries: 100)
        limits.maxHot = 3
        let index = CacheIndex(limits: limits)
        for i in 0..<5 {
            let g = index.commit(key("e\(i)"), bytes: 10, validUntil: t0 + 600, now: t0)
            index.attachHot(key("e\(i)"), try #require(try hotEntry(storage, "e\(i)", body: "\(i)")), generation: g)
        }
        let hot = (0..<5).map { index.peekHot(key("e\($0)"))?.hot != nil }
        #expect(hot == [false, false, true, true, true])
    }

    @Test func hotBytesAreBoundedByTheZone() {
        // A quarter of keys_zone's key budget may hold parsed heads.
        let limits = CacheIndexLimits(zoneBytes: 1 << 20)
        #expect(limits.maxHotBytes == (1 << 20) / 4)
        #expect(limits.maxHot == CacheIndexLimits.defaultMaxHot)
    }
}

/// `proxy_cache_path … min_free=`: the manager's decision, given the filesystem's free space.
@Suite struct CacheMinFreeTests {
    private func index(minFree: Int) -> CacheIndex {
        let index = CacheIndex(limits: CacheIndexLimits(maxEntries: 100, inactive: 86_400, minFree: minFree))
        for i in 0..<5 { index.commit(key("m\(i)"), bytes: 4096, validUntil: t0 + 600, now: t0 + Int64(i)) }
        return index
    }

    @Test(arguments: [
        (1 << 20, 2 << 20, 0),           // plenty free: nothing evicted
        (1 << 20, (1 << 20) - 1, 1),     // one byte short: the least recently used entry goes
        (1 << 20, (1 << 20) - 8192, 2),  // two blocks short: two entries
        (1 << 20, 0, 5),                 // disk full: everything not being filled
        (0, 0, 0),                       // min_free unset: free space does not matter
    ])
    func evictsLeastRecentlyUsedUntilEnoughIsFree(minFree: Int, free: Int, evicted: Int) {
        let idx = index(minFree: minFree)
        let gone = idx.manage(now: t0 + 10, freeBytes: free)
        #expect(gone == (0..<evicted).map { key("m\($0)") })
        #expect(idx.count == 5 - evicted)
    }

    @Test func unknownFreeSpaceEvictsNothing() {
        #expect(index(minFree: 1 << 30).manage(now: t0 + 10, freeBytes: nil) == [])
    }
}
