/// SHA-1 (FIPS 180-4), for htpasswd's `{SHA}` and `{SSHA}` entries only: not for anything new.
///
///     SHA1.digest(Array("abc".utf8))   // a9993e36…9cd0d89d (20 bytes)
public struct SHA1: Sendable {
    private var blocks = BlockHasher(SHA1Rounds())

    public init() {}

    public mutating func update(_ bytes: [UInt8]) { blocks.update(bytes) }

    /// The 20-byte digest. Consumes the running state.
    public consuming func finalize() -> [UInt8] { blocks.finish { r in [r.h0, r.h1, r.h2, r.h3, r.h4] } }

    public static func digest(_ bytes: [UInt8]) -> [UInt8] {
        var sha = SHA1()
        sha.update(bytes)
        return sha.finalize()
    }
}

/// SHA-1's five words and its 80 rounds (FIPS 180-4 §6.1).
private struct SHA1Rounds: BlockCompression {
    static let bigEndianLength = true
    var h0: UInt32 = 0x6745_2301
    var h1: UInt32 = 0xEFCD_AB89
    var h2: UInt32 = 0x98BA_DCFE
    var h3: UInt32 = 0x1032_5476
    var h4: UInt32 = 0xC3D2_E1F0

    @inline(__always)
    private static func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { (x << n) | (x >> (32 - n)) }

    mutating func compress(_ block: [UInt8], at base: Int) {
        var w = [UInt32](repeating: 0, count: 80)
        for t in 0..<16 {
            let o = base + t * 4
            w[t] = UInt32(block[o]) << 24 | UInt32(block[o + 1]) << 16 | UInt32(block[o + 2]) << 8 | UInt32(block[o + 3])
        }
        for t in 16..<80 { w[t] = Self.rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1) }
        var a = h0, b = h1, c = h2, d = h3, e = h4
        for t in 0..<80 {
            let f: UInt32, k: UInt32
            switch t {
            case 0..<20: f = (b & c) | (~b & d); k = 0x5A82_7999
            case 20..<40: f = b ^ c ^ d; k = 0x6ED9_EBA1
            case 40..<60: f = (b & c) | (b & d) | (c & d); k = 0x8F1B_BCDC
            default: f = b ^ c ^ d; k = 0xCA62_C1D6
            }
            let temp = Self.rotl(a, 5) &+ f &+ e &+ k &+ w[t]
            e = d
            d = c
            c = Self.rotl(b, 30)
            b = a
            a = temp
        }
        h0 = h0 &+ a
        h1 = h1 &+ b
        h2 = h2 &+ c
        h3 = h3 &+ d
        h4 = h4 &+ e
    }
}
