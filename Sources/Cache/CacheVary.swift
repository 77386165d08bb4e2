import Digest
import ASCIIBytes
/// `Vary` handling: which request headers select a variant, the hash of their values, and which key a variant
/// lives under (nginx's main and secondary keys).
///
///     let names = CacheVary.names(Array("Accept-Encoding, Cookie".utf8))!   // [accept-encoding, cookie]
///     let h = CacheVary.hash(names: names) { name in requestHeaderValue(name) }
///
/// The hash goes in the entry. The entry under the main key is the last response stored there; a lookup whose own
/// hash differs goes on to the secondary key `CacheKey.variant(hash)` (nginx's `ngx_http_file_cache_reopen`), so
/// each variant has a file of its own and a `Vary: Cookie` response is never served to another user's cookie.
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

    /// MD5 over `name: value\r\n` for each name, in order; an absent header hashes as empty. `fields(name)` returns
    /// the values of every request line with that lowercased name, in order: they count joined by ",". For
    /// `Accept-Charset`, `-Encoding` and `-Language` (lists whose spacing means nothing) spaces and empty elements are
    /// dropped first, as nginx does, so `gzip, deflate` and `gzip,deflate` are one variant.
    public static func hash(names: [[UInt8]], fields: (_ lowercasedName: [UInt8]) -> [ArraySlice<UInt8>]) -> CacheDigest {
        var md5 = MD5()
        for name in names {
            md5.update(name)
            md5.update([UInt8(ascii: ":"), UInt8(ascii: " ")])
            md5.update(value(fields(name), normalized: isList(name)))
            md5.update([13, 10])
        }
        return CacheDigest(bytes: md5.finalize())!
    }

    /// `hash(names:fields:)` for a request with at most one line a name.
    public static func hash(names: [[UInt8]], value: (_ lowercasedName: [UInt8]) -> [UInt8]?) -> CacheDigest {
        hash(names: names, fields: { name in value(name).map { [$0[...]] } ?? [] })
    }

    /// The request's value as hashed: its lines joined by ","; for a list field, its elements without spaces.
    static func value(_ lines: [ArraySlice<UInt8>], normalized: Bool) -> [UInt8] {
        var out: [UInt8] = []
        if !normalized {
            for (n, line) in lines.enumerated() {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                out += line
            }
            return out
        }
        for line in lines {
            var i = line.startIndex
            while i < line.endIndex {
                while i < line.endIndex && isSeparator(line[i]) { i += 1 }
                let start = i
                while i < line.endIndex && !isSeparator(line[i]) { i += 1 }
                if start == i { break }
                if !out.isEmpty { out.append(UInt8(ascii: ",")) }
                out += line[start..<i]
            }
        }
        return out
    }

    private static func isSeparator(_ b: UInt8) -> Bool { b == 32 || b == 9 || b == UInt8(ascii: ",") }

    private static let lists: [[UInt8]] = [Array("accept-charset".utf8), Array("accept-encoding".utf8),
                                           Array("accept-language".utf8)]
    private static func isList(_ name: [UInt8]) -> Bool { lists.contains(name) }

    /// Where a response is stored (nginx's `ngx_http_file_cache_update_variant`): under the secondary key the lookup
    /// went on to only when the response varies and this request's hash is that key's; otherwise under the main key,
    /// replacing the entry there (a response that stopped varying, or varies on other fields, becomes the main entry).
    public static func storeKey(main: CacheKey, lookedUp: CacheKey, responseHash: CacheDigest?) -> CacheKey {
        guard lookedUp != main, let h = responseHash, main.variant(h) == lookedUp else { return main }
        return lookedUp
    }

    /// May a secondary entry stand beside this main entry? Only if it is of the main entry's line: otherwise the
    /// entry it was a variant of was dropped since (an unsafe method's invalidation, eviction), and it may hold
    /// what the invalidation meant to remove.
    public static func isCurrent(_ secondary: CacheEntryMeta, main: CacheEntryMeta) -> Bool {
        secondary.variantLine == main.variantLine
    }

    /// The `variantLine` of a response stored under the main key: a replaced live main entry's variants stay
    /// current, a main entry stored where there was none starts a new line.
    public static func variantLine(replacing mainLine: UInt32?) -> UInt32 {
        mainLine ?? UInt32.random(in: 1...UInt32.max)
    }

    /// The hash of "no Vary": stored in entries whose response had none.
    public static let none = CacheDigest(bytes: [UInt8](repeating: 0, count: 16))!
}
