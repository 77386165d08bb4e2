/// Base64 (RFC 4648): the standard alphabet with padding (htpasswd hashes, `Authorization: Basic`), or the
/// URL-safe alphabet without it (signed sticky cookies, secure links).
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
        let data = text.prefix { $0 != UInt8(ascii: "=") }
        let padding = text.dropFirst(data.count)
        guard padding.count <= 2, padding.allSatisfy({ $0 == UInt8(ascii: "=") }) else { return nil }
        return bytes(of: data, url: false)
    }

    /// The URL-safe alphabet as nginx's ngx_decode_base64url reads it (`secure_link`): the text ends at its
    /// first `=`, whatever follows; nil for another byte before it, or a length that holds no whole byte.
    public static func decodeURL(_ text: some Collection<UInt8>) -> [UInt8]? { decodeToPadding(text, url: true) }

    /// The standard alphabet as nginx's ngx_decode_base64 reads it (`userid` cookies), by decodeURL's rule.
    public static func decodeToPadding(_ text: some Collection<UInt8>, url: Bool = false) -> [UInt8]? {
        let data = text.prefix { $0 != UInt8(ascii: "=") }
        guard data.count % 4 != 1 else { return nil }
        return bytes(of: data, url: url)
    }

    private static func bytes(of data: some Collection<UInt8>, url: Bool) -> [UInt8]? {
        var out: [UInt8] = []
        var bits: UInt32 = 0, count = 0
        for c in data {
            guard let v = sextet(c, url: url) else { return nil }
            bits = bits << 6 | UInt32(v)
            count += 6
            if count >= 8 {
                count -= 8
                out.append(UInt8(truncatingIfNeeded: bits >> UInt32(count)))
            }
        }
        return out
    }

    static func sextet(_ c: UInt8, url: Bool = false) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return c - 65
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return c - 97 + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - 48 + 52
        case UInt8(ascii: "+"): return url ? nil : 62
        case UInt8(ascii: "/"): return url ? nil : 63
        case UInt8(ascii: "-"): return url ? 62 : nil
        case UInt8(ascii: "_"): return url ? 63 : nil
        default: return nil
        }
    }
}
