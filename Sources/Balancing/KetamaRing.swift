import ASCIIBytes
/// The points of `hash KEY consistent`, built once per upstream and shared by the workers: exactly
/// nginx's (and Cache::Memcached::Fast's) ketama ring, so keys map to the same servers as under nginx.
///
/// A server's base is `crc32(HOST "\0" PORT)` — the address text split at its last `:` when only digits
/// follow, `unix:` stripped — and its `160 × weight` points chain: point j is the base CRC continued
/// with point j−1's value (4 bytes, little-endian; 0 for the first), then finished. Points are sorted
/// and duplicates dropped; a key goes to the first point at or after `crc32(key)`, wrapping.
public final class KetamaRing: Sendable {
    public let hashes: [UInt32]
    /// For each point, the server (`PeerConfig.serverName`) it belongs to.
    public let servers: [String]
    /// For each point, its server as an index into `names`; compared on the hot path instead of text.
    let serverIndex: [Int]
    /// The distinct server addresses, in config order.
    let names: [String]

    public init(peers: [PeerConfig]) {
        var points: [(hash: UInt32, server: String)] = []
        for peer in peers where !peer.isBackup {
            let (host, port) = Self.split(peer.serverName)
            let base = CRC32.update(CRC32.update(CRC32.update(CRC32.initial, host), [0]), port)
            var previous: UInt32 = 0
            for _ in 0..<(peer.weight * 160) {
                let bytes = [
                    UInt8(previous & 0xff), UInt8(previous >> 8 & 0xff),
                    UInt8(previous >> 16 & 0xff), UInt8(previous >> 24),
                ]
                let hash = CRC32.finish(CRC32.update(base, bytes))
                points.append((hash, peer.serverName))
                previous = hash
            }
        }
        // Stable order for equal hashes (nginx's qsort leaves them unspecified; first server wins here).
        let sorted = points.enumerated().sorted {
            $0.element.hash != $1.element.hash ? $0.element.hash < $1.element.hash : $0.offset < $1.offset
        }
        var hashes: [UInt32] = []
        var servers: [String] = []
        for (_, point) in sorted where hashes.last != point.hash {
            hashes.append(point.hash)
            servers.append(point.server)
        }
        self.hashes = hashes
        self.servers = servers
        var names: [String] = []
        for peer in peers where !peer.isBackup && !names.contains(peer.serverName) { names.append(peer.serverName) }
        self.names = names
        self.serverIndex = servers.map { names.firstIndex(of: $0) ?? -1 }
    }

    /// HOST and PORT as nginx cuts them from the `server` address text.
    static func split(_ address: String) -> (host: [UInt8], port: [UInt8]) {
        let bytes = Array(address.utf8)
        if ASCII.hasPrefixLowercased(bytes, "unix:") {
            return (Array(bytes[5...]), [])
        }
        var index = bytes.count - 1
        while index >= 0 {
            let c = bytes[index]
            if c == UInt8(ascii: ":") { return (Array(bytes[..<index]), Array(bytes[(index + 1)...])) }
            if c < UInt8(ascii: "0") || c > UInt8(ascii: "9") { break }
            index -= 1
        }
        return (bytes, [])
    }

    /// Index of the first point whose hash is ≥ `hash` (may equal `count`: it wraps when used).
    public func firstPoint(atOrAfter hash: UInt32) -> Int {
        var low = 0
        var high = hashes.count
        while low < high {
            let mid = (low + high) / 2
            if hashes[mid] < hash { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
