public import HTTP1
import Glibc
import Synchronization

/// An entry kept ready for HITs in the zone's index (what nginx gets from `open_file_cache` plus its
/// in-memory header buffer): the open file, the parsed stored response head and the body's place, so a
/// HIT is an index lookup, a head built for the client and a `sendfile` — no open, stat, read or parse.
/// A small body (up to `inlineLimit`) is read once and kept in memory: head and body then leave in one
/// write, which for a 1 KiB response is cheaper than a write plus a sendfile (two TCP segments).
///
///     if let hot = CacheHotEntry(handle: try storage.open(digest)) { index.attachHot(digest, hot, generation: g) }
///
/// Immutable and shared by all workers; a sender holding it keeps the descriptor open even after the
/// index dropped it (update, eviction): the file is then unlinked or replaced, the descriptor still reads
/// the version this response started with.
public final class CacheHotEntry: Sendable {
    public let meta: CacheEntryMeta
    /// The stored upstream response head, parsed once.
    public let response: ResponseHead
    public let file: CacheFile
    public let bodyOffset: Int
    public let bodyLength: Int
    /// The whole body when it is at most `inlineLimit` bytes and could be read; else nil (sent from `file`).
    public let inlineBody: [UInt8]?
    public static let inlineLimit = 8 * 1024
    /// The second its file was last found still linked (`isStillStored`).
    private let checkedAt = Atomic<Int64>(0)

    /// What the entry costs the zone beyond its index node (charged against `keys_zone`).
    public var cost: Int { response.bytes.count + (inlineBody?.count ?? 0) + CacheIndexLimits.bytesPerEntry }

    /// Takes the handle's descriptor. Nil (the handle untouched) when it has no file, or when its stored
    /// head does not parse or disagrees with the body length: a damaged entry, for the caller to remove.
    public init?(handle: CacheReadHandle) {
        guard handle.fd >= 0 else { return nil }
        var parser = ResponseHeadParser()
        let parsed = parser.parse(handle.head)
        guard case .complete(let resp, _) = parsed else { return nil }
        // A headers-only entry keeps the GET's Content-Length with no body stored; so does a status that has no
        // body (a 204 that says `Content-Length: 5` stores none, as it was framed).
        let bodyless = handle.meta.flags.contains(.headOnly) || resp.bodyFraming(requestMethod: .get) == .none
        if !bodyless, let n = resp.contentLength, n != Int64(handle.bodyLength) { return nil }
        meta = handle.meta
        response = resp
        bodyOffset = handle.bodyOffset
        bodyLength = handle.bodyLength
        file = CacheFile(descriptor: handle.takeDescriptor())
        inlineBody = bodyLength > 0 && bodyLength <= Self.inlineLimit && !handle.meta.flags.contains(.headOnly)
            ? Self.read(file.fd, at: bodyOffset, count: bodyLength) : nil
    }

    /// Whether the entry's file is still on disk. Served from its open descriptor, an entry whose file a purge
    /// removed (`rm` of the file or the cache directory) was still a HIT, with its old body and its disk space
    /// held, for as long as it stayed hot; nginx opens the file for each HIT and misses at once. One `fstat` a
    /// second at most per entry, shared by the workers.
    public func isStillStored(now: Int64) -> Bool {
        if checkedAt.load(ordering: .relaxed) >= now { return true }
        guard FileIO.isLinked(file.fd) else { return false }
        checkedAt.store(now, ordering: .relaxed)
        return true
    }

    /// The whole body (for gzip on a HIT); nil when the read fails or comes up short.
    public func readBody() -> [UInt8]? {
        inlineBody ?? Self.read(file.fd, at: bodyOffset, count: bodyLength)
    }

    private static func read(_ fd: Int32, at bodyOffset: Int, count bodyLength: Int) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(bodyLength)
        guard let n = try? FileIO.pread(fd, at: bodyOffset, count: bodyLength, into: &out), n == bodyLength else {
            return nil
        }
        return out
    }
}

/// An open entry file, closed when the last user (index, sender) lets go.
public final class CacheFile: Sendable {
    public let fd: Int32
    init(descriptor: Int32) { fd = descriptor }
    deinit { Glibc.close(fd) }
}
