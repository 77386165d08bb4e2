/// Base64 (RFC 4648): the standard alphabet with padding (htpasswd hashes, `Authorization: Basic`), or the
/// URL-safe alphabet without it (signed sticky cookies).
public enum Base64 {
    public static let standard = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    public static let url = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func append(_ bytes: some Collection<UInt8>, to out: inout [UInt8], alphabet: [UInt8] = standard,
                              padded: Bool = true) {
        var bits: UInt32 = 0
        var count = 0
        var written = 0
        for b in bytes {
            bits = bits << 8 | UInt32(b)
            count += 8
            while count >= 6 {
                count -= 6
                out.append(alphabet[Int((bits >> UInt32(count)) & 63)])
                written += 1
            }
        }
        if count > 0 {
            out.append(alphabet[Int((bits << UInt32(6 - count)) & 63)])
            written += 1
        }
        if padded { while written % 4 != 0 { out.append(UInt8(ascii: "=")); written += 1 } }
    }

    public static func encode(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        append(bytes, to: &out)
        return out
    }

    /// The standard alphabet decoded; padding optional, nothing after it. Nil on any other byte.
    public static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        var bits: UInt32 = 0, count = 0, padding = 0
        for c in text {
            if c == UInt8(ascii: "=") { padding += 1; continue }
            guard padding == 0, let v = sextet(c) else { return nil }
            bits = bits << 6 | UInt32(v)
            count += 6
            if count >= 8 {
                count -= 8
                out.append(UInt8(truncatingIfNeeded: bits >> UInt32(count)))
            }
        }
        return padding > 2 ? nil : out
    }

    static func sextet(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return c - 65
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return c - 97 + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - 48 + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
