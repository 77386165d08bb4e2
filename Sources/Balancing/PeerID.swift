/// A server of an upstream, as its index in the upstream's server list (primaries and backups together).
///
///     let second = PeerID(1)
public struct PeerID: Hashable, Sendable, CustomStringConvertible {
    public let index: Int

    public init(_ index: Int) {
        self.index = index
    }

    public var description: String { "#\(index)" }
}
