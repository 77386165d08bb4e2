/// Byte classes and case-insensitive comparisons used by every parser in this module.
///
/// Classes are bit masks over 0...127 rather than lookup arrays: no global initialisation and no
/// bounds check on the hot path.
enum ASCII {
    static let cr: UInt8 = 13
    static let lf: UInt8 = 10
    static let sp: UInt8 = 32
    static let htab: UInt8 = 9
    static let colon: UInt8 = 58
    static let semicolon: UInt8 = 59
    static let comma: UInt8 = 44
    static let equals: UInt8 = 61
    static let slash: UInt8 = 47
    static let question: UInt8 = 63
    static let percent: UInt8 = 37
    static let dot: UInt8 = 46
    static let hash: UInt8 = 35
    static let quote: UInt8 = 34
    static let backslash: UInt8 = 92
    static let ampersand: UInt8 = 38

    // RFC 9110 tchar: "!#$%&'*+-.^_`|~", DIGIT, ALPHA.
    private static let tcharLow: UInt64 = 0x03ff_6cfa_0000_0000
    private static let tcharHigh: UInt64 = 0x57ff_ffff_c7ff_fffe

    @inline(__always)
    static func isTChar(_ b: UInt8) -> Bool {
        if b < 64 { return (tcharLow >> UInt64(b)) & 1 == 1 }
        if b < 128 { return (tcharHigh >> UInt64(b &- 64)) & 1 == 1 }
        return false
    }

    /// nginx's valid header-name bytes (ngx_http_parse_header_line's `lowcase` table): letters, digits, `-`.
    /// `_` only with `underscores_in_headers on`; any other byte makes the field invalid.
    @inline(__always)
    static func isNginxNameByte(_ b: UInt8) -> Bool {
        (b | 0x20) &- 97 < 26 || b &- 48 < 10 || b == 45
    }

    /// A host name byte in an absolute-form target (nginx's sw_host): letters, digits, `-` and `.`.
    @inline(__always)
    static func isHostNameByte(_ b: UInt8) -> Bool { isNginxNameByte(b) || b == dot }

    /// Bytes allowed inside a field value: HTAB, SP, VCHAR, obs-text. CR, LF, NUL, other controls and DEL are not.
    @inline(__always)
    static func isFieldValueByte(_ b: UInt8) -> Bool {
        b == htab || (b >= 0x20 && b != 0x7f)
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b &- 48 < 10 }

    @inline(__always)
    static func isOWS(_ b: UInt8) -> Bool { b == sp || b == htab }

    @inline(__always)
    static func lower(_ b: UInt8) -> UInt8 { b &- 65 < 26 ? b | 0x20 : b }

    /// Value of a hex digit, or nil.
    @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt8? {
        if b &- 48 < 10 { return b &- 48 }
        let l = b | 0x20
        if l &- 97 < 6 { return l &- 87 }
        return nil
    }

    /// Case-insensitive equality of `bytes` with an already-lowercase ASCII `name`.
    @inline(__always)
    static func equalsLowercased<C: Collection<UInt8>>(_ bytes: C, _ name: StaticString) -> Bool {
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
    static func equalsIgnoringCase<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        guard a.count == b.count else { return false }
        var ib = b.startIndex
        for x in a {
            if lower(x) != lower(b[ib]) { return false }
            ib = b.index(after: ib)
        }
        return true
    }
}

extension StaticString {
    /// The literal's bytes as an array (for tables built once).
    var bytesArray: [UInt8] {
        withUTF8Buffer { Array($0) }
    }
}
