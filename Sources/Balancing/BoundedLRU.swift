import Containers

/// The bounded, idle-expiring session map under `sticky learn`'s zone and jvm_route's failback table: session
/// id → `Value`, least recently used first out once `capacity` entries are held, and an entry unused for longer
/// than the caller's timeout is gone.
///
/// A value type without a lock: each table wraps it in its own (one `Lock`, or a few shards). The index is
/// keyed by the id's stable hash and each entry keeps its id to rule out a collision, so a lookup compares a
/// slice of the request in place (no copy). The LRU order is a `RecencyList` (no per-entry objects). Times are
/// signed monotonic nanoseconds (`Instant.signed`).
///
///     var lru = BoundedLRU<String>(capacity: 2)
///     lru.set(hash: h, key: id, value: "127.0.0.1:8081", now: t, timeout: ttl)
///     lru.get(hash: h, key: id, now: t, timeout: ttl)   // "127.0.0.1:8081"
struct BoundedLRU<Value: Sendable>: Sendable {
    struct Node: Sendable {
        var hash: UInt64
        var key: [UInt8]
        var value: Value?
        var lastUsed: Int64
    }

    let capacity: Int
    private var index: [UInt64: Int] = [:]
    private var nodes = RecencyList<Node>()

    init(capacity: Int) { self.capacity = max(1, capacity) }

    var count: Int { index.count }

    /// The value for `key`, refreshing its idle clock; nil when absent or idle for longer than `timeout`.
    mutating func get(hash: UInt64, key: ArraySlice<UInt8>, now: Int64, timeout: Int64) -> Value? {
        expireTail(now: now, timeout: timeout)
        guard let slot = index[hash], nodes[slot].key.elementsEqual(key) else { return nil }
        if now - nodes[slot].lastUsed > timeout {
            remove(slot)
            return nil
        }
        nodes[slot].lastUsed = now
        nodes.moveToFront(slot)
        return nodes[slot].value
    }

    /// Stores `value` for `key` as the most recently used entry, evicting the least recently used one when full.
    mutating func set(hash: UInt64, key: ArraySlice<UInt8>, value: Value, now: Int64, timeout: Int64) {
        expireTail(now: now, timeout: timeout)
        if let slot = index[hash] {
            // The same session, or (vanishingly rare) another id with the same hash: the newer one wins.
            if !nodes[slot].key.elementsEqual(key) { nodes[slot].key = Array(key) }
            nodes[slot].value = value
            nodes[slot].lastUsed = now
            nodes.moveToFront(slot)
            return
        }
        if index.count >= capacity, nodes.tail >= 0 { remove(nodes.tail) }
        index[hash] = nodes.insertFront(Node(hash: hash, key: Array(key), value: value, lastUsed: now))
    }

    /// Every entry, least recently used first (a reload's new table takes them over in the same order).
    func forEachOldestFirst(_ body: (Node) -> Void) {
        var slot = nodes.tail
        while slot >= 0 {
            body(nodes[slot])
            slot = nodes.newer(than: slot)
        }
    }

    /// Drops `key`'s entry; true when there was one.
    mutating func remove(hash: UInt64, key: ArraySlice<UInt8>) -> Bool {
        guard let slot = index[hash], nodes[slot].key.elementsEqual(key) else { return false }
        remove(slot)
        return true
    }

    /// Drops up to two idle entries from the cold end, so a table nobody looks up again still empties.
    private mutating func expireTail(now: Int64, timeout: Int64) {
        for _ in 0..<2 {
            let tail = nodes.tail
            guard tail >= 0, now - nodes[tail].lastUsed > timeout else { return }
            remove(tail)
        }
    }

    private mutating func remove(_ slot: Int) {
        index[nodes[slot].hash] = nil
        nodes[slot].key = []
        nodes[slot].value = nil
        nodes.remove(slot)
    }
}
