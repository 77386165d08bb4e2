/// Which memcached nodes hold a session, by MSM's rules, from a hash of the id's base (never from the route, so
/// every app node agrees and a take-over does not move the data). Pure: the availability comes in as a function.
///
///     NodePlacement(nodeCount: 2).nonSticky(base: "8F3A…")   // [primary, backup], e.g. [1, 0]
struct NodePlacement {
    let nodeCount: Int

    /// FNV-1a: stable across processes and runs (Swift's Hasher is seeded per process).
    static func hash(_ base: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in base.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h
    }

    /// Non-sticky: the primary node and the next one as backup; the session is written to both.
    func nonSticky(base: String) -> [Int] {
        let primary = Int(Self.hash(base) % UInt64(nodeCount))
        return nodeCount == 1 ? [primary] : [primary, (primary + 1) % nodeCount]
    }

    /// Sticky: the one node the backup goes to — a regular node (hashed among the regular ones, then the next
    /// available regular one), or a failover node only when every regular node is down.
    func sticky(base: String, failover: Set<Int>, isAvailable: (Int) -> Bool) -> Int? {
        let regular = (0..<nodeCount).filter { !failover.contains($0) }
        let failoverOrder = (0..<nodeCount).filter { failover.contains($0) }
        let start = regular.isEmpty ? 0 : Int(Self.hash(base) % UInt64(regular.count))
        let order = Array(regular[start...] + regular[..<start]) + failoverOrder
        return order.first(where: isAvailable)
    }
}
