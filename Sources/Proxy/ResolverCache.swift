/// A worker's resolved names (nginx's resolver cache), as a value: time is passed in, so the expiry rules are
/// tested without clocks. Addresses live for their TTL, or `valid=` instead when set (nginx: "valid … allows
/// overriding it"). Errors are not kept, as in nginx: the next request for a name that failed asks again.
struct ResolverCache {
    /// What a name came to: what requests get (from the cache, or from the query they waited for).
    enum Answer: Equatable {
        /// 4- or 16-byte addresses, in the order the answer gave them.
        case addresses([[UInt8]])
        /// A DNS response code, or 110 for a timeout (ngx_resolver_strerror's numbers).
        case failed(Int)
    }

    private struct Entry {
        let addresses: [[UInt8]]
        let expiresNanos: UInt64
        /// Round robin over the addresses: each request for the name starts one further.
        var turn: Int
    }

    let capacity: Int
    private var entries: [[UInt8]: Entry] = [:]

    init(capacity: Int = 4096) { self.capacity = capacity }

    var count: Int { entries.count }

    /// The fresh addresses of `name` and this request's turn (the index of the address to try first); an
    /// expired entry is dropped.
    mutating func lookup(_ name: [UInt8], now: UInt64) -> (answer: Answer, turn: Int)? {
        guard var e = entries[name] else { return nil }
        if e.expiresNanos <= now {
            entries[name] = nil
            return nil
        }
        let turn = e.turn
        e.turn &+= 1
        entries[name] = e
        return (.addresses(e.addresses), turn)
    }

    /// Keeps `addresses` for `ttlSeconds`, or `validSeconds` instead; `waiters` requests took the first turns.
    mutating func store(_ name: [UInt8], _ addresses: [[UInt8]], ttlSeconds: UInt32, validSeconds: Int?, now: UInt64,
                        waiters: Int) {
        let seconds = validSeconds.map { UInt64(max(0, $0)) } ?? UInt64(ttlSeconds)
        guard seconds > 0, !addresses.isEmpty else { entries[name] = nil; return }
        if entries[name] == nil && entries.count >= capacity { makeRoom(now: now) }
        entries[name] = Entry(addresses: addresses, expiresNanos: now &+ seconds &* 1_000_000_000, turn: waiters)
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
