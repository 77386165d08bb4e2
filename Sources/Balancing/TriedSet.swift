/// A bitset over peer indices: the servers one request has already tried (nginx's `rrp->tried`).
/// Up to 128 peers live inline, so a request allocates nothing; larger upstreams spill to an array.
///
///     var tried = TriedSet(); tried.insert(PeerID(3)); tried.contains(PeerID(3))   // true
public struct TriedSet: Sendable, Equatable {
    private var low: UInt64 = 0
    private var high: UInt64 = 0
    private var spill: [UInt64] = []

    public init() {}

    public func contains(_ peer: PeerID) -> Bool { contains(peer.index) }

    public mutating func insert(_ peer: PeerID) { insert(peer.index) }

    public var count: Int {
        low.nonzeroBitCount + high.nonzeroBitCount + spill.reduce(0) { $0 + $1.nonzeroBitCount }
    }

    public var isEmpty: Bool { count == 0 }

    func contains(_ index: Int) -> Bool {
        switch index {
        case 0..<64: return low & (1 << UInt64(index)) != 0
        case 64..<128: return high & (1 << UInt64(index - 64)) != 0
        default:
            let word = (index - 128) / 64
            guard word < spill.count else { return false }
            return spill[word] & (1 << UInt64((index - 128) % 64)) != 0
        }
    }

    mutating func insert(_ index: Int) {
        switch index {
        case 0..<64: low |= 1 << UInt64(index)
        case 64..<128: high |= 1 << UInt64(index - 64)
        default:
            let word = (index - 128) / 64
            while spill.count <= word { spill.append(0) }
            spill[word] |= 1 << UInt64((index - 128) % 64)
        }
    }
}
