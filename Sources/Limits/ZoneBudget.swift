/// How many keys a zone of `size` bytes holds: nginx's slab allocator gives each key a power-of-two slot
/// (the tree node, the module's node and the key) and keeps a page descriptor per 4 KiB page, so a zone
/// here holds as many keys as nginx's of the same size (a 1m limit_req zone: about 8,000 short keys).
public struct ZoneBudget: Sendable, Equatable {
    /// Bytes the keys may use.
    public let bytes: Int
    /// The fixed part of a node before its key (nginx's rbtree node up to `color`, plus the module's node).
    let nodeHeader: Int

    public init(size: Int, nodeHeader: Int) {
        // One page for the pool's own structures, and 24 bytes of page descriptor per page.
        bytes = max(0, (size - 4096) * 4096 / (4096 + 24))
        self.nodeHeader = nodeHeader
    }

    /// The slot one key takes: a power of two of at least 8 bytes, or whole pages past half a page.
    public func cost(keyLength: Int) -> Int {
        let need = nodeHeader + keyLength
        if need > 2048 { return (need + 4095) / 4096 * 4096 }
        var slot = 8
        while slot < need { slot <<= 1 }
        return slot
    }
}
