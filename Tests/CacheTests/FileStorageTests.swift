import Cache
import HTTP1
import Glibc
import Testing

private func b(_ s: String) -> [UInt8] { Array(s.utf8) }
private let now: Int64 = 1_795_597_200
private let levels = CacheLevels([1, 2])!

private func meta(_ key: String, validUntil: Int64 = now + 3600) -> CacheEntryMeta {
    CacheEntryMeta(
        key: CacheKey(b(key)), validUntil: validUntil, lastModified: now - 86_400, etag: b("\"v1\""), storedAt: now,
        varyNames: [b("accept-encoding")], varyHash: CacheVary.hash(names: [b("accept-encoding")]) { _ in b("gzip") },
        flags: .sharedWithAuthorization)
}

private let head = b("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 11\r\n\r\n")

/// Writes an entry with `body` in `chunk`-sized appends and commits it.
@discardableResult
private func put(_ storage: any CacheStorage, _ m: CacheEntryMeta, body: [UInt8], chunk: Int = 4) throws -> Int {
    let w = try storage.beginWrite(m, head: head)
    var i = 0
    while i < body.count {
        let n = min(chunk, body.count - i)
        try body[i..<i + n].withByteView { try w.append($0) }
        i += n
    }
    return try w.commit()
}

private func readAll(_ h: CacheReadHandle) throws -> [UInt8] {
    var out: [UInt8] = []
    try h.readBody(offset: 0, count: h.bodyLength, into: &out)
    return out
}

@Suite struct FileStorageTests {
    @Test func roundTripKeepsHeadBodyAndMeta() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path, levels: levels)
        let m = meta("localhost/index.html")
        let body = b("hello world")
        let size = try put(storage, m, body: body)
        #expect(dir.files() == ["/" + m.key.relativePath(levels: levels)])

        let h = try storage.open(m.key.digest)
        #expect(h.meta == m)
        #expect(h.head == head)
        #expect(h.bodyLength == body.count)
        #expect(h.bodyOffset + h.bodyLength == size)
        #expect(h.fd >= 0)
        #expect(try readAll(h) == body)
        // The engine sends [bodyOffset, bodyOffset + bodyLength) of fd with sendfile: check it is the body.
        var raw: [UInt8] = []
        try FileIO.pread(h.fd, at: h.bodyOffset, count: h.bodyLength, into: &raw)
        #expect(raw == body)
        h.close()
        #expect(h.fd == -1)
    }

    @Test func emptyBodyAndLargeBody() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path, levels: levels)
        try put(storage, meta("empty"), body: [])
        #expect(try readAll(storage.open(CacheKey(b("empty")).digest)) == [])
        let big = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try put(storage, meta("big"), body: big, chunk: 65_536)
        #expect(try readAll(storage.open(CacheKey(b("big")).digest)) == big)
    }

    @Test func missingEntryIsNotFound() {
        let dir = TempDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path, levels: levels)
        #expect(throws: CacheStorageError.notFound) { try storage.open(CacheKey(b("nope")).digest) }
    }

    @Test func abortedWriteLeavesNoEntryAndNoTempFile() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path, levels: levels)
        let m = meta("k")
        let w = try storage.beginWrite(m, head: head)
        try b("partial").withByteView { try w.append($0) }
        #expect(dir.files().count == 1)
        #expect(dir.files()[0].hasSuffix(".tmp"))
        #expect(throws: CacheStorageError.notFound) { try storage.open(m.key.digest) }  // invisible until commit
        w.abort()
        w.abort()
        #expect(dir.files() == [])
        #expect(throws: CacheStorageError.notFound) { try storage.open(m.key.digest) }
    }

    @Test func abandonedWriterCleansUpOnDeinit() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path, levels: levels)
        do {
            let w = try storage.beginWrite(meta("k"), head: head)
            try b("x").withByteView { try w.append($0) }
        }
        #expect(dir.files() == [])
    }

    @Test func commitReplacesAnOldEntryWhole() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path, levels: levels)
        try put(storage, meta("k"), body: b("old body"))
        let reader = try storage.open(CacheKey(b("k")).digest)
        try put(storage, meta("k", validUntil: now + 7200), body: b("new body, longer"))
        #expect(try readAll(reader) == b("old body"))  // an open reader keeps its version
        let fresh = try storage.open(CacheKey(b("k")).digest)
        #expect(try readAll(fresh) == b("new body, longer"))
        #expect(fresh.meta.validUntil == now + 7200)
        #expect(dir.files().count == 1)
    }

    @Test(arguments: [0, 1, 11, 12, 50, 95, 96, 150])
    func truncatedFileIsCorrupt(cutFromEnd: Int) throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path, levels: levels)
        let m = meta("k")
        try put(storage, m, body: b("hello world"))
        let rel = "/" + m.key.relativePath(levels: levels)
        let bytes = dir.readFile(rel)
        let keep = cutFromEnd == 0 ? 0 : bytes.count - cutFromEnd
        dir.writeFile(rel, Array(bytes.prefix(keep)))
        #expect(throws: CacheStorageError.corrupt) { try storage.open(m.key.digest) }
    }

    /// Flip one byte anywhere in the header or head: the entry is rejected, never served. (Valid-until,
    /// 48..<56, is outside the checksum: a revalidation rewrites it in place.)
    @Test(arguments: [0, 3, 4, 9, 12, 20, 40, 56, 60, 66, 72, 76, 80, 84, 88, 90, 100, 120, 140, 160])
    func damagedByteIsCorrupt(offset: Int) throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path, levels: levels)
        let m = meta("localhost/index.html")
        try put(storage, m, body: b("hello world"))
        let rel = "/" + m.key.relativePath(levels: levels)
        var bytes = dir.readFile(rel)
        bytes[offset] ^= 0x5A
        dir.writeFile(rel, bytes)
        #expect(throws: CacheStorageError.corrupt) { try storage.open(m.key.digest) }
    }

    @Test func extraBytesAfterBodyAreCorrupt() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path, levels: levels)
        let m = meta("k")
        try put(storage, m, body: b("hello"))
        let rel = "/" + m.key.relativePath(levels: levels)
        dir.writeFile(rel, dir.readFile(rel) + b("junk"))
        #expect(throws: CacheStorageError.corrupt) { try storage.open(m.key.digest) }
    }

    @Test func entryUnderAnotherKeysNameIsCorrupt() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path, levels: levels)
        let a = meta("a")
        let other = CacheKey(b("b")).digest
        try put(storage, a, body: b("A"))
        let target = "/" + levels.relativePath(for: other)
        _ = levels.directories(for: other).reduce(dir.path) { p, d in
            mkdir(p + "/" + d, 0o700)
            return p + "/" + d
        }
        dir.writeFile(target, dir.readFile("/" + a.key.relativePath(levels: levels)))
        #expect(throws: CacheStorageError.corrupt) { try storage.open(other) }
    }

    @Test func garbageFileIsCorrupt() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path, levels: CacheLevels([])!)
        let key = CacheKey(b("g")).digest
        dir.writeFile("/" + key.hex, [UInt8](repeating: 0x41, count: 500))
        #expect(throws: CacheStorageError.corrupt) { try storage.open(key) }
    }

    /// Version 3 kept the initial age, version 4 the body id and gzip parameters; an older file (a version 3 one has
    /// no body id, a version 2 one no age and heads with Age and Connection) is not read as one: it is corrupt (a
    /// MISS, removed), never served.
    @Test(arguments: [UInt8(2), 3])
    func initialAgeRoundTripsAndOlderVersionsAreCorrupt(older: UInt8) throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path, levels: CacheLevels([])!)
        var m = meta("aged")
        m.initialAge = 1234
        try put(storage, m, body: b("hello world"))
        #expect(try storage.open(m.key.digest).meta.initialAge == 1234)
        var bytes = dir.readFile("/" + m.key.digest.hex)
        #expect(bytes[4] == 4 && bytes[92] == 0xD2 && bytes[93] == 0x04)
        bytes[4] = older
        dir.writeFile("/" + m.key.digest.hex, bytes)
        #expect(throws: CacheStorageError.corrupt) { try storage.open(m.key.digest) }
    }

    /// A gzip variant lives under its own key, keeps the body id and zlib parameters, and names the main key's text.
    @Test func gzipVariantEntryRoundTrips() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path, levels: levels)
        var source = meta("h/page")
        source.bodyID = 0x0123_4567_89AB_CDEF
        let parameters = CacheGzipVariant.parameters(level: 1, windowBits: 15, memLevel: 8)
        let v = CacheGzipVariant.meta(of: source, parameters: parameters)
        #expect(v.key == source.key.gzipVariant && v.key.text == source.key.text && v.key.digest != source.key.digest)
        let w = try storage.beginWrite(v, head: CacheGzipVariant.head(bodyLength: 3))
        try b("gz!").withByteView { try w.append($0) }
        _ = try w.commit()
        let h = try storage.open(source.key.gzipVariant.digest)
        #expect(h.meta == v && h.meta.bodyID == source.bodyID && h.meta.gzipParameters == parameters)
        #expect(CacheGzipVariant.matches(h.meta, source, parameters: parameters))
        #expect(throws: CacheStorageError.notFound) { try storage.open(source.key.digest) }
        // Its flags damaged: refused (the checksum covers them), never read as another key's entry.
        var bytes = dir.readFile("/" + levels.relativePath(for: v.key.digest))
        bytes[8] = 0
        dir.writeFile("/" + levels.relativePath(for: v.key.digest), bytes)
        #expect(throws: CacheStorageError.corrupt) { try storage.open(source.key.gzipVariant.digest) }
    }

    @Test func gzipVariantMatchesOnlyItsBodyAndSettings() {
        var source = meta("k")
        source.bodyID = 7
        let p1 = CacheGzipVariant.parameters(level: 1, windowBits: 15, memLevel: 8)
        let p9 = CacheGzipVariant.parameters(level: 9, windowBits: 15, memLevel: 8)
        let v = CacheGzipVariant.meta(of: source, parameters: p1)
        #expect(CacheGzipVariant.matches(v, source, parameters: p1))
        #expect(!CacheGzipVariant.matches(v, source, parameters: p9))   // another gzip_comp_level
        var refilled = source
        refilled.bodyID = 8
        #expect(!CacheGzipVariant.matches(v, refilled, parameters: p1))  // a new response replaced the body
        var unnamed = source
        unnamed.bodyID = 0
        #expect(!CacheGzipVariant.matches(CacheGzipVariant.meta(of: unnamed, parameters: p1), unnamed, parameters: p1))
        #expect(!CacheGzipVariant.matches(source, source, parameters: 0))   // not a variant at all
        #expect(p1 != CacheGzipVariant.parameters(level: 1, windowBits: 14, memLevel: 7))
    }

    @Test func variantEntryRoundTrips() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path, levels: levels)
        let main = CacheKey(b("h/page"))
        let vh = CacheVary.hash(names: [b("cookie")]) { _ in b("JSESSIONID=A.tomcat1") }
        var m = meta("h/page")
        m.key = main.variant(vh)
        m.varyNames = [b("cookie")]
        m.varyHash = vh
        try put(storage, m, body: b("user A's page"))
        let h = try storage.open(main.variant(vh).digest)
        #expect(h.meta.key == main.variant(vh))
        #expect(h.meta.key.text == main.text)
        #expect(throws: CacheStorageError.notFound) { try storage.open(main.digest) }
    }

    /// A secondary (Vary) entry's gzip variant is found again under its own key, and only there.
    @Test func secondaryEntrysGzipVariantRoundTrips() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path, levels: levels)
        let main = CacheKey(b("h/page"))
        let vh = CacheVary.hash(names: [b("accept-encoding")]) { _ in b("deflate") }
        var source = meta("h/page")
        source.key = main.variant(vh)
        source.varyHash = vh
        source.bodyID = 42
        let v = CacheGzipVariant.meta(of: source, parameters: 1)
        #expect(v.key == main.variant(vh).gzipVariant && v.key != main.gzipVariant)
        let w = try storage.beginWrite(v, head: CacheGzipVariant.head(bodyLength: 3))
        try b("gz!").withByteView { try w.append($0) }
        _ = try w.commit()
        let h = try storage.open(v.key.digest)
        #expect(h.meta.key == v.key && CacheGzipVariant.matches(h.meta, source, parameters: 1))
        #expect(throws: CacheStorageError.notFound) { try storage.open(main.gzipVariant.digest) }
    }

    @Test func fullDiskIsAnErrorValue() throws {
        // /dev/full fails every write with ENOSPC.
        let fd = open("/dev/full", O_WRONLY)
        try #require(fd >= 0)
        let w = FileCacheWriter(fd: fd, temp: "/nonexistent/swy.tmp", final: "/nonexistent/swy", prefixLength: 0, fsync: false)
        #expect(throws: CacheStorageError.noSpace) {
            try b("body").withByteView { try w.append($0) }
        }
        #expect(throws: CacheStorageError.self) { _ = try w.commit() }  // aborted: nothing to commit
    }

    @Test func unwritableRootIsAnErrorValue() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        dir.writeFile("/file", b("x"))  // a regular file where a directory is needed
        let storage = FileStorage(root: dir.path + "/file", levels: levels)
        // The temp file beside the entry is the one that could not be made, and is named.
        do {
            _ = try storage.beginWrite(meta("k"), head: head)
            Issue.record("a write under a regular file began")
        } catch {
            guard case .create(let path, let e) = error else { return #expect(Bool(false), "\(error)") }
            #expect(e == ENOTDIR && path.hasPrefix(storage.path(for: meta("k").key.digest) + "."), "\(path)")
        }
    }

    @Test func memoryStorageHasTheSameSemantics() throws {
        let storage = MemoryStorage()
        let m = meta("k")
        let w = try storage.beginWrite(m, head: head)
        try b("abc").withByteView { try w.append($0) }
        #expect(throws: CacheStorageError.notFound) { try storage.open(m.key.digest) }
        _ = try w.commit()
        let h = try storage.open(m.key.digest)
        #expect(h.meta == m)
        #expect(h.head == head)
        #expect(h.fd == -1)
        #expect(try readAll(h) == b("abc"))
        let aborted = try storage.beginWrite(meta("other"), head: head)
        aborted.abort()
        #expect(storage.count == 1)
        storage.remove(m.key.digest)
        #expect(throws: CacheStorageError.notFound) { try storage.open(m.key.digest) }
    }

    /// A 304 rewrites the entry's valid-until in place: the entry stays whole (not corrupt) and keeps its
    /// head and body; a reader opened before sees the new time too (same file).
    @Test func refreshRewritesValidUntilOnly() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path, levels: levels)
        let m = meta("localhost/r.css", validUntil: now - 10)
        try put(storage, m, body: b("hello world"))
        let before = try storage.open(m.key.digest)
        try storage.refresh(m.key.digest, validUntil: now + 3600)
        let after = try storage.open(m.key.digest)
        #expect(after.meta.validUntil == now + 3600)
        #expect(after.head == head && after.meta.etag == m.etag)
        #expect(try readAll(after) == b("hello world"))
        var raw: [UInt8] = []
        try FileIO.pread(before.fd, at: 48, count: 8, into: &raw)
        #expect(raw == (0..<8).map { UInt8(truncatingIfNeeded: (now + 3600) >> (8 * Int64($0))) })
        #expect(throws: CacheStorageError.notFound) { try storage.refresh(CacheKey(b("absent")).digest, validUntil: now) }
    }

    /// `use_temp_path=on`: the response is written under the temp directory and appears in the zone only
    /// at commit; the zone's level directories are made then.
    @Test func tempDirectoryHoldsTheWriteUntilCommit() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path + "/zone", levels: levels)
        let m = meta("localhost/t.css")
        let w = try storage.beginWrite(m, head: head, tempDirectory: dir.path + "/temp")
        try b("hello world").withByteView { try w.append($0) }
        #expect(dir.files().allSatisfy { $0.hasPrefix("/temp/") && $0.hasSuffix(".tmp") } && dir.files().count == 1)
        _ = try w.commit()
        #expect(dir.files() == ["/zone/" + m.key.relativePath(levels: levels)])
        #expect(try readAll(storage.open(m.key.digest)) == b("hello world"))
    }
}
