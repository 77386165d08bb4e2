package import HTTP1
import Glibc
import Synchronization

/// Entries as files under `proxy_cache_path`, laid out by `levels` and named by the key's MD5, as
/// nginx does (`/cache/c/29/b7f54b2df7773722d382f4809d65029c`).
///
///     let storage = FileStorage(root: "/home/cache", levels: CacheLevels([1, 2])!)
///
/// Writes go to `<final name>.<pid>.<n>.tmp` in the entry's own directory (nginx's `use_temp_path=off`),
/// or into `proxy_temp_path` when the zone has `use_temp_path=on` (nginx's default), then `rename(2)`
/// (a copy first when the temp directory is on another filesystem): a reader sees the old entry or the new one, and a
/// crash leaves at most a stray `.tmp` file that `CacheDiskWalker` reports for removal, never a half
/// entry. No fsync by default (nginx does not either): the cache is disposable, and a file cut short
/// by a power loss fails the size check on read and is a miss. `fsyncOnCommit` trades throughput for
/// keeping entries across power loss.
public final class FileStorage: CacheStorage {
    public let root: String
    public let levels: CacheLevels
    public let fsyncOnCommit: Bool
    private let sequence = Atomic<UInt64>(0)

    public init(root: String, levels: CacheLevels, fsyncOnCommit: Bool = false) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        self.levels = levels
        self.fsyncOnCommit = fsyncOnCommit
    }

    public func path(for key: CacheDigest) -> String { root + "/" + levels.relativePath(for: key) }

    public func open(_ key: CacheDigest) throws(CacheStorageError) -> CacheReadHandle {
        let fd = try FileIO.openRead(path(for: key))
        do {
            let layout = try Self.readLayout(fd, expected: key)
            return CacheReadHandle(
                meta: layout.meta, head: layout.head, fd: fd, bodyOffset: layout.bodyOffset,
                bodyLength: layout.bodyLength, closer: { FileIO.close($0) })
        } catch {
            FileIO.close(fd)
            throw error
        }
    }

    /// Reads and validates an entry's prefix; `.corrupt` for anything that is not a whole entry.
    static func readLayout(_ fd: Int32, expected: CacheDigest?) throws(CacheStorageError) -> CacheEntryFormat.Layout {
        let size = try FileIO.size(fd)
        var fixed: [UInt8] = []
        try FileIO.pread(fd, at: 0, count: CacheEntryFormat.fixedSize, into: &fixed)
        guard let total = CacheEntryFormat.prefixLength(fixed), total <= size else { throw .corrupt }
        var prefix = fixed
        try FileIO.pread(fd, at: fixed.count, count: total - fixed.count, into: &prefix)
        guard let layout = CacheEntryFormat.decode(prefix: prefix, fileSize: size, expected: expected) else {
            throw .corrupt
        }
        return layout
    }

    public func beginWrite(_ meta: CacheEntryMeta, head: [UInt8]) throws(CacheStorageError) -> any CacheWriter {
        try beginWrite(meta, head: head, tempDirectory: nil)
    }

    /// `tempDirectory`: `proxy_temp_path` for a zone with `use_temp_path=on`; nil writes beside the entry.
    public func beginWrite(_ meta: CacheEntryMeta, head: [UInt8], tempDirectory: String?) throws(CacheStorageError) -> any CacheWriter {
        let final = path(for: meta.key.digest)
        let n = sequence.add(1, ordering: .relaxed).newValue
        let name = "\(levels.relativePath(for: meta.key.digest).split(separator: "/").last!).\(getpid()).\(n).tmp"
        let temp = tempDirectory.map { $0 + "/" + name } ?? "\(final).\(getpid()).\(n).tmp"
        let fd: Int32
        do {
            do {
                fd = try FileIO.create(temp)
            } catch .notFound {
                try FileIO.makeDirectories(String(temp[..<temp.lastIndex(of: "/")!]))
                fd = try FileIO.create(temp)
            }
        } catch .io(_, let e) {
            throw .create(path: temp, errno: e)   // the temp file's path, not the entry's, is the one that failed
        }
        let prefix = CacheEntryFormat.prefix(meta, head: head)
        let writer = FileCacheWriter(fd: fd, temp: temp, final: final, prefixLength: prefix.count, fsync: fsyncOnCommit)
        do {
            try FileIO.write(fd, prefix)
        } catch {
            writer.abort()
            throw error
        }
        return writer
    }

    public func remove(_ key: CacheDigest) { FileIO.unlink(path(for: key)) }

    /// `proxy_cache_revalidate`: a 304 updated the stored head (RFC 9111 §4.3.4). A new entry with `meta` and
    /// `head`, its body copied from the current one (open as `fd`, body at `offset`), replaces it as a new response
    /// does (temp file, rename): readers of the old version keep it. Returns the new entry's size.
    public func rewrite(_ meta: CacheEntryMeta, head: [UInt8], bodyFrom fd: Int32, offset: Int, length: Int,
                        tempDirectory: String?) throws(CacheStorageError) -> Int {
        guard let w = try beginWrite(meta, head: head, tempDirectory: tempDirectory) as? FileCacheWriter else {
            throw .io(operation: "write", errno: EBADF)
        }
        var chunk: [UInt8] = []
        chunk.reserveCapacity(min(length, 1 << 16))
        var done = 0
        do throws(CacheStorageError) {
            while done < length {
                chunk.removeAll(keepingCapacity: true)
                let n = try FileIO.pread(fd, at: offset + done, count: min(1 << 16, length - done), into: &chunk)
                guard n > 0 else { throw .corrupt }
                try w.append(bytes: chunk)
                done += n
            }
        } catch {
            w.abort()
            throw error
        }
        return try w.commit()
    }

    /// `proxy_cache_revalidate`: a 304 extended the entry; its valid-until is rewritten in place
    /// (the field is outside the checksum), head and body stay.
    public func refresh(_ key: CacheDigest, validUntil: Int64) throws(CacheStorageError) {
        let fd = try FileIO.openWrite(path(for: key))
        defer { FileIO.close(fd) }
        try FileIO.pwrite(fd, CacheEntryFormat.validUntilBytes(validUntil), at: CacheEntryFormat.validUntilOffset)
    }
}

/// A temp file being filled; `commit` stamps the body length and renames it into place. A plain file
/// (`proxy_store`, StoredFile.swift) has no prefix and no stamp: it takes its mode and modification time instead.
/// `package` (not public) so CacheTests can drive it against /dev/full without @testable.
package final class FileCacheWriter: CacheWriter {
    private var fd: Int32
    private var finished = false
    package let temp: String
    package let final: String
    let fsync: Bool
    let prefixLength: Int
    let plain: PlainFile?
    private var bodyBytes = 0

    /// What a plain file gets at commit: its mode, the mode of directories made for it, and a modification
    /// time (seconds since the epoch) when known.
    package struct PlainFile: Sendable, Equatable {
        package var mode: UInt32
        package var directoryMode: UInt32
        package var modified: Int64?
        package init(mode: UInt32, directoryMode: UInt32, modified: Int64?) {
            self.mode = mode; self.directoryMode = directoryMode; self.modified = modified
        }
    }

    package init(fd: Int32, temp: String, final: String, prefixLength: Int, fsync: Bool, plain: PlainFile? = nil) {
        self.fd = fd
        self.temp = temp
        self.final = final
        self.prefixLength = prefixLength
        self.fsync = fsync
        self.plain = plain
    }

    deinit { abort() }

    package func append(_ bytes: ByteView) throws(CacheStorageError) {
        guard !finished, fd >= 0 else { throw .io(operation: "write", errno: EBADF) }
        guard !bytes.isEmpty else { return }
        do {
            try FileIO.write(fd, bytes)
        } catch {
            abort()
            throw error
        }
        bodyBytes += bytes.count
    }

    package func append(bytes: [UInt8]) throws(CacheStorageError) {
        var failure: CacheStorageError?
        bytes.withByteView { view in
            do throws(CacheStorageError) { try append(view) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    package func commit() throws(CacheStorageError) -> Int {
        guard !finished, fd >= 0 else { throw .io(operation: "commit", errno: EBADF) }
        do {
            if let p = plain {
                try FileIO.chmod(fd, p.mode)
                if let t = p.modified { try FileIO.setModified(fd, t) }
            } else {
                try FileIO.pwrite(fd, CacheEntryFormat.bodyLengthBytes(UInt64(bodyBytes)), at: CacheEntryFormat.bodyLengthOffset)
            }
            if fsync { try FileIO.fsync(fd) }
            FileIO.close(fd)
            fd = -1
            try FileIO.renameOrCopy(temp, final, directoryMode: plain?.directoryMode ?? 0o700)
        } catch {
            abort()
            throw error
        }
        finished = true
        return prefixLength + bodyBytes
    }

    package func abort() {
        guard !finished else { return }
        finished = true
        if fd >= 0 {
            FileIO.close(fd)
            fd = -1
        }
        FileIO.unlink(temp)
    }
}
