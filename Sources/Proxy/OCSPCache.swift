import Locking

/// `ssl_ocsp_cache`: the statuses responders gave, by certificate (the DER request names issuer and serial),
/// each until the response's nextUpdate (an hour when it has none; nothing is kept that has expired already), as
/// nginx's zone. One table per name for the whole process, shared by every worker thread and kept across reloads.
/// Full, it forgets the entry stored longest ago, as nginx's zone forgets its oldest.
final class OCSPCache: @unchecked Sendable {
    struct Entry: Equatable {
        let status: Int32
        /// Seconds since the epoch.
        let validUntil: Int
    }

    private struct Table {
        var entries: [[UInt8]: Entry] = [:]
        var order: [[UInt8]] = []
    }

    let capacity: Int
    private let table = Lock(Table())

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// How long a status may be kept: nil when not at all.
    static func validUntil(nextUpdate: Int?, now: Int) -> Int? {
        guard let next = nextUpdate else { return now + 3600 }
        return next < now ? nil : next
    }

    func lookup(_ key: [UInt8], now: Int) -> Int32? {
        table.withLock { t in
            guard let e = t.entries[key] else { return nil }
            if e.validUntil > now { return e.status }
            t.entries[key] = nil
            t.order.removeAll { $0 == key }
            return nil
        }
    }

    func store(_ key: [UInt8], status: Int32, nextUpdate: Int?, now: Int) {
        guard let until = Self.validUntil(nextUpdate: nextUpdate, now: now) else { return }
        table.withLock { t in
            if t.entries[key] == nil {
                if t.order.count >= capacity { t.entries[t.order.removeFirst()] = nil }
                t.order.append(key)
            }
            t.entries[key] = Entry(status: status, validUntil: until)
        }
    }

    /// The caches by `ssl_ocsp_cache` name, for the process's life (a reload keeps what they hold).
    private static let named = Lock<[String: OCSPCache]>([:])

    static func named(_ name: String, capacity: Int) -> OCSPCache {
        named.withLock { all in
            if let c = all[name] { return c }
            let c = OCSPCache(capacity: capacity)
            all[name] = c
            return c
        }
    }
}
