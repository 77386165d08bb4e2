import ASCIIBytes

/// Targeted cache-control fields (RFC 9213): `CDN-Cache-Control`, and a switchyard-specific one the configuration
/// names (`proxy_cache_target_field`), which tell this cache what `Cache-Control` tells every cache.
///
///     CacheTargetedField.select([nil, Array("max-age=600".utf8)])   // the second field's value
///     CacheTargetedField.select([Array("max-age=\"x".utf8)])         // nil: invalid, so Cache-Control counts
///
/// §2.2: the first field of the target list (most specific first) with a valid, non-empty value decides the
/// caching policy, and `Cache-Control` and `Expires` are then ignored. The value is a Structured Fields Dictionary
/// (RFC 8941 §3.2); one that does not parse counts as absent.
public enum CacheTargetedField {
    /// The value to use, in target list order; nil when none is valid and non-empty.
    public static func select(_ values: [[UInt8]?]) -> [UInt8]? {
        for case let v? in values where isValidDictionary(v) { return v }
        return nil
    }

    /// RFC 8941 §4.2.2's dictionary parsing, as a check: non-empty and well-formed.
    public static func isValidDictionary(_ v: [UInt8]) -> Bool {
        var p = Parser(bytes: v)
        p.skipSP()
        if p.atEnd { return false }
        while true {
            guard p.key() else { return false }
            if p.peek == UInt8(ascii: "=") {
                p.i += 1
                guard p.itemOrInnerList() else { return false }
            } else {
                guard p.parameters() else { return false }
            }
            p.skipOWS()
            if p.atEnd { return true }
            guard p.peek == UInt8(ascii: ",") else { return false }
            p.i += 1
            p.skipOWS()
            if p.atEnd { return false }   // a trailing comma
        }
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0
        var atEnd: Bool { i >= bytes.count }
        var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

        mutating func skipSP() { while peek == 32 { i += 1 } }
        mutating func skipOWS() { while peek == 32 || peek == 9 { i += 1 } }

        static func isLCAlpha(_ c: UInt8) -> Bool { c &- 97 < 26 }
        static func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) &- 97 < 26 }
        static func isDigit(_ c: UInt8) -> Bool { c &- 48 < 10 }

        mutating func key() -> Bool {
            guard let c = peek, Self.isLCAlpha(c) || c == UInt8(ascii: "*") else { return false }
            i += 1
            while let c = peek, Self.isLCAlpha(c) || Self.isDigit(c) || c == 95 || c == 45 || c == 46 || c == 42 { i += 1 }
            return true
        }

        mutating func parameters() -> Bool {
            while peek == UInt8(ascii: ";") {
                i += 1
                skipSP()
                guard key() else { return false }
                if peek == UInt8(ascii: "=") {
                    i += 1
                    guard bareItem() else { return false }
                }
            }
            return true
        }

        mutating func itemOrInnerList() -> Bool {
            if peek == UInt8(ascii: "(") {
                i += 1
                while true {
                    skipSP()
                    if peek == UInt8(ascii: ")") { i += 1; return parameters() }
                    guard bareItem(), parameters() else { return false }
                    guard peek == 32 || peek == UInt8(ascii: ")") else { return false }
                }
            }
            return bareItem() && parameters()
        }

        mutating func bareItem() -> Bool {
            guard let c = peek else { return false }
            if c == UInt8(ascii: "-") || Self.isDigit(c) { return number() }
            if c == UInt8(ascii: "\"") { return string() }
            if c == UInt8(ascii: "*") || Self.isAlpha(c) {
                i += 1
                while let t = peek, ASCII.isTChar(t) || t == UInt8(ascii: ":") || t == UInt8(ascii: "/") { i += 1 }
                return true
            }
            if c == UInt8(ascii: ":") {   // byte sequence: base64 between colons
                i += 1
                while let t = peek, t != UInt8(ascii: ":") {
                    guard Self.isAlpha(t) || Self.isDigit(t) || t == 43 || t == 47 || t == 61 else { return false }
                    i += 1
                }
                guard peek == UInt8(ascii: ":") else { return false }
                i += 1
                return true
            }
            if c == UInt8(ascii: "?") {
                i += 1
                guard peek == UInt8(ascii: "0") || peek == UInt8(ascii: "1") else { return false }
                i += 1
                return true
            }
            return false
        }

        /// Integer (at most 15 digits) or decimal (at most 12 digits, a dot, 1 to 3 digits).
        mutating func number() -> Bool {
            if peek == UInt8(ascii: "-") { i += 1 }
            var digits = 0, fraction = -1
            while let c = peek {
                if Self.isDigit(c) {
                    if fraction >= 0 { fraction += 1 } else { digits += 1 }
                } else if c == UInt8(ascii: "."), fraction < 0, digits > 0 {
                    fraction = 0
                } else {
                    break
                }
                i += 1
            }
            if digits == 0 { return false }
            return fraction < 0 ? digits <= 15 : digits <= 12 && fraction >= 1 && fraction <= 3
        }

        mutating func string() -> Bool {
            i += 1
            while let c = peek {
                i += 1
                if c == UInt8(ascii: "\\") {
                    guard peek == UInt8(ascii: "\"") || peek == UInt8(ascii: "\\") else { return false }
                    i += 1
                } else if c == UInt8(ascii: "\"") {
                    return true
                } else if c < 0x20 || c > 0x7E {
                    return false
                }
            }
            return false
        }
    }
}
