/// One limit_conn zone's entries: key → requests of that key in progress. An entry goes when its count returns
/// to zero, so the table holds only keys with a request under way; the zone's bytes bound it as nginx's
/// shared memory does (a full zone refuses new keys). A value type under the zone's lock.
public struct ConnectionLimitTable: Sendable {
    public enum Acquire: Sendable, Equatable {
        case acquired
        /// The key already has `limit` requests in progress.
        case overLimit
        /// No room for another key.
        case noMemory
    }

    let budget: ZoneBudget
    private(set) var used = 0
    private var counts: [[UInt8]: Int] = [:]

    /// nginx's node: 32 bytes of rbtree node before `color`, 4 of limit_conn's node before the key.
    public init(size: Int) { budget = ZoneBudget(size: size, nodeHeader: 36) }

    public var count: Int { counts.count }

    public func inProgress(_ key: [UInt8]) -> Int { counts[key] ?? 0 }

    /// One more request for `key`, unless it would pass `limit`.
    public mutating func acquire(_ key: [UInt8], limit: Int) -> Acquire {
        if let n = counts[key] {
            if n >= limit { return .overLimit }
            counts[key] = n + 1
            return .acquired
        }
        let cost = budget.cost(keyLength: key.count)
        if used + cost > budget.bytes { return .noMemory }
        used += cost
        counts[key] = 1
        return .acquired
    }

    /// A request `acquire` counted has ended.
    public mutating func release(_ key: [UInt8]) {
        guard let n = counts[key] else { return }
        if n > 1 {
            counts[key] = n - 1
        } else {
            counts[key] = nil
            used -= budget.cost(keyLength: key.count)
        }
    }
}
