import Containers
import Locking

/// One key's state in the in-memory index (nginx's `ngx_http_file_cache_node_t`).
public struct CacheIndexEntry: Sendable, Equatable {
    /// Bytes on disk, rounded up to 4 KiB blocks as nginx counts `max_size` (0 until committed).
    public var size: Int
    /// Absolute Unix time until which the stored response is fresh.
    public var validUntil: Int64
    /// Last request for this key (Unix time): drives `inactive` and LRU order.
    public var lastAccess: Int64
    /// Requests seen for this key, for `proxy_cache_min_uses`.
    public var uses: Int
    /// A committed entry file exists.
    public var exists: Bool
    /// A request holds `proxy_cache_lock` and is fetching the response.
    public var filling: Bool
    /// When that fill started, in milliseconds of the caller's fill clock (`beginFill`), for
    /// `proxy_cache_lock_age`.
    public var fillStarted: Int64
    /// An upstream error that `proxy_intercept_errors` answered with an error page, cached as its status alone
    /// (nginx's node `error`): until `errorValidUntil` a request for the key gets that status (and its error
    /// page) without going upstream. 0: none. A committed entry file clears it.
    public var errorStatus: Int = 0
    public var errorValidUntil: Int64 = 0

    /// The cached error status for a request at `now`, nil when there is none or it has expired.
    public func cachedError(now: Int64) -> Int? { errorStatus != 0 && errorValidUntil > now ? errorStatus : nil }
}

/// Limits of one `proxy_cache_path` zone.
public struct CacheIndexLimits: Sendable, Equatable {
    /// nginx: "one megabyte zone can store about 8 thousand keys", i.e. 128 bytes per key.
    public static let bytesPerEntry = 128

    public var maxEntries: Int
    /// `max_size` in bytes (Int.max when unset).
    public var maxSize: Int
    /// `inactive` in seconds (nginx default 10 minutes).
    public var inactive: Int64
    /// `min_free` in bytes (0 when unset): the manager evicts while the filesystem has less free.
    public var minFree: Int
    /// Entries kept open and parsed for HITs (`CacheHotEntry`): bounded in number (each holds a
    /// descriptor) and in bytes (a quarter of the zone's key budget, so `keys_zone` bounds memory).
    public var maxHot: Int
    public var maxHotBytes: Int

    /// Descriptors a zone keeps open for HITs at most.
    public static let defaultMaxHot = 256

    /// From `keys_zone=NAME:SIZE`, `max_size=`, `inactive=` and `min_free=`.
    public init(zoneBytes: Int, maxSize: Int = .max, inactive: Int64 = 600, minFree: Int = 0) {
        self.init(maxEntries: max(zoneBytes / Self.bytesPerEntry, 1), maxSize: maxSize, inactive: inactive, minFree: minFree)
    }

    public init(maxEntries: Int, maxSize: Int = .max, inactive: Int64 = 600, minFree: Int = 0) {
        self.maxEntries = max(maxEntries, 1)
        self.maxSize = maxSize
        self.inactive = inactive
        self.minFree = minFree
        maxHot = min(self.maxEntries, Self.defaultMaxHot)
        maxHotBytes = self.maxEntries * Self.bytesPerEntry / 4
    }
}

/// What `CacheIndex.find` knows about a key: its state, the entry kept ready for HITs if any, and the
/// generation to pass back to `attachHot` (so an entry read before a newer commit is never attached).
public struct CacheLookup: Sendable {
    public var entry: CacheIndexEntry
    public var hot: CacheHotEntry?
    public var generation: UInt64
}

/// Who fetches a missing entry under `proxy_cache_lock`.
public enum CacheFillRole: Sendable, Equatable {
    /// This request fetches from upstream and fills the cache; call `endFill` when done.
    case fill
    /// Another request is already fetching: wait (up to `proxy_cache_lock_timeout`) and look again.
    case wait
}

/// The shared index of one cache zone: key MD5 -> `CacheIndexEntry`, in LRU order, bounded by the
/// zone size, with `inactive` and `max_size` eviction done by `manage(now:)` (the lead's background
/// manager calls it and unlinks the returned files).
///
///     let index = CacheIndex(limits: CacheIndexLimits(zoneBytes: 200 << 20, maxSize: 30 << 30, inactive: 86_400))
///     let e = index.lookup(key, now: now)          // counts a use; e.exists -> open the file
///     if index.beginFill(key, now: now, clockMillis: ms, lockAgeMillis: 5_000) == .fill { ...; index.commit(key, bytes: n, validUntil: t, now: now) }
///
/// Thread safety: all workers share one index, guarded by one `Lock` (a pthread mutex, which ThreadSanitizer
/// sees). Every method holds it only for O(1) dictionary and list updates (eviction walks are bounded by `limit`); no
/// I/O ever happens under the lock — files to delete are handed back to the caller, and hot entries
/// dropped under the lock are released (their descriptors closed) after it.
public final class CacheIndex: Sendable {
    private let state: Lock<CacheIndexState>
    public let limits: CacheIndexLimits

    public init(limits: CacheIndexLimits) {
        self.limits = limits
        state = Lock(CacheIndexState())
    }

    /// nginx counts disk usage in blocks; 4 KiB is the common filesystem block.
    public static func diskUsage(bytes: Int) -> Int { (bytes + 4095) / 4096 * 4096 }

    /// Runs `body` under the lock; hot entries it dropped are released once the lock is free.
    private func locked<R>(_ body: (inout CacheIndexState) -> R) -> R {
        // The dropped entries travel out of the lock in the tuple and are released right after it.
        let (result, _) = state.withLock { s in
            let r = body(&s)
            let d = s.released
            if !d.isEmpty { s.released = [] }
            return (r, d)
        }
        return result
    }

    /// Records a request for `key` (creating a counting node when new, as nginx does for
    /// `min_uses`) and returns its state after the update.
    public func lookup(_ key: CacheDigest, now: Int64) -> CacheIndexEntry { find(key, now: now).entry }

    /// `lookup`, plus the entry kept ready for HITs (`attachHot`) and the node's generation.
    public func find(_ key: CacheDigest, now: Int64) -> CacheLookup {
        locked { s in
            if let i = s.map[key] {
                s.nodes[i].entry.uses += 1
                s.nodes[i].entry.lastAccess = now
                s.nodes.moveToFront(i)
                return CacheLookup(entry: s.nodes[i].entry, hot: s.nodes[i].hot, generation: s.nodes[i].generation)
            }
            let entry = CacheIndexEntry(
                size: 0, validUntil: 0, lastAccess: now, uses: 1, exists: false, filling: false, fillStarted: 0)
            let g = s.insert(key, entry, maxEntries: limits.maxEntries)
            return CacheLookup(entry: entry, hot: nil, generation: g)
        }
    }

    /// Keeps an opened entry ready for the next HITs, if the key still has the committed version it was
    /// read from (`generation` from `find`/`commit`). The oldest hot entries make room (count and bytes).
    public func attachHot(_ key: CacheDigest, _ hot: CacheHotEntry, generation: UInt64) {
        locked { s in
            guard let i = s.map[key], s.nodes[i].generation == generation, s.nodes[i].entry.exists,
                  s.nodes[i].hot == nil else { return }
            s.nodes[i].hot = hot
            s.hotBytes += hot.cost
            s.hotCount += 1
            s.hotOrder.append((key, generation))
            while s.hotCount > limits.maxHot || s.hotBytes > limits.maxHotBytes, s.hotOrderStart < s.hotOrder.count {
                let (k, g) = s.hotOrder[s.hotOrderStart]
                s.hotOrderStart += 1
                if let j = s.map[k], s.nodes[j].generation == g { s.dropHot(j) }
            }
            s.compactHotOrder()
        }
    }

    /// `proxy_cache_revalidate`: a 304 made the entry fresh until `validUntil` (the caller rewrote the
    /// file). False when the key is gone meanwhile.
    @discardableResult
    public func refresh(_ key: CacheDigest, validUntil: Int64, now: Int64) -> Bool {
        locked { s in
            guard let i = s.map[key], s.nodes[i].entry.exists else { return false }
            s.nodes[i].entry.validUntil = validUntil
            s.nodes[i].entry.lastAccess = now
            return true
        }
    }

    /// The entry without counting a use (for the manager and tests).
    public func peek(_ key: CacheDigest) -> CacheIndexEntry? {
        state.withLock { s in s.map[key].map { s.nodes[$0].entry } }
    }

    /// `peek` with the hot entry and generation (a `proxy_cache_lock` waiter looking again).
    public func peekHot(_ key: CacheDigest) -> CacheLookup? {
        state.withLock { s in
            s.map[key].map { CacheLookup(entry: s.nodes[$0].entry, hot: s.nodes[$0].hot, generation: s.nodes[$0].generation) }
        }
    }

    /// `proxy_cache_lock`: the first caller fills; others wait unless the fill is `lockAgeMillis` old
    /// (`proxy_cache_lock_age`), in which case one more request is let through and the age counts from it.
    /// `clockMillis`: a monotonic clock in milliseconds, the same for every caller (whole seconds of `now` made
    /// a fill begun late in a second look a second old at once).
    public func beginFill(_ key: CacheDigest, now: Int64, clockMillis: Int64, lockAgeMillis: Int64) -> CacheFillRole {
        locked { s in
            guard let i = s.map[key] else {
                let entry = CacheIndexEntry(size: 0, validUntil: 0, lastAccess: now, uses: 1, exists: false,
                                            filling: true, fillStarted: clockMillis)
                s.insert(key, entry, maxEntries: limits.maxEntries)
                return .fill
            }
            if s.nodes[i].entry.filling && clockMillis - s.nodes[i].entry.fillStarted < lockAgeMillis { return .wait }
            s.nodes[i].entry.filling = true
            s.nodes[i].entry.fillStarted = clockMillis
            return .fill
        }
    }

    /// Releases the fill lock (after commit, abort or error).
    public func endFill(_ key: CacheDigest) {
        state.withLock { s in
            if let i = s.map[key] { s.nodes[i].entry.filling = false }
        }
    }

    /// A new entry file was committed (`bytes` as returned by `CacheWriter.commit`). Returns the
    /// node's new generation (for `attachHot`); the previous version's hot entry is dropped.
    @discardableResult
    public func commit(_ key: CacheDigest, bytes: Int, validUntil: Int64, now: Int64) -> UInt64 {
        locked { s in
            let size = Self.diskUsage(bytes: bytes)
            if let i = s.map[key] {
                s.dropHot(i)
                s.nextGeneration += 1
                s.nodes[i].generation = s.nextGeneration
                s.totalSize += size - s.nodes[i].entry.size
                s.nodes[i].entry.size = size
                s.nodes[i].entry.validUntil = validUntil
                s.nodes[i].entry.exists = true
                s.nodes[i].entry.filling = false
                s.nodes[i].entry.lastAccess = now
                s.nodes[i].entry.errorStatus = 0
                s.nodes.moveToFront(i)
                return s.nodes[i].generation
            } else {
                let entry = CacheIndexEntry(
                    size: size, validUntil: validUntil, lastAccess: now, uses: 1, exists: true, filling: false,
                    fillStarted: 0)
                return s.insert(key, entry, maxEntries: limits.maxEntries)
            }
        }
    }

    /// An intercepted upstream error is cached as its status until `validUntil` (nginx's ngx_http_file_cache_free
    /// with `c->error`): no file, and an entry file the key may have stays as it is.
    public func commitError(_ key: CacheDigest, status: Int, validUntil: Int64, now: Int64) {
        locked { s in
            let i: Int
            if let found = s.map[key] {
                i = found
            } else {
                let entry = CacheIndexEntry(size: 0, validUntil: 0, lastAccess: now, uses: 1, exists: false, filling: false,
                                            fillStarted: 0)
                s.insert(key, entry, maxEntries: limits.maxEntries)
                guard let inserted = s.map[key] else { return }
                i = inserted
            }
            s.nodes[i].entry.errorStatus = status
            s.nodes[i].entry.errorValidUntil = validUntil
            s.nodes[i].entry.filling = false
            s.nodes[i].entry.lastAccess = now
        }
    }

    /// Forgets a key (its file was found corrupt, or purged). The caller deletes the file.
    public func remove(_ key: CacheDigest) {
        locked { s in s.remove(key) }
    }

    /// The background manager's step: drops entries idle for `inactive`, then least recently used
    /// entries while the total exceeds `max_size` or, with `min_free`, while the filesystem's free
    /// space (`freeBytes`, from statvfs; nil when unknown) plus what was already evicted stays below
    /// it; plus entries pushed out of a full zone since the last call. Returns the keys whose files
    /// must be deleted. Entries being filled are kept. `limit` bounds the work done under the lock per
    /// call (nginx's manager_files).
    public func manage(now: Int64, limit: Int = .max, freeBytes: Int? = nil) -> [CacheDigest] {
        locked { s in
            var files = s.pendingDeletes
            s.pendingDeletes.removeAll()
            var missingFree = 0
            if limits.minFree > 0, let free = freeBytes { missingFree = max(0, limits.minFree - free) }
            var i = s.nodes.tail
            var visited = 0
            while i >= 0 && visited < limit {
                visited += 1
                let newer = s.nodes.newer(than: i)
                let e = s.nodes[i].entry
                let idle = e.lastAccess + limits.inactive <= now
                let overBudget = s.totalSize > limits.maxSize || missingFree > 0
                if !e.filling && (idle || overBudget) {
                    if e.exists { files.append(s.nodes[i].key) }
                    missingFree -= e.size
                    s.remove(s.nodes[i].key)
                } else if !idle && !overBudget {
                    break  // everything further towards the head is newer and within budget
                }
                i = newer
            }
            return files
        }
    }

    /// Adds entries found on disk by `CacheDiskWalker` (start-up load). A key already known
    /// (committed since start) keeps its newer state. Returns the files to delete (corrupt, stale
    /// temps, or pushed out of a full zone).
    public func load(_ items: [CacheDiskItem], now: Int64) -> [String] {
        var remove: [String] = []
        locked { s in
            for item in items {
                switch item {
                case .entry(let key, let bytes, let validUntil, _):
                    if s.map[key] != nil { continue }
                    let entry = CacheIndexEntry(
                        size: Self.diskUsage(bytes: bytes), validUntil: validUntil, lastAccess: now, uses: 1,
                        exists: true, filling: false, fillStarted: 0)
                    s.insert(key, entry, maxEntries: limits.maxEntries)
                case .corrupt(let path), .staleTemp(let path):
                    remove.append(path)
                }
            }
        }
        return remove
    }

    public var count: Int { state.withLock { $0.map.count } }
    /// Sum of committed entries' disk usage.
    public var totalSize: Int { state.withLock { $0.totalSize } }

    /// A copy of the whole index (tests, status pages).
    public func snapshot() -> [CacheDigest: CacheIndexEntry] {
        state.withLock { s in s.map.mapValues { s.nodes[$0].entry } }
    }
}

/// The index's data behind the mutex: a dictionary into a `RecencyList` (head = most recent), so every update
/// is O(1) without per-node allocation.
struct CacheIndexState: ~Copyable {
    struct Node {
        var key: CacheDigest
        var entry: CacheIndexEntry
        /// Changes at every commit: tells a hot entry read from an older version apart.
        var generation: UInt64 = 0
        var hot: CacheHotEntry? = nil
    }

    var nodes = RecencyList<Node>()
    var map: [CacheDigest: Int] = [:]
    var totalSize = 0
    /// Files of entries pushed out because the zone was full; handed out by `manage`.
    var pendingDeletes: [CacheDigest] = []
    var nextGeneration: UInt64 = 0
    /// Hot entries in the order they were attached (oldest first), as (key, generation); entries
    /// whose node changed since are skipped when popped.
    var hotOrder: [(CacheDigest, UInt64)] = []
    var hotOrderStart = 0
    var hotCount = 0
    var hotBytes = 0
    /// Hot entries dropped under the lock, released by `CacheIndex.locked` after it.
    var released: [CacheHotEntry] = []

    mutating func dropHot(_ i: Int) {
        guard let h = nodes[i].hot else { return }
        nodes[i].hot = nil
        hotCount -= 1
        hotBytes -= h.cost
        released.append(h)
    }

    /// Keeps `hotOrder` from growing with stale pairs: rebuilt when it is much longer than the live count.
    mutating func compactHotOrder() {
        guard hotOrder.count > 4 * max(hotCount, 16) else { return }
        hotOrder = hotOrder[hotOrderStart...].filter { p in
            map[p.0].map { nodes[$0].generation == p.1 && nodes[$0].hot != nil } ?? false
        }
        hotOrderStart = 0
    }

    @discardableResult
    mutating func insert(_ key: CacheDigest, _ entry: CacheIndexEntry, maxEntries: Int) -> UInt64 {
        // A full zone pushes out its least recently used entry (nginx's forced expire).
        var i = nodes.tail
        while map.count >= maxEntries && i >= 0 {
            let newer = nodes.newer(than: i)
            if !nodes[i].entry.filling {
                if nodes[i].entry.exists { pendingDeletes.append(nodes[i].key) }
                remove(nodes[i].key)
            }
            i = newer
        }
        nextGeneration += 1
        map[key] = nodes.insertFront(Node(key: key, entry: entry, generation: nextGeneration))
        totalSize += entry.size
        return nextGeneration
    }

    mutating func remove(_ key: CacheDigest) {
        guard let i = map.removeValue(forKey: key) else { return }
        dropHot(i)
        totalSize -= nodes[i].entry.size
        nodes[i].entry.size = 0
        nodes.remove(i)
    }
}
