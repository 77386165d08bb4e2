import Balancing
import EventLoop

/// An upstream's `share=memcached://…` (issue 19, part 3): the shared table (`sticky learn`'s zone or
/// jvm_route's failback table), its memcached link, the nodes' addresses resolved at load, and how long the
/// first pick of a request may wait for a lookup.
///
/// The pick itself never changes: before it, `sessionToLookUp` names a session the local table does not know;
/// the exchange asks memcached and `adopt`s a hit into the local table, then picks as always.
final class SharedRoutes: @unchecked Sendable {   // immutable after load, like the runtime that holds it
    enum Table {
        case learned(StickyLearnTable)
        case moved(FailbackTable)
    }

    let share: RouteShare
    let table: Table
    let addresses: [SocketAddress]
    let timeoutMillis: Int
    /// Sessions memcached did not know lately (`share_recheck`): not asked about again meanwhile.
    let misses: RecentMisses

    init(share: RouteShare, table: Table, addresses: [SocketAddress]) {
        self.share = share
        self.table = table
        self.addresses = addresses
        // Only jvm_route asks about sessions it has no reason to think moved; sticky learn asks about a session it
        // has never seen, which another instance may be writing this very moment, so a miss is not kept there.
        if case .moved(let moved) = table {
            misses = RecentMisses(capacity: moved.capacity, window: share.spec.recheck)
        } else {
            misses = RecentMisses(capacity: 1, window: .zero)
        }
        let ms = share.spec.timeout.components
        timeoutMillis = max(1, Int(ms.seconds) * 1000 + Int(ms.attoseconds / 1_000_000_000_000_000))
    }

    /// The session worth a lookup before the first pick: the request has one and the local table does not
    /// know it. `sticky learn` looks up its `lookup=` value; jvm_route a session id that carries a route
    /// (a moved session is found by its id).
    func sessionToLookUp(_ ctx: PickContext, now: Instant) -> [UInt8]? {
        switch table {
        case .learned(let learned):
            guard let session = ctx.route, !session.isEmpty, learned.lookup(session, now: now) == nil else { return nil }
            return Array(session)
        case .moved(let moved):
            guard let session = ctx.sessionID, !session.isEmpty, ctx.route != nil,
                  moved.standIn(for: session, now: now) == nil, !misses.contains(session, now: now)
            else { return nil }
            return Array(session)
        }
    }

    /// memcached knew the session: the local table holds it from now on (not written back).
    func adopt(session: [UInt8], value: [UInt8], now: Instant) {
        let address = String(decoding: value, as: UTF8.self)
        switch table {
        case .learned(let learned): learned.adopt(session[...], address: address, now: now)
        case .moved(let moved): moved.adopt(session[...], address: address, now: now)
        }
    }
}
