/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), in nginx's three steps so that a running
/// value can be forked, as `hash … consistent` does for each server's points.
///
///     CRC32.checksum(Array("123456789".utf8))   // 0xCBF43926
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 {
            c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1
        }
        return c
    }

    public static let initial: UInt32 = 0xFFFF_FFFF

    public static func update(_ crc: UInt32, _ bytes: some Sequence<UInt8>) -> UInt32 {
        var c = crc
        for byte in bytes {
            c = table[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8)
        }
        return c
    }

    public static func finish(_ crc: UInt32) -> UInt32 { crc ^ 0xFFFF_FFFF }

    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        finish(update(initial, bytes))
    }
}
