import Cache
import HTTP1
import Glibc

/// Fuzz check of the cache entry reader (`FileStorage.open`, then `CacheHotEntry`) over damaged files. The
/// first input byte picks the mode. Odd: the rest is the file, as found on disk. Even (bit 2: headers only, 4: a
/// Last-Modified, 8: a gzip variant entry, the high four: the etag length): the rest is NUL-separated
/// key text, stored response head, body and damage; a well-formed entry is written from the first three (what
/// the cache writes), then the damage is applied: each three bytes flip bits at one offset (two bytes of offset,
/// one of mask), and a last odd byte cuts the file short. Checks: the reader returns an entry or `.corrupt`,
/// never traps; an undamaged entry reads back exactly as written; any entry it returns is consistent (its body
/// ends at the end of the file, its digest is the one asked for, a hot entry's body has the stored length).
public enum CacheEntryCheck {
    /// One scratch directory per process, under /tmp (made on first use; a static let is initialized once,
    /// thread-safely); each check writes one file there and removes it.
    static let root: String = {
        let made = "/tmp/switchyard-fuzz-cache-\(getpid())"
        try? FileIO.makeDirectories(made)
        return made
    }()

    public static func check(_ data: [UInt8]) throws(FuzzFailure) {
        guard let mode = data.first else { return }
        let rest = Array(data.dropFirst())
        if mode & 1 == 1 {
            let digest = rest.count >= 32 ? CacheDigest(bytes: rest[16..<32]) : nil
            try read(rest, digest: digest ?? CacheKey([]).digest, intact: nil)
            return
        }
        let parts = rest.split(separator: 0, maxSplits: 3, omittingEmptySubsequences: false).map(Array.init)
        let key = CacheKey(parts.first ?? [])
        let head = parts.count > 1 ? parts[1] : []
        let body = parts.count > 2 ? parts[2] : []
        let damage = parts.count > 3 ? parts[3] : []
        let flags: CacheEntryMeta.Flags = mode & 2 == 2 ? .headOnly : []
        var meta = CacheEntryMeta(
            key: key, validUntil: Int64(mode) << 20, lastModified: mode & 4 == 4 ? 1_700_000_000 : nil,
            etag: Array(head.prefix(Int(mode >> 4))), storedAt: 1_600_000_000, flags: flags)
        meta.bodyID = UInt64(mode) &* 0x9E37_79B9_7F4A_7C15
        // Mode bit 8: a gzip variant entry (its own key, flag and zlib parameters).
        if mode & 8 == 8 { meta = CacheGzipVariant.meta(of: meta, parameters: UInt32(mode)) }
        let entry = CacheEntryFormat.prefix(meta, head: head, bodyLength: UInt64(body.count)) + body
        var file = entry
        var i = 0
        while i + 3 <= damage.count {
            if !file.isEmpty { file[(Int(damage[i]) << 8 | Int(damage[i + 1])) % file.count] ^= damage[i + 2] }
            i += 3
        }
        if i < damage.count { file = Array(file.prefix(Int(damage[i]) * file.count / 256)) }
        try read(file, digest: meta.key.digest, intact: file == entry ? (meta, head, body) : nil)
    }

    static func read(
        _ file: [UInt8], digest: CacheDigest, intact: (CacheEntryMeta, [UInt8], [UInt8])?
    ) throws(FuzzFailure) {
        let storage = FileStorage(root: root, levels: CacheLevels([])!)
        let path = storage.path(for: digest)
        FileIO.unlink(path)
        defer { FileIO.unlink(path) }
        do throws(CacheStorageError) {
            let fd = try FileIO.create(path)
            defer { FileIO.close(fd) }
            try FileIO.write(fd, file)
        } catch {
            throw FuzzFailure("cannot write the scratch entry \(path): \(error)")
        }
        let handle: CacheReadHandle
        do throws(CacheStorageError) {
            handle = try storage.open(digest)
        } catch {
            try require(error == .corrupt, "reading a damaged entry failed with \(error), not .corrupt")
            try require(intact == nil, "an undamaged entry was refused as corrupt")
            return
        }
        try require(
            handle.bodyOffset + handle.bodyLength == file.count && handle.bodyOffset >= CacheEntryFormat.fixedSize,
            "entry body \(handle.bodyOffset)+\(handle.bodyLength) does not end the \(file.count)-byte file")
        try require(handle.meta.key.digest == digest, "entry read under another digest")
        if let (meta, head, body) = intact {
            try require(handle.meta == meta, "entry meta reads back as \(handle.meta), written \(meta)")
            try require(handle.head == head, "entry head reads back as \(show(handle.head)), written \(show(head))")
            try require(handle.bodyLength == body.count, "entry body length \(handle.bodyLength), written \(body.count)")
        }
        let usable = storedHeadIsUsable(handle)
        guard let hot = CacheHotEntry(handle: handle) else {
            try require(!usable, "an entry with a usable head was refused as a hot entry")
            return
        }
        try require(usable, "an entry whose head does not parse or fit its body became a hot entry")
        let body = hot.readBody()
        try require(body?.count == hot.bodyLength, "hot entry body reads \(body?.count ?? -1) of \(hot.bodyLength) bytes")
        if let (_, _, written) = intact { try require(body == written, "hot entry body differs from the one written") }
    }

    /// What `CacheHotEntry` accepts: a stored head that parses whole and, unless headers-only, whose
    /// Content-Length (if any) is the stored body's length.
    static func storedHeadIsUsable(_ handle: CacheReadHandle) -> Bool {
        var parser = ResponseHeadParser()
        guard case .complete(let head, _) = parser.parse(handle.head) else { return false }
        if handle.meta.flags.contains(.headOnly) { return true }
        return head.contentLength.map { $0 == Int64(handle.bodyLength) } ?? true
    }
}
