import Locking
import Synchronization

/// jvm_route's `failback=stay` memory: session id → the stand-in that served it while its owner was unusable.
/// When the owner returns, a session found here stays on its stand-in (which holds the session's newest state)
/// until it has been idle for `timeout`; sessions that never moved go to their owner as before.
///
/// Bounded like `sticky learn`'s zone (least recently used entries go first) and shared by every worker of an
/// upstream, kept across reloads. It stores the stand-in's address hash, not its index, so a reloaded upstream
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
    private let shards: [Lock<MovedSessions>]
    private let entries = Atomic<Int>(0)

    static let shardCount = 16

    public init(capacity: Int, timeout: Duration) {
        self.capacity = max(1, capacity)
        self.timeout = timeout
        timeoutNanoseconds = timeout.nanoseconds
        let perShard = (self.capacity + Self.shardCount - 1) / Self.shardCount
        shards = (0..<Self.shardCount).map { _ in Lock(MovedSessions(capacity: perShard)) }
    }

    /// Sessions held now (expired ones count until a lookup or a write finds them).
    public var count: Int { entries.load(ordering: .relaxed) }

    /// The stand-in (its address hash) recorded for `session`, refreshing the entry's idle clock; nil when the
    /// session never moved or its entry expired.
    public func standIn(for session: ArraySlice<UInt8>, now: Instant) -> UInt64? {
        if entries.load(ordering: .relaxed) == 0 { return nil }
        let hash = StableHash.hash64(session)
        return update(hash) { $0.get(hash: hash, key: session, now: now.signed, timeout: timeoutNanoseconds) }
    }

    /// Remembers that `session` is now served by `standIn` (an address hash, see `StableHash`).
    public func record(_ session: ArraySlice<UInt8>, standIn: UInt64, now: Instant) {
        guard !session.isEmpty else { return }
        let hash = StableHash.hash64(session)
        update(hash) { $0.set(hash: hash, key: session, standIn: standIn, now: now.signed, timeout: timeoutNanoseconds) }
    }

    /// Forgets `session` (its app re-stamped it, or its stand-in is gone). True when there was an entry.
    @discardableResult
    public func forget(_ session: ArraySlice<UInt8>) -> Bool {
        if entries.load(ordering: .relaxed) == 0 { return false }
        let hash = StableHash.hash64(session)
        return update(hash) { $0.remove(hash: hash, key: session) }
    }

    /// Runs `body` on the session's shard and keeps `entries` in step with the shard's size.
    private func update<T>(_ hash: UInt64, _ body: (inout MovedSessions) -> T) -> T {
        let (result, delta) = shards[Int(hash >> 60)].withLock { shard -> (T, Int) in
            let before = shard.count
            let result = body(&shard)
            return (result, shard.count - before)
        }
        if delta != 0 { entries.wrappingAdd(delta, ordering: .relaxed) }
        return result
    }
}

/// One shard: a hash index over an LRU list kept in arrays (no per-entry objects); `head` is the most recently
/// used. Entries keep their session id to rule out a hash collision, and are compared in place (no copy per
/// lookup).
struct MovedSessions: Sendable {
    struct Node: Sendable {
        var hash: UInt64
        var key: [UInt8]
        var standIn: UInt64
        var lastUsed: Int64
        var prev = -1
        var next = -1
    }

    let capacity: Int
    private var index: [UInt64: Int] = [:]
    private var nodes: [Node] = []
    private var free: [Int] = []
    private var head = -1
    private var tail = -1

    init(capacity: Int) { self.capacity = max(1, capacity) }

    var count: Int { index.count }

    mutating func get(hash: UInt64, key: ArraySlice<UInt8>, now: Int64, timeout: Int64) -> UInt64? {
        expireTail(now: now, timeout: timeout)
        guard let slot = index[hash], nodes[slot].key.elementsEqual(key) else { return nil }
        if now - nodes[slot].lastUsed > timeout {
            remove(slot)
            return nil
        }
        nodes[slot].lastUsed = now
        moveToFront(slot)
        return nodes[slot].standIn
    }

    mutating func set(hash: UInt64, key: ArraySlice<UInt8>, standIn: UInt64, now: Int64, timeout: Int64) {
        expireTail(now: now, timeout: timeout)
        if let slot = index[hash] {
            // The same session, or (vanishingly rare) another id with the same hash: the newer one wins.
            if !nodes[slot].key.elementsEqual(key) { nodes[slot].key = Array(key) }
            nodes[slot].standIn = standIn
            nodes[slot].lastUsed = now
            moveToFront(slot)
            return
        }
        if index.count >= capacity, tail >= 0 { remove(tail) }
        let node = Node(hash: hash, key: Array(key), standIn: standIn, lastUsed: now)
        let slot: Int
        if let reused = free.popLast() {
            nodes[reused] = node
            slot = reused
        } else {
            nodes.append(node)
            slot = nodes.count - 1
        }
        index[hash] = slot
        linkFront(slot)
    }

    mutating func remove(hash: UInt64, key: ArraySlice<UInt8>) -> Bool {
        guard let slot = index[hash], nodes[slot].key.elementsEqual(key) else { return false }
        remove(slot)
        return true
    }

    /// Drops up to two idle entries from the cold end, so a table nobody looks up again still empties (and
    /// lookups go back to costing one atomic load).
    private mutating func expireTail(now: Int64, timeout: Int64) {
        for _ in 0..<2 {
            guard tail >= 0, now - nodes[tail].lastUsed > timeout else { return }
            remove(tail)
        }
    }

    private mutating func unlink(_ slot: Int) {
        let (prev, next) = (nodes[slot].prev, nodes[slot].next)
        if prev >= 0 { nodes[prev].next = next } else { head = next }
        if next >= 0 { nodes[next].prev = prev } else { tail = prev }
        nodes[slot].prev = -1
        nodes[slot].next = -1
    }

    private mutating func linkFront(_ slot: Int) {
        nodes[slot].prev = -1
        nodes[slot].next = head
        if head >= 0 { nodes[head].prev = slot }
        head = slot
        if tail < 0 { tail = slot }
    }

    private mutating func moveToFront(_ slot: Int) {
        guard head != slot else { return }
        unlink(slot)
        linkFront(slot)
    }

    private mutating func remove(_ slot: Int) {
        unlink(slot)
        index[nodes[slot].hash] = nil
        nodes[slot].key = []
        free.append(slot)
    }
}
