import HTTP1
import Locking

/// Entries in a dictionary, with the same commit/abort semantics as `FileStorage`: for tests of
/// the engine's cache paths without a disk.
public final class MemoryStorage: CacheStorage {
    struct Stored {
        var meta: CacheEntryMeta
        var head: [UInt8]
        var body: [UInt8]
    }

    private let entries = Lock<[CacheDigest: Stored]>([:])

    public init() {}

    public var count: Int { entries.withLock { $0.count } }

    public func open(_ key: CacheDigest) throws(CacheStorageError) -> CacheReadHandle {
        guard let e = entries.withLock({ $0[key] }) else { throw .notFound }
        return CacheReadHandle(meta: e.meta, head: e.head, body: e.body)
    }

    public func beginWrite(_ meta: CacheEntryMeta, head: [UInt8]) throws(CacheStorageError) -> any CacheWriter {
        MemoryCacheWriter(storage: self, entry: Stored(meta: meta, head: head, body: []))
    }

    public func remove(_ key: CacheDigest) { _ = entries.withLock { $0.removeValue(forKey: key) } }

    func put(_ e: Stored) -> Int {
        entries.withLock { $0[e.meta.key.digest] = e }
        return CacheEntryFormat.prefix(e.meta, head: e.head).count + e.body.count
    }
}

final class MemoryCacheWriter: CacheWriter {
    private let storage: MemoryStorage
    private var entry: MemoryStorage.Stored?

    init(storage: MemoryStorage, entry: MemoryStorage.Stored) {
        self.storage = storage
        self.entry = entry
    }

    func append(_ bytes: ByteView) throws(CacheStorageError) {
        guard entry != nil else { throw .io(operation: "write", errno: 9) }
        entry!.body.append(contentsOf: bytes)
    }

    func commit() throws(CacheStorageError) -> Int {
        guard let e = entry else { throw .io(operation: "commit", errno: 9) }
        entry = nil
        return storage.put(e)
    }

    func abort() { entry = nil }
}
