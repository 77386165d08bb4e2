import Digest
import ASCIIBytes
/// `Vary` handling: which request headers select a variant, and the hash of their values.
///
///     let names = CacheVary.names(Array("Accept-Encoding, Cookie".utf8))!   // [accept-encoding, cookie]
///     let h = CacheVary.hash(names: names) { name in requestHeaderValue(name) }
///
/// The hash goes in the entry; a lookup whose own hash differs is a different variant
/// (`CacheKey.variant(_:)`), so a `Vary: Cookie` response is never served to another user's cookie.
public enum CacheVary {
    /// Lowercased, sorted, de-duplicated names; nil for `*` or a value over 128 bytes (not cacheable).
    public static func names(_ vary: [UInt8]) -> [[UInt8]]? {
        guard vary.count <= CachePolicy.maxVaryLength else { return nil }
        var names = Set<[UInt8]>()
        for element in vary.split(separator: UInt8(ascii: ",")) {
            let name = ASCII.lowercased(ASCII.trim(element))
            if name.isEmpty { continue }
            if name == [UInt8(ascii: "*")] { return nil }
            names.insert(name)
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// MD5 over `name: value\r\n` for each name, in order; an absent header hashes as empty.
    /// `value(name)` returns the request's value for a lowercased header name (lines joined by ", ").
    public static func hash(names: [[UInt8]], value: (_ lowercasedName: [UInt8]) -> [UInt8]?) -> CacheDigest {
        var md5 = MD5()
        for name in names {
            md5.update(name)
            md5.update([UInt8(ascii: ":"), UInt8(ascii: " ")])
            md5.update(value(name) ?? [])
            md5.update([13, 10])
        }
        return CacheDigest(bytes: md5.finalize())!
    }

    /// The hash of "no Vary": stored in entries whose response had none.
    public static let none = CacheDigest(bytes: [UInt8](repeating: 0, count: 16))!
}
