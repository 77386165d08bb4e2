import Locking

/// `sticky learn`'s table: session id → server address, learned from the backend's Set-Cookie,
/// bounded (least recently used entries go first) and expiring after `timeout` without use.
/// One per `zone=` name, shared by all workers and kept across reloads: it stores addresses, not
/// indices, so a reloaded upstream still finds the servers that stayed. Updates are rare (one per new
/// session), so one mutex around a `BoundedLRU` is enough; its critical sections are a hash probe and a few links.
///
///     let table = StickyLearnTable(name: "client_sessions", capacity: 4096, timeout: .seconds(600))
///     table.learn(Array("8F3A".utf8), address: "127.0.0.1:8081", now: now)
///     table.lookup(Array("8F3A".utf8), now: now)   // "127.0.0.1:8081"
public final class StickyLearnTable: Sendable {
    public let name: String
    public let capacity: Int
    public let timeout: Duration
    private let timeoutNanoseconds: Int64
    private let lru: Lock<BoundedLRU<Learned>>
    /// `share=memcached://…`: what the table learns is also written to memcached (and read back on a miss).
    public let share: RouteShare?

    /// An address, and when it was last written to memcached (with `share`).
    struct Learned: Sendable {
        var address: String
        var sharedAt: Int64
    }

    /// nginx: "a 1-megabyte zone can store about 4000 sessions on the 64-bit platform"; 256 bytes
    /// per session keeps that ratio.
    public static let bytesPerSession = 256

    public init(name: String, capacity: Int, timeout: Duration = .seconds(600), share: RouteShare? = nil) {
        self.name = name
        self.capacity = max(1, capacity)
        self.timeout = timeout
        self.timeoutNanoseconds = timeout.nanoseconds
        self.lru = Lock(BoundedLRU<Learned>(capacity: max(1, capacity)))
        self.share = share
    }

    /// The capacity a `zone=NAME:SIZE` of `bytes` holds.
    public static func capacity(forZoneBytes bytes: Int) -> Int { max(1, bytes / bytesPerSession) }

    public func learn(_ session: [UInt8], address: String, now: Instant) { learn(session[...], address: address, now: now) }

    public func learn(_ session: ArraySlice<UInt8>, address: String, now: Instant) {
        guard !session.isEmpty else { return }
        store(session, address: address, now: now)
        share?.noteSet(session, value: Array(address.utf8))
    }

    /// A route memcached knew (another switchyard learnt it): kept here, not written back.
    public func adopt(_ session: ArraySlice<UInt8>, address: String, now: Instant) {
        guard !session.isEmpty else { return }
        store(session, address: address, now: now)
    }

    private func store(_ session: ArraySlice<UInt8>, address: String, now: Instant) {
        let hash = StableHash.hash64(session)
        let timeout = timeoutNanoseconds
        let entry = Learned(address: address, sharedAt: now.signed)
        lru.withLock { $0.set(hash: hash, key: session, value: entry, now: now.signed, timeout: timeout) }
    }

    public func lookup(_ session: [UInt8], now: Instant) -> String? { lookup(session[...], now: now) }

    /// The address learnt for `session` (a slice of the request: no copy), refreshing its idle clock.
    public func lookup(_ session: ArraySlice<UInt8>, now: Instant) -> String? {
        let hash = StableHash.hash64(session)
        let timeout = timeoutNanoseconds
        guard let entry = lru.withLock({ $0.get(hash: hash, key: session, now: now.signed, timeout: timeout) }) else {
            return nil
        }
        // In use for half its memcached lifetime: written again, so the other instances keep it as long as we do.
        if let share, now.signed - entry.sharedAt > share.refreshNanoseconds { learn(session, address: entry.address, now: now) }
        return entry.address
    }

    public var count: Int { lru.withLock { $0.count } }
}
