import ASCIIBytes
import Digest
import HTTP1

/// A location's secure link mode, compiled (nil on a location without one): nginx's two ways of setting
/// `$secure_link`.
enum SecureLink {
    /// `secure_link` and `secure_link_md5`: "1", "0" when expired, empty for a bad hash.
    case md5(link: CompiledTemplate, md5: CompiledTemplate)
    /// `secure_link_secret`: `/prefix/<md5 hex>/link` gives the link.
    case secret([UInt8])

    /// `secure_link`'s value as nginx splits it: the hash before the first ",", the expiry after it.
    struct Link: Equatable {
        let hash: ArraySlice<UInt8>
        /// The expiry as written, for `$secure_link_expires`; nil without a ",".
        let expiresText: ArraySlice<UInt8>?
        /// Unix seconds; 0 without an expiry.
        let expires: Int64
    }

    /// Nil when an expiry is there but not a positive number (nginx's ngx_atotm): the link is not found.
    static func split(_ value: ArraySlice<UInt8>) -> Link? {
        guard let comma = value.firstIndex(of: UInt8(ascii: ",")) else {
            return Link(hash: value, expiresText: nil, expires: 0)
        }
        let text = value[(comma + 1)...]
        guard let expires = ASCIIDecimal.parseInt64(text), expires > 0 else { return nil }
        return Link(hash: value[..<comma], expiresText: text, expires: expires)
    }

    /// The 16 bytes a link's base64url hash stands for; nil for one that is too long, badly encoded or
    /// another length.
    static func digest(of hash: ArraySlice<UInt8>) -> [UInt8]? {
        guard hash.count <= 24, let bytes = Base64.decodeURL(hash), bytes.count == 16 else { return nil }
        return bytes
    }

    /// The md5 mode's `$secure_link` for a digest that decoded: "1", "0" when the link expired, nil when it is
    /// not the MD5 of `expected` (compared in constant time, as nginx does).
    static func verdict(digest: [UInt8], md5 expected: [UInt8], expires: Int64, now: Int64) -> StaticString? {
        var diff: UInt8 = 0
        for i in 0..<16 { diff |= digest[i] ^ expected[i] }
        guard diff == 0 else { return nil }
        return expires != 0 && expires < now ? "0" : "1"
    }

    /// The secret mode's `$secure_link`: in the request's unparsed URI `/prefix/<32 hex>/link`, the link, when
    /// the hex is the MD5 of the link followed by the secret; nil otherwise.
    static func secretLink(_ uri: ArraySlice<UInt8>, secret: [UInt8]) -> ArraySlice<UInt8>? {
        let rest = uri.dropFirst()
        guard let first = rest.firstIndex(of: UInt8(ascii: "/")),
              let second = rest[(first + 1)...].firstIndex(of: UInt8(ascii: "/")) else { return nil }
        let hex = rest[(first + 1)..<second], link = rest[(second + 1)...]
        guard hex.count == 32, !link.isEmpty else { return nil }
        var md5 = MD5()
        md5.update(link)
        md5.update(secret)
        let expected = md5.finalize()
        var diff: UInt8 = 0
        for (i, at) in stride(from: hex.startIndex, to: hex.endIndex, by: 2).enumerated() {
            guard let high = ASCII.hexValue(hex[at]), let low = ASCII.hexValue(hex[at + 1]) else { return nil }
            diff |= (high << 4 | low) ^ expected[i]
        }
        return diff == 0 ? link : nil
    }
}
