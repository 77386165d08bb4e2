/// MD5 (RFC 1321), used only to name cache entries as nginx does: not for security.
///
///     MD5.hex(Array("abc".utf8))  // "900150983cd24fb0d6963f7d28e17f72"
///
/// Written here (rather than linking a crypto library) because the Cache target must stay free of
/// C dependencies; it hashes one short key per request, so clarity wins over speed.
public struct MD5: Sendable {
    private var blocks = BlockHasher(MD5Rounds())

    public init() {}

    public mutating func update(_ bytes: some Sequence<UInt8>) { blocks.update(bytes) }

    /// The same for an array: whole 64-byte blocks are compressed where they lie.
    public mutating func update(_ bytes: [UInt8]) { blocks.update(bytes) }

    /// The 16-byte digest. Consumes the running state (call on a copy to keep hashing).
    public consuming func finalize() -> [UInt8] { blocks.finish { r in [r.a0, r.b0, r.c0, r.d0] } }

    public static func digest(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var md5 = MD5()
        md5.update(bytes)
        return md5.finalize()
    }

    public static func digest(_ bytes: [UInt8]) -> [UInt8] {
        var md5 = MD5()
        md5.update(bytes)
        return md5.finalize()
    }

    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        String(decoding: Hex.encode(digest(bytes)), as: UTF8.self)
    }
}

/// MD5's state and its four rounds (RFC 1321 §3.4).
private struct MD5Rounds: BlockCompression {
    static let bigEndianLength = false
    var a0: UInt32 = 0x6745_2301
    var b0: UInt32 = 0xEFCD_AB89
    var c0: UInt32 = 0x98BA_DCFE
    var d0: UInt32 = 0x1032_5476

    // Per-round shift amounts (RFC 1321 §3.4).
    private static let shifts: [UInt32] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ]

    // T[i] = floor(2^32 * |sin(i + 1)|) (RFC 1321 §3.4), tabulated.
    private static let table: [UInt32] = [
        0xd76a_a478, 0xe8c7_b756, 0x2420_70db, 0xc1bd_ceee, 0xf57c_0faf, 0x4787_c62a, 0xa830_4613, 0xfd46_9501,
        0x6980_98d8, 0x8b44_f7af, 0xffff_5bb1, 0x895c_d7be, 0x6b90_1122, 0xfd98_7193, 0xa679_438e, 0x49b4_0821,
        0xf61e_2562, 0xc040_b340, 0x265e_5a51, 0xe9b6_c7aa, 0xd62f_105d, 0x0244_1453, 0xd8a1_e681, 0xe7d3_fbc8,
        0x21e1_cde6, 0xc337_07d6, 0xf4d5_0d87, 0x455a_14ed, 0xa9e3_e905, 0xfcef_a3f8, 0x676f_02d9, 0x8d2a_4c8a,
        0xfffa_3942, 0x8771_f681, 0x6d9d_6122, 0xfde5_380c, 0xa4be_ea44, 0x4bde_cfa9, 0xf6bb_4b60, 0xbebf_bc70,
        0x289b_7ec6, 0xeaa1_27fa, 0xd4ef_3085, 0x0488_1d05, 0xd9d4_d039, 0xe6db_99e5, 0x1fa2_7cf8, 0xc4ac_5665,
        0xf429_2244, 0x432a_ff97, 0xab94_23a7, 0xfc93_a039, 0x655b_59c3, 0x8f0c_cc92, 0xffef_f47d, 0x8584_5dd1,
        0x6fa8_7e4f, 0xfe2c_e6e0, 0xa301_4314, 0x4e08_11a1, 0xf753_7e82, 0xbd3a_f235, 0x2ad7_d2bb, 0xeb86_d391,
    ]

    /// One 64-byte block starting at `base`.
    mutating func compress(_ block: [UInt8], at base: Int) {
        // Message word g of the block, little-endian (read on demand: no per-block allocation).
        func m(_ g: Int) -> UInt32 {
            let o = base + g * 4
            return UInt32(block[o]) | UInt32(block[o + 1]) << 8 | UInt32(block[o + 2]) << 16 | UInt32(block[o + 3]) << 24
        }
        var a = a0, b = b0, c = c0, d = d0
        for i in 0..<64 {
            var f: UInt32
            let g: Int
            switch i {
            case 0..<16: f = (b & c) | (~b & d); g = i
            case 16..<32: f = (d & b) | (~d & c); g = (5 * i + 1) % 16
            case 32..<48: f = b ^ c ^ d; g = (3 * i + 5) % 16
            default: f = c ^ (b | ~d); g = (7 * i) % 16
            }
            f = f &+ a &+ Self.table[i] &+ m(g)
            a = d
            d = c
            c = b
            b = b &+ ((f << Self.shifts[i]) | (f >> (32 - Self.shifts[i])))
        }
        a0 = a0 &+ a
        b0 = b0 &+ b
        c0 = c0 &+ c
        d0 = d0 &+ d
    }
}
