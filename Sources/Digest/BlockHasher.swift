/// A hash's compression function over 64-byte blocks (MD5's rounds, SHA-256's) with its running state.
protocol BlockCompression: Sendable {
    /// Folds the 64-byte block starting at `base` into the state.
    mutating func compress(_ block: [UInt8], at base: Int)
    /// Whether the final padding writes the message's bit length big-endian (SHA-2) or little-endian (MD5).
    static var bigEndianLength: Bool { get }
}

/// The frame MD5 and SHA-256 share (Merkle–Damgård): bytes gathered into 64-byte blocks for the compression
/// function, and the final padding (0x80, zeros, the bit length) that ends on a block boundary.
struct BlockHasher<Compression: BlockCompression>: Sendable {
    private(set) var compression: Compression
    private var pending: [UInt8] = []
    private var length: UInt64 = 0

    init(_ compression: Compression) { self.compression = compression }

    mutating func update(_ bytes: some Sequence<UInt8>) {
        for b in bytes {
            pending.append(b)
            length &+= 1
            if pending.count == 64 {
                compression.compress(pending, at: 0)
                pending.removeAll(keepingCapacity: true)
            }
        }
    }

    /// The same for an array, without the generic per-byte walk (a cache HIT hashes its key with this):
    /// whole 64-byte blocks are compressed where they lie.
    mutating func update(_ bytes: [UInt8]) {
        var i = 0
        length &+= UInt64(bytes.count)
        if !pending.isEmpty {
            i = min(64 - pending.count, bytes.count)
            pending += bytes[0..<i]
            if pending.count == 64 {
                compression.compress(pending, at: 0)
                pending.removeAll(keepingCapacity: true)
            }
        }
        while bytes.count - i >= 64 {
            compression.compress(bytes, at: i)
            i += 64
        }
        if i < bytes.count {
            // Room for the rest and the padding in one allocation (the padding never takes it past two blocks).
            if pending.capacity < 128 { pending.reserveCapacity(128) }
            pending += bytes[i...]
        }
    }

    /// The digest: the padding appended, then `words` of the final state in the hash's byte order (the same
    /// order as its length: little-endian for MD5, big-endian for SHA).
    mutating func finish(_ words: (Compression) -> [UInt32]) -> [UInt8] {
        pad()
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for word in words(compression) {
            for i in 0..<4 {
                let shift = Compression.bigEndianLength ? 24 - 8 * UInt32(i) : 8 * UInt32(i)
                out.append(UInt8(truncatingIfNeeded: word >> shift))
            }
        }
        return out
    }

    /// Appends the padding; `compression` then holds the final state.
    mutating func pad() {
        let bitLength = length &* 8
        // 0x80, zeros up to 56 bytes into a block, the bit length: ends exactly on a block boundary. Written into
        // `pending` itself (one or two blocks), not through a tail array and `update`.
        let zeros = (pending.count < 56 ? 55 : 119) - pending.count
        if pending.capacity < 128 { pending.reserveCapacity(128) }
        pending.append(0x80)
        pending.append(contentsOf: repeatElement(0, count: zeros))
        for i in 0..<8 {
            let shift = Compression.bigEndianLength ? 56 - 8 * UInt64(i) : 8 * UInt64(i)
            pending.append(UInt8(truncatingIfNeeded: bitLength >> shift))
        }
        var base = 0
        while base < pending.count {
            compression.compress(pending, at: base)
            base += 64
        }
        pending.removeAll(keepingCapacity: true)
    }
}
