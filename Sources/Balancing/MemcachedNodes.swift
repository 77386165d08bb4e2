import Locking

/// The memcached nodes of a `share=` list, as every switchyard with the same configuration sees them: which
/// nodes hold a key (rendezvous hashing of the key over the nodes' names, so all instances agree without
/// talking), and whether a node is known to be down (shared by the workers, so it is logged once when it goes
/// and once when it is back). Each key lives on two nodes (all of them when there are fewer): one node down
/// loses no route.
///
///     let nodes = MemcachedNodes(["127.0.0.1:11211", "127.0.0.1:11212", "127.0.0.1:11213"])
///     nodes.replicas(forKey: key)   // e.g. [2, 0]: ask node 2 first, then node 0
public final class MemcachedNodes: Sendable {
    public let addresses: [String]
    private let hashes: [UInt64]
    private let down: Lock<[Bool]>

    /// How many nodes hold each key.
    public static let copies = 2

    public init(_ addresses: [String]) {
        self.addresses = addresses
        hashes = addresses.map { StableHash.hash64($0.utf8) }
        down = Lock(Array(repeating: false, count: addresses.count))
    }

    /// The nodes holding `key`, best first: the same list in every process for the same node list.
    public func replicas(forKey key: some Sequence<UInt8>) -> [Int] {
        let k = StableHash.hash64(key)
        let ranked = hashes.indices.sorted { a, b in
            let (sa, sb) = (StableHash.mix(k ^ hashes[a]), StableHash.mix(k ^ hashes[b]))
            return sa != sb ? sa > sb : a < b
        }
        return Array(ranked.prefix(Self.copies))
    }

    /// Marks `node` down; true for the caller that saw it first (it logs).
    public func noteDown(_ node: Int) -> Bool {
        down.withLock { (states: inout [Bool]) -> Bool in
            if states[node] { return false }
            states[node] = true
            return true
        }
    }

    /// Marks `node` up; true when it was down (the caller logs that it is back).
    public func noteUp(_ node: Int) -> Bool {
        down.withLock { (states: inout [Bool]) -> Bool in
            if !states[node] { return false }
            states[node] = false
            return true
        }
    }

    public func isDown(_ node: Int) -> Bool { down.withLock { $0[node] } }
}
