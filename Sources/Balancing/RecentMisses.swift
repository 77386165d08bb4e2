import Locking

/// `share_recheck=`: the sessions memcached was just asked about and did not know, so the next requests of the
/// same session go straight to the pick instead of asking again. Without it, every request of a jvm_route session
/// that never moved (nearly all of them) waited for a lookup; with it, at most one lookup per session per
/// `window`. The cost is a window's delay in seeing a move another instance makes, which only matters when an
/// owner returns within it: a restart takes longer than the default second.
///
/// Bounded like the tables it sits beside (least recently used first out), sixteen short locks, and nothing
/// (no lock, no hash) when the window is zero.
///
///     let misses = RecentMisses(capacity: 16384, window: .seconds(1))
///     misses.note(session, now: now)
///     misses.contains(session, now: now)   // true for a second
public final class RecentMisses: Sendable {
    private let shards: [Lock<BoundedLRU<Int64>>]
    private let window: Int64

    public init(capacity: Int, window: Duration) {
        self.window = window.nanoseconds
        let perShard = (max(1, capacity) + 15) / 16
        shards = window.nanoseconds > 0 ? (0..<16).map { _ in Lock(BoundedLRU<Int64>(capacity: perShard)) } : []
    }

    /// Whether memcached said it did not know `session` less than `window` ago.
    public func contains(_ session: ArraySlice<UInt8>, now: Instant) -> Bool {
        if shards.isEmpty { return false }
        let hash = StableHash.hash64(session)
        let at = shards[Int(hash & 15)].withLock { $0.get(hash: hash, key: session, now: now.signed, timeout: window) }
        return at.map { now.signed - $0 < window } ?? false
    }

    /// memcached did not know `session` (or did not answer in time).
    public func note(_ session: ArraySlice<UInt8>, now: Instant) {
        if shards.isEmpty { return }
        let hash = StableHash.hash64(session)
        shards[Int(hash & 15)].withLock { $0.set(hash: hash, key: session, value: now.signed, now: now.signed, timeout: window) }
    }
}
