import Digest
import Locking
import Synchronization

/// One shared table's link to memcached: `sticky learn`'s zone or jvm_route's failback table with `share=`.
/// The table stays the source of every pick; what it learns, moves or forgets is also written here (the
/// outbox), and the engine sends those writes to memcached in batches from whichever worker drains them. On a
/// local miss the engine asks memcached (`key(for:)`, `nodes`) and hands a hit back to the table with `adopt`.
///
/// Keys are `sy:<namespace>:<name>:<session id>` (the id hashed when memcached could not take it as it is), so
/// every switchyard with the same configuration names an entry alike; entries live `ttlSeconds`, the table's
/// idle timeout, and an entry in use is written again once half of that has passed.
///
///     let share = RouteShare(spec: spec, nodes: MemcachedNodes(spec.nodes), namespace: "l", name: "client_sessions",
///                            ttl: .seconds(600))
///     share.key(for: Array("8F3A".utf8))   // "sy:l:client_sessions:8F3A"
public final class RouteShare: Sendable {
    public let spec: RouteShareSpec
    public let nodes: MemcachedNodes
    /// `l` (sticky learn) or `f` (failback), and the zone's or upstream's name: the keys' prefix.
    public let namespace: String
    public let name: String
    public let ttlSeconds: Int
    /// The table's idle timeout in nanoseconds: an entry not written for half of it is written again when used.
    let refreshNanoseconds: Int64
    private let prefix: [UInt8]
    private let outbox = Lock<[Write]>([])
    private let pending = Atomic<Int>(0)

    /// A change to send: set a session's value, or delete it.
    public enum Write: Sendable, Equatable {
        case set(key: [UInt8], value: [UInt8])
        case delete(key: [UInt8])
    }

    /// Writes waiting beyond this are dropped (memcached far behind or down for long): the local table has them.
    public static let outboxLimit = 65_536

    public init(spec: RouteShareSpec, nodes: MemcachedNodes, namespace: String, name: String, ttl: Duration) {
        self.spec = spec
        self.nodes = nodes
        self.namespace = namespace
        self.name = name
        ttlSeconds = max(1, Int(ttl.components.seconds))
        refreshNanoseconds = ttl.nanoseconds / 2
        prefix = Array("sy:\(namespace):\(name):".utf8)
    }

    /// The memcached key of `session`.
    public func key(for session: some Collection<UInt8>) -> [UInt8] {
        let plain = prefix + session
        if MemcachedText.isValidKey(plain) { return plain }
        // Too long, or bytes memcached refuses: the hex of its SHA-256, the same in every process.
        var hashed = Array("sy:#".utf8)
        hashed += Hex.encode(SHA256.digest(plain))
        return hashed
    }

    func noteSet(_ session: some Collection<UInt8>, value: [UInt8]) { push(.set(key: key(for: session), value: value)) }

    func noteDelete(_ session: some Collection<UInt8>) { push(.delete(key: key(for: session))) }

    private func push(_ write: Write) {
        let added = outbox.withLock { queue -> Bool in
            guard queue.count < Self.outboxLimit else { return false }
            queue.append(write)
            return true
        }
        if added { pending.wrappingAdd(1, ordering: .relaxed) }
    }

    /// True when writes wait (one atomic load: the engine checks this after each response).
    public var hasWrites: Bool { pending.load(ordering: .relaxed) > 0 }

    /// The waiting writes, oldest first; the outbox is empty afterwards.
    public func takeWrites() -> [Write] {
        guard hasWrites else { return [] }
        let taken = outbox.withLock { queue -> [Write] in
            let all = queue
            queue.removeAll(keepingCapacity: true)
            return all
        }
        pending.wrappingAdd(-taken.count, ordering: .relaxed)
        return taken
    }
}
