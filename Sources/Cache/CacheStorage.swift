public import HTTP1
/// Where cache entries live. `FileStorage` is the real one (`proxy_cache_path`), `MemoryStorage`
/// serves tests. Both are safe to share between worker threads.
///
///     let w = try storage.beginWrite(meta, head: headBytes)   // temp file
///     try w.append(chunk); try w.append(chunk)
///     let bytes = try w.commit()                               // rename: the entry appears whole
///     let h = try storage.open(key.digest)                     // fd + body offset/length for sendfile
public protocol CacheStorage: Sendable {
    /// Opens an entry for reading. `.notFound` is a plain miss; `.corrupt` means the file exists but
    /// is damaged (the engine logs `[error]`, removes it and treats the request as a miss).
    func open(_ key: CacheDigest) throws(CacheStorageError) -> CacheReadHandle
    /// Starts a new entry; nothing is visible under the key until `commit()`.
    func beginWrite(_ meta: CacheEntryMeta, head: [UInt8]) throws(CacheStorageError) -> any CacheWriter
    /// Deletes an entry (eviction, corrupt file); a missing entry is not an error.
    func remove(_ key: CacheDigest)
}

/// One entry being written. Not `Sendable`: owned by the response that fills it.
public protocol CacheWriter: AnyObject {
    func append(_ bytes: ByteView) throws(CacheStorageError)
    /// Makes the entry visible atomically; returns its size in bytes. After an error the entry is
    /// aborted.
    func commit() throws(CacheStorageError) -> Int
    /// Discards the entry (upstream error, client gone, policy changed its mind). Idempotent.
    func abort()
}

public enum CacheStorageError: Error, Equatable, Sendable {
    case notFound
    /// The entry exists but fails validation (truncated, damaged header, wrong key).
    case corrupt
    /// ENOSPC / EDQUOT: the disk is full; the response is still served, just not stored.
    case noSpace
    /// Any other system error: the failing call and errno, for the `[error]` line.
    case io(operation: String, errno: Int32)
    /// A file other than the entry could not be made: the temp file a response is written to first (in
    /// `proxy_temp_path` with `use_temp_path=on`, a directory the operator may have got wrong), named in the line.
    case create(path: String, errno: Int32)
}

/// An entry opened for reading: metadata, response head, and where the body is. For files, `fd`
/// stays open until `close()` or deinit so the engine can `sendfile(fd, bodyOffset, bodyLength)`.
public final class CacheReadHandle {
    public let meta: CacheEntryMeta
    public let head: [UInt8]
    /// File descriptor of the entry, -1 for memory storage.
    public private(set) var fd: Int32
    public let bodyOffset: Int
    public let bodyLength: Int
    private let memoryBody: [UInt8]?
    private let closer: (@Sendable (Int32) -> Void)?

    init(meta: CacheEntryMeta, head: [UInt8], fd: Int32, bodyOffset: Int, bodyLength: Int, closer: @escaping @Sendable (Int32) -> Void) {
        self.meta = meta
        self.head = head
        self.fd = fd
        self.bodyOffset = bodyOffset
        self.bodyLength = bodyLength
        self.memoryBody = nil
        self.closer = closer
    }

    init(meta: CacheEntryMeta, head: [UInt8], body: [UInt8]) {
        self.meta = meta
        self.head = head
        self.fd = -1
        self.bodyOffset = 0
        self.bodyLength = body.count
        self.memoryBody = body
        self.closer = nil
    }

    deinit { close() }

    /// Hands the descriptor to a new owner (`CacheFile`); the handle no longer closes it.
    public func takeDescriptor() -> Int32 {
        let d = fd
        fd = -1
        return d
    }

    public func close() {
        if fd >= 0 {
            closer?(fd)
            fd = -1
        }
    }

    /// Reads up to `count` body bytes starting at `offset` within the body (for paths that cannot
    /// sendfile, and for tests). Appends to `output`; returns the number of bytes read.
    @discardableResult
    public func readBody(offset: Int, count: Int, into output: inout [UInt8]) throws(CacheStorageError) -> Int {
        let n = max(0, min(count, bodyLength - offset))
        guard n > 0 else { return 0 }
        if let body = memoryBody {
            output += body[offset..<offset + n]
            return n
        }
        guard fd >= 0 else { throw .io(operation: "read", errno: 9) }  // EBADF: already closed
        return try FileIO.pread(fd, at: bodyOffset + offset, count: n, into: &output)
    }
}
