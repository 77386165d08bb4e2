import Locking
import Synchronization

/// jvm_route's `failback=stay` memory: session id → the stand-in that served it while its owner was unusable.
/// When the owner returns, a session found here stays on its stand-in (which holds the session's newest state)
/// until it has been idle for `timeout`; sessions that never moved go to their owner as before.
///
/// Bounded like `sticky learn`'s zone (a `BoundedLRU` per shard: least recently used entries go first) and shared
/// by every worker of an upstream, kept across reloads. It stores the stand-in's address hash, not its index, so a reloaded upstream
/// still finds the servers that stayed. Sixteen shards, each behind its own short lock (a hash probe and a few
/// links), so workers rarely meet; while the table is empty (no node has failed lately) a lookup is one atomic
/// load and takes no lock at all.
///
///     let table = FailbackTable(capacity: 16384, timeout: .seconds(1800))
///     table.record(Array("8F3A.tomcat1".utf8)[...], standIn: hashOfAddress, now: now)
///     table.standIn(for: Array("8F3A.tomcat1".utf8)[...], now: now)   // hashOfAddress
public final class FailbackTable: Sendable {
    public let capacity: Int
    public let timeout: Duration
    private let timeoutNanoseconds: Int64
    private let shards: [Lock<BoundedLRU<Moved>>]
    private let entries = Atomic<Int>(0)
    /// `share=memcached://…`: moves and forgets are also written to memcached (and read back on a miss).
    public let share: RouteShare?

    /// A stand-in's address hash; with `share`, also its address and when the entry was last written.
    struct Moved: Sendable {
        var standIn: UInt64
        var address: String?
        var sharedAt: Int64
    }

    static let shardCount = 16

    public init(capacity: Int, timeout: Duration, share: RouteShare? = nil) {
        self.capacity = max(1, capacity)
        self.timeout = timeout
        self.share = share
        timeoutNanoseconds = timeout.nanoseconds
        let perShard = (self.capacity + Self.shardCount - 1) / Self.shardCount
        shards = (0..<Self.shardCount).map { _ in Lock(BoundedLRU<Moved>(capacity: perShard)) }
    }

    /// Sessions held now (expired ones count until a lookup or a write finds them).
    public var count: Int { entries.load(ordering: .relaxed) }

    /// The stand-in (its address hash) recorded for `session`, refreshing the entry's idle clock; nil when the
    /// session never moved or its entry expired.
    public func standIn(for session: ArraySlice<UInt8>, now: Instant) -> UInt64? {
        if entries.load(ordering: .relaxed) == 0 { return nil }
        let hash = StableHash.hash64(session)
        guard let moved = update(hash, { $0.get(hash: hash, key: session, now: now.signed, timeout: timeoutNanoseconds) })
        else { return nil }
        // In use for half its memcached lifetime: written again, so the other instances keep it as long as we do.
        if let share, let address = moved.address, now.signed - moved.sharedAt > share.refreshNanoseconds {
            record(session, standIn: moved.standIn, address: address, now: now)
        }
        return moved.standIn
    }

    /// Remembers that `session` is now served by `standIn` (an address hash, see `StableHash`).
    public func record(_ session: ArraySlice<UInt8>, standIn: UInt64, now: Instant) {
        record(session, standIn: standIn, address: nil, now: now)
    }

    /// Remembers the move, and with `share` writes it to memcached as the stand-in's address.
    public func record(_ session: ArraySlice<UInt8>, standIn: UInt64, address: String?, now: Instant) {
        guard !session.isEmpty else { return }
        store(session, Moved(standIn: standIn, address: address, sharedAt: now.signed), now: now)
        if let share, let address { share.noteSet(session, value: Array(address.utf8)) }
    }

    /// A move memcached knew (another switchyard made it): kept here, not written back.
    public func adopt(_ session: ArraySlice<UInt8>, address: String, now: Instant) {
        guard !session.isEmpty else { return }
        store(session, Moved(standIn: StableHash.hash64(address.utf8), address: address, sharedAt: now.signed), now: now)
    }

    private func store(_ session: ArraySlice<UInt8>, _ moved: Moved, now: Instant) {
        let hash = StableHash.hash64(session)
        update(hash) { $0.set(hash: hash, key: session, value: moved, now: now.signed, timeout: timeoutNanoseconds) }
    }

    /// A table for a reload that changed the size, the timeout or the sharing: this one's moved sessions are
    /// carried over with their idle clocks (the newest kept when it is smaller), so a reload made during an
    /// outage, say to give `failback_timeout` more time, sends no session back to an owner it left.
    public func carriedOver(capacity: Int, timeout: Duration, share: RouteShare?) -> FailbackTable {
        let next = FailbackTable(capacity: capacity, timeout: timeout, share: share)
        for shard in shards {
            shard.withLock { lru in
                lru.forEachOldestFirst { node in
                    guard let moved = node.value else { return }
                    next.update(node.hash) {
                        $0.set(hash: node.hash, key: node.key[...], value: moved, now: node.lastUsed,
                               timeout: next.timeoutNanoseconds)
                    }
                }
            }
        }
        return next
    }

    /// Forgets `session` (its app re-stamped it, or its stand-in is gone). True when there was an entry.
    @discardableResult
    public func forget(_ session: ArraySlice<UInt8>) -> Bool {
        if entries.load(ordering: .relaxed) == 0 { return false }
        let hash = StableHash.hash64(session)
        let removed = update(hash) { $0.remove(hash: hash, key: session) }
        if removed { share?.noteDelete(session) }
        return removed
    }

    /// Runs `body` on the session's shard and keeps `entries` in step with the shard's size.
    private func update<T>(_ hash: UInt64, _ body: (inout BoundedLRU<Moved>) -> T) -> T {
        let (result, delta) = shards[Int(hash >> 60)].withLock { shard -> (T, Int) in
            let before = shard.count
            let result = body(&shard)
            return (result, shard.count - before)
        }
        if delta != 0 { entries.wrappingAdd(delta, ordering: .relaxed) }
        return result
    }
}
