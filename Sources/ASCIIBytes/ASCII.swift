/// The one set of ASCII byte helpers: byte classes, case folding, comparison and trimming for protocol
/// text. HTTP1's parsers, Gzip, Cache, Proxy and Balancing all use these, so a rule (what a token byte
/// is, what "ignoring case" folds) has one definition.
///
/// Everything is `@inlinable`: these run in parsers' inner loops in other modules, where a call per byte
/// would cost more than the work. Classes are bit masks over 0...127 rather than lookup arrays: no global
/// initialisation and no bounds check on the hot path; constants are computed properties for the same reason.
///
///     ASCII.equalsLowercased(field, "content-length")   // field is any Collection<UInt8>
///     ASCII.trim(value[...])                           // without leading and trailing SP / HTAB
public enum ASCII {
    @inlinable public static var cr: UInt8 { 13 }
    @inlinable public static var lf: UInt8 { 10 }
    @inlinable public static var sp: UInt8 { 32 }
    @inlinable public static var htab: UInt8 { 9 }
    @inlinable public static var colon: UInt8 { 58 }
    @inlinable public static var semicolon: UInt8 { 59 }
    @inlinable public static var comma: UInt8 { 44 }
    @inlinable public static var equals: UInt8 { 61 }
    @inlinable public static var slash: UInt8 { 47 }
    @inlinable public static var question: UInt8 { 63 }
    @inlinable public static var percent: UInt8 { 37 }
    @inlinable public static var dot: UInt8 { 46 }
    @inlinable public static var hash: UInt8 { 35 }
    @inlinable public static var quote: UInt8 { 34 }
    @inlinable public static var backslash: UInt8 { 92 }
    @inlinable public static var ampersand: UInt8 { 38 }

    // RFC 9110 tchar: "!#$%&'*+-.^_`|~", DIGIT, ALPHA.
    @usableFromInline static var tcharLow: UInt64 { 0x03ff_6cfa_0000_0000 }
    @usableFromInline static var tcharHigh: UInt64 { 0x57ff_ffff_c7ff_fffe }

    /// An RFC 9110 token byte.
    @inlinable @inline(__always)
    public static func isTChar(_ b: UInt8) -> Bool {
        if b < 64 { return (tcharLow >> UInt64(b)) & 1 == 1 }
        if b < 128 { return (tcharHigh >> UInt64(b &- 64)) & 1 == 1 }
        return false
    }

    /// nginx's valid header-name bytes (ngx_http_parse_header_line's `lowcase` table): letters, digits, `-`.
    /// `_` only with `underscores_in_headers on`; any other byte makes the field invalid.
    @inlinable @inline(__always)
    public static func isNginxNameByte(_ b: UInt8) -> Bool {
        (b | 0x20) &- 97 < 26 || b &- 48 < 10 || b == 45
    }

    /// A host name byte in an absolute-form target (nginx's sw_host): letters, digits, `-` and `.`.
    @inlinable @inline(__always)
    public static func isHostNameByte(_ b: UInt8) -> Bool { isNginxNameByte(b) || b == dot }

    /// Bytes allowed inside a field value: HTAB, SP, VCHAR, obs-text. CR, LF, NUL, other controls and DEL are not.
    @inlinable @inline(__always)
    public static func isFieldValueByte(_ b: UInt8) -> Bool {
        b == htab || (b >= 0x20 && b != 0x7f)
    }

    @inlinable @inline(__always)
    public static func isDigit(_ b: UInt8) -> Bool { b &- 48 < 10 }

    /// Optional whitespace (RFC 9110 OWS): SP or HTAB.
    @inlinable @inline(__always)
    public static func isOWS(_ b: UInt8) -> Bool { b == sp || b == htab }

    /// `b` with A-Z folded to a-z; every other byte unchanged.
    @inlinable @inline(__always)
    public static func lower(_ b: UInt8) -> UInt8 { b &- 65 < 26 ? b | 0x20 : b }

    /// Value of a hex digit, or nil.
    @inlinable @inline(__always)
    public static func hexValue(_ b: UInt8) -> UInt8? {
        if b &- 48 < 10 { return b &- 48 }
        let l = b | 0x20
        if l &- 97 < 6 { return l &- 87 }
        return nil
    }

    /// Case-insensitive equality of `bytes` with an already-lowercase ASCII literal `name`.
    @inlinable @inline(__always)
    public static func equalsLowercased<C: Collection<UInt8>>(_ bytes: C, _ name: StaticString) -> Bool {
        guard bytes.count == name.utf8CodeUnitCount else { return false }
        let p = name.utf8Start
        var i = 0
        for b in bytes {
            if lower(b) != p[i] { return false }
            i += 1
        }
        return true
    }

    /// Case-insensitive equality of two byte collections (ASCII folding only).
    @inlinable
    public static func equalsIgnoringCase<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        guard a.count == b.count else { return false }
        var ib = b.startIndex
        for x in a {
            if lower(x) != lower(b[ib]) { return false }
            ib = b.index(after: ib)
        }
        return true
    }

    /// Whether `bytes` starts with the already-lowercase literal `prefix`, ignoring case.
    @inlinable
    public static func hasPrefixLowercased<C: Collection<UInt8>>(_ bytes: C, _ prefix: StaticString) -> Bool {
        let n = prefix.utf8CodeUnitCount
        guard bytes.count >= n else { return false }
        return equalsLowercased(bytes.prefix(n), prefix)
    }

    /// A lowercase copy.
    @inlinable
    public static func lowercased<C: Collection<UInt8>>(_ bytes: C) -> [UInt8] { bytes.map(lower) }

    /// `s` without leading and trailing OWS.
    @inlinable @inline(__always)
    public static func trim(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var lo = s.startIndex
        var hi = s.endIndex
        while lo < hi && isOWS(s[lo]) { lo += 1 }
        while hi > lo && isOWS(s[hi - 1]) { hi -= 1 }
        return s[lo..<hi]
    }

    /// The trimmed, non-empty elements of a comma-separated header value.
    @inlinable
    public static func elements(_ value: [UInt8]) -> [ArraySlice<UInt8>] {
        value.split(separator: comma).compactMap { part in
            let t = trim(part)
            return t.isEmpty ? nil : t
        }
    }

    /// Whether a `Cache-Control`-style value lists `directive` (an already-lowercase name; arguments ignored).
    @inlinable
    public static func hasDirective(_ value: [UInt8], _ directive: StaticString) -> Bool {
        for element in elements(value) where equalsLowercased(trim(element.prefix { $0 != equals }), directive) {
            return true
        }
        return false
    }
}
