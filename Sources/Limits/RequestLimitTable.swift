import Containers

/// One limit_req zone's entries: key → the key's bucket (excess and last time), least recently used last,
/// bounded by the zone's bytes as nginx's shared memory is. A value type under the zone's lock
/// (`RequestLimitZone`); every method is one of nginx's steps, with time passed in.
public struct RequestLimitTable: Sendable {
    struct Node: Sendable {
        var key: [UInt8]
        var excess: Int
        var last: Int64
        /// Requests between their lookup and their accounting (several limits on one request): an entry
        /// with a count is never expired.
        var count: Int
        var cost: Int
    }

    /// What a lookup found (nginx's NGX_BUSY, NGX_OK, NGX_AGAIN, NGX_ERROR).
    public enum Lookup: Sendable, Equatable {
        /// Over the burst: refused, nothing accounted.
        case busy(excess: Int)
        /// Accounted (the request's last limit).
        case accounted(excess: Int)
        /// Held for accounting once the request's other limits agree (`account(_:)` or `unlock(_:)` follows).
        case pending(slot: Int, excess: Int)
        /// The zone is full of entries that may not go.
        case noMemory
    }

    let budget: ZoneBudget
    private(set) var used = 0
    private var index: [[UInt8]: Int] = [:]
    private var nodes = RecencyList<Node>()

    /// nginx's node: 32 bytes of rbtree node before `color`, 48 of limit_req's node before the key.
    public init(size: Int) { budget = ZoneBudget(size: size, nodeHeader: 80) }

    public var count: Int { index.count }

    /// nginx's ngx_http_limit_req_lookup. `account`: this is the request's last limit, so the request is
    /// accounted here; otherwise it is held (`pending`) until `account(_:)`.
    public mutating func lookup(_ key: [UInt8], rate: Int, burst: Int, account: Bool, now: Int64) -> Lookup {
        if let slot = index[key] {
            nodes.moveToFront(slot)
            let ms = LeakyBucket.elapsed(since: nodes[slot].last, now: now)
            let excess = LeakyBucket.excess(after: nodes[slot].excess, elapsed: ms, rate: rate)
            if excess > burst { return .busy(excess: excess) }
            if account {
                nodes[slot].excess = excess
                if ms != 0 { nodes[slot].last = now }
                return .accounted(excess: excess)
            }
            nodes[slot].count += 1
            return .pending(slot: slot, excess: excess)
        }
        let cost = budget.cost(keyLength: key.count)
        expire(force: false, rate: rate, now: now)
        if used + cost > budget.bytes {
            expire(force: true, rate: rate, now: now)
            if used + cost > budget.bytes { return .noMemory }
        }
        let slot = nodes.insertFront(
            Node(key: key, excess: 0, last: account ? now : LeakyBucket.never, count: account ? 0 : 1, cost: cost))
        index[key] = slot
        used += cost
        return account ? .accounted(excess: 0) : .pending(slot: slot, excess: 0)
    }

    /// nginx's ngx_http_limit_req_account for one held entry: the request is counted now; returns the excess.
    public mutating func account(_ slot: Int, rate: Int, now: Int64) -> Int {
        let ms = LeakyBucket.elapsed(since: nodes[slot].last, now: now)
        let excess = LeakyBucket.excess(after: nodes[slot].excess, elapsed: ms, rate: rate)
        nodes[slot].excess = excess
        if ms != 0 { nodes[slot].last = now }
        nodes[slot].count -= 1
        return excess
    }

    /// Lets go of a held entry without counting the request (another limit refused it).
    public mutating func unlock(_ slot: Int) {
        nodes[slot].count -= 1
    }

    /// The excess recorded for `key`, for tests and the status pages.
    public func excess(of key: [UInt8]) -> Int? { index[key].map { nodes[$0].excess } }

    /// nginx's ngx_http_limit_req_expire: from the cold end, drop up to two entries idle for a minute whose
    /// bucket has drained; `force` first drops the coldest entry whatever its bucket. An entry a request holds
    /// stops the walk (lookups move entries to the front, so nothing colder is held either).
    mutating func expire(force: Bool, rate: Int, now: Int64) {
        var n = force ? 0 : 1
        while n < 3 {
            let slot = nodes.tail
            guard slot >= 0 else { return }
            if nodes[slot].count > 0 { return }
            if n != 0 {
                let ms = LeakyBucket.elapsed(since: nodes[slot].last, now: now)
                if ms < 60_000 { return }
                if nodes[slot].excess > LeakyBucket.drained(elapsed: ms, rate: rate) { return }
            }
            n += 1
            remove(slot)
        }
    }

    private mutating func remove(_ slot: Int) {
        index[nodes[slot].key] = nil
        used -= nodes[slot].cost
        nodes[slot].key = []
        nodes.remove(slot)
    }
}
