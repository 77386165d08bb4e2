import Digest

/// The visitor id of ngx_http_userid_filter_module: 16 bytes, read as four 32-bit words in the host's (little-endian)
/// order, as nginx keeps them in a `uint32_t[4]`. Mode `v1` stores its words in that order, mode `on` in network
/// order, so the same id prints differently in `$uid_set` than it is built; both match nginx's bytes and text.
struct UserIDValue: Equatable {
    var words: SIMD4<UInt32>

    init(_ w0: UInt32, _ w1: UInt32, _ w2: UInt32, _ w3: UInt32) { words = SIMD4(w0, w1, w2, w3) }

    /// nginx's test for "there is an id": its last word is not zero.
    var isPresent: Bool { words[3] != 0 }

    /// What a cookie value yields: the id from its first 22 characters (the rest may be a mark or nginx's
    /// historic garbage instead of the `==` padding, which is why nginx reads no further).
    enum Decoded: Equatable { case tooShort, invalid, id(UserIDValue) }

    static func decode(_ value: some Collection<UInt8>) -> Decoded {
        guard value.count >= 22 else { return .tooShort }
        guard let bytes = Base64.decodeToPadding(value.prefix(22)) else { return .invalid }
        var w: [UInt32] = [0, 0, 0, 0]
        for (i, b) in bytes.prefix(16).enumerated() { w[i / 4] |= UInt32(b) << (8 * UInt32(i % 4)) }
        return .id(UserIDValue(w[0], w[1], w[2], w[3]))
    }

    /// The id's bytes in memory order.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16)
        for i in 0..<4 {
            for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: words[i] >> UInt32(8 * k))) }
        }
        return out
    }

    /// The cookie's value: 24 base64 characters, the first padding `=` replaced by the mark if there is one.
    func cookieValue(mark: UInt8?) -> [UInt8] {
        var out = Base64.encode(bytes)
        if let m = mark { out[22] = m }
        return out
    }

    /// `NAME=` and the four words as eight uppercase hex digits each: `$uid_got`, `$uid_set` (nginx's `%08XD`).
    func appendText(name: [UInt8], to out: inout [UInt8]) {
        out.append(contentsOf: name)
        out.append(UInt8(ascii: "="))
        for i in 0..<4 {
            let w = words[i]
            for shift in stride(from: 28, through: 0, by: -4) {
                out.append(Self.hexDigits[Int((w >> UInt32(shift)) & 0xf)])
            }
        }
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)
}
