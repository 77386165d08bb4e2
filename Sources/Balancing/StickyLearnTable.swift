import Locking

/// `sticky learn`'s table: session id → server address, learned from the backend's Set-Cookie,
/// bounded (least recently used entries go first) and expiring after `timeout` without use.
/// One per `zone=` name, shared by all workers and kept across reloads: it stores addresses, not
/// indices, so a reloaded upstream still finds the servers that stayed. Updates are rare (one per new
/// session), so a mutex is enough; its critical sections are a dictionary probe and a few links.
///
///     let table = StickyLearnTable(name: "client_sessions", capacity: 4096, timeout: .seconds(600))
///     table.learn(Array("8F3A".utf8), address: "127.0.0.1:8081", now: now)
///     table.lookup(Array("8F3A".utf8), now: now)   // "127.0.0.1:8081"
public final class StickyLearnTable: Sendable {
    public let name: String
    public let capacity: Int
    public let timeout: Duration
    private let timeoutNanoseconds: Int64
    private let lru: Lock<LRUList>

    /// nginx: "a 1-megabyte zone can store about 4000 sessions on the 64-bit platform"; 256 bytes
    /// per session keeps that ratio.
    public static let bytesPerSession = 256

    public init(name: String, capacity: Int, timeout: Duration = .seconds(600)) {
        self.name = name
        self.capacity = max(1, capacity)
        self.timeout = timeout
        self.timeoutNanoseconds = timeout.nanoseconds
        self.lru = Lock(LRUList())
    }

    /// The capacity a `zone=NAME:SIZE` of `bytes` holds.
    public static func capacity(forZoneBytes bytes: Int) -> Int { max(1, bytes / bytesPerSession) }

    public func learn(_ session: [UInt8], address: String, now: Instant) {
        guard !session.isEmpty else { return }
        let capacity = capacity
        lru.withLock { $0.set(session, address: address, now: now.signed, capacity: capacity) }
    }

    public func lookup(_ session: [UInt8], now: Instant) -> String? {
        let timeout = timeoutNanoseconds
        return lru.withLock { $0.get(session, now: now.signed, timeout: timeout) }
    }

    public var count: Int { lru.withLock { $0.index.count } }
}

/// A doubly linked LRU list in arrays (no per-entry objects); `head` is the most recently used.
struct LRUList: Sendable {
    struct Node: Sendable {
        var key: [UInt8]
        var address: String
        var lastUsed: Int64
        var prev = -1
        var next = -1
    }

    var index: [[UInt8]: Int] = [:]
    var nodes: [Node] = []
    var free: [Int] = []
    var head = -1
    var tail = -1

    mutating func get(_ key: [UInt8], now: Int64, timeout: Int64) -> String? {
        guard let slot = index[key] else { return nil }
        if now - nodes[slot].lastUsed > timeout {
            remove(slot)
            return nil
        }
        nodes[slot].lastUsed = now
        moveToFront(slot)
        return nodes[slot].address
    }

    mutating func set(_ key: [UInt8], address: String, now: Int64, capacity: Int) {
        if let slot = index[key] {
            nodes[slot].address = address
            nodes[slot].lastUsed = now
            moveToFront(slot)
            return
        }
        if index.count >= capacity, tail >= 0 {
            remove(tail)
        }
        let node = Node(key: key, address: address, lastUsed: now)
        let slot: Int
        if let reused = free.popLast() {
            nodes[reused] = node
            slot = reused
        } else {
            nodes.append(node)
            slot = nodes.count - 1
        }
        index[key] = slot
        linkFront(slot)
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
        index[nodes[slot].key] = nil
        nodes[slot].key = []
        nodes[slot].address = ""
        free.append(slot)
    }
}
