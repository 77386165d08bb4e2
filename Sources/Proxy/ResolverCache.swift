/// A worker's resolved names (nginx's resolver cache), as a value: time is passed in, so the expiry rules are
/// tested without clocks. Answers live for their TTL, or `valid=` instead when set (nginx: "valid … allows
/// overriding it"); a name that does not exist (or another DNS error) is kept `valid=` or 10 s, as nginx keeps
/// it, so a flood of requests for a bad name does not become a flood of queries. Timeouts are not kept.
struct ResolverCache {
    enum Answer: Equatable {
        /// 4- or 16-byte addresses, in the order the answer gave them.
        case addresses([[UInt8]])
        /// A DNS response code (ngx_resolver_strerror's numbers).
        case failed(Int)
    }

    private struct Entry {
        let answer: Answer
        let expiresNanos: UInt64
        /// Round robin over the addresses: each request for the name starts one further.
        var turn: Int
    }

    /// nginx keeps a failed name this long without `valid=`.
    static let errorSeconds = 10
    let capacity: Int
    private var entries: [[UInt8]: Entry] = [:]

    init(capacity: Int = 4096) { self.capacity = capacity }

    var count: Int { entries.count }

    /// The fresh answer for `name` and this request's turn (the index of the address to try first); an expired
    /// entry is dropped.
    mutating func lookup(_ name: [UInt8], now: UInt64) -> (answer: Answer, turn: Int)? {
        guard var e = entries[name] else { return nil }
        if e.expiresNanos <= now {
            entries[name] = nil
            return nil
        }
        let turn = e.turn
        e.turn &+= 1
        entries[name] = e
        return (e.answer, turn)
    }

    /// Keeps `answer` for its lifetime (see the type's note); returns the first turn for the requests that
    /// waited for it (the next `lookup` continues from there).
    mutating func store(_ name: [UInt8], _ answer: Answer, ttlSeconds: UInt32, validSeconds: Int?, now: UInt64, waiters: Int) {
        let seconds: UInt64
        switch answer {
        case .addresses: seconds = validSeconds.map { UInt64(max(0, $0)) } ?? UInt64(ttlSeconds)
        case .failed: seconds = UInt64(max(0, validSeconds ?? Self.errorSeconds))
        }
        guard seconds > 0 else { entries[name] = nil; return }
        if entries[name] == nil && entries.count >= capacity { makeRoom(now: now) }
        entries[name] = Entry(answer: answer, expiresNanos: now &+ seconds &* 1_000_000_000, turn: waiters)
    }

    /// Drops expired entries; when none had expired, the one closest to expiring (full only under a flood of
    /// distinct names, where any choice is as good).
    private mutating func makeRoom(now: UInt64) {
        let before = entries.count
        entries = entries.filter { $0.value.expiresNanos > now }
        if entries.count == before, let soonest = entries.min(by: { $0.value.expiresNanos < $1.value.expiresNanos }) {
            entries[soonest.key] = nil
        }
    }
}
