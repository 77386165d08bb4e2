/// One direction of a `charset_map` (nginx's ngx_http_charset_filter_module tables), built at load and shared
/// read-only by every worker. Bytes below 0x80 are ASCII in every charset nginx maps, and stay what they are
/// unless a map line says otherwise; other bytes a map does not name become `?`.
public enum CharsetTable: Sendable, Equatable {
    /// 8-bit to 8-bit: 256 bytes, indexed by the source byte.
    case bytes([UInt8])
    /// 8-bit to UTF-8: each source byte's UTF-8 sequence (one to three bytes).
    case toUTF8([[UInt8]])
    /// UTF-8 to 8-bit: 256 pages of 256 bytes by code point (nil: a page with nothing mapped), 0 for a character
    /// the map does not have (written as `&#NNNN;`).
    case fromUTF8([[UInt8]?])

    /// Whether the recoded body may have another length than the source (UTF-8 on either side).
    public var changesLength: Bool {
        if case .bytes = self { return false }
        return true
    }

    /// The two tables of a map's lines: `from → to` and its reverse. `utf8`: the second charset is UTF-8, and
    /// `pairs` give each byte's UTF-8 sequence (at most three bytes, a code point below 0x10000: checked by the
    /// caller). Later lines win, as in nginx.
    public static func pair(utf8: Bool, lines: [(UInt8, [UInt8])]) -> (forward: CharsetTable, reverse: CharsetTable) {
        if !utf8 {
            var forward = [UInt8](repeating: UInt8(ascii: "?"), count: 256)
            for i in 0..<128 { forward[i] = UInt8(i) }
            var reverse = forward
            for (src, dst) in lines {
                forward[Int(src)] = dst[0]
                reverse[Int(dst[0])] = src
            }
            return (.bytes(forward), .bytes(reverse))
        }
        var forward = [[UInt8]](repeating: [UInt8(ascii: "?")], count: 256)
        var pages = [[UInt8]?](repeating: nil, count: 256)
        var first = [UInt8](repeating: 0, count: 256)
        for i in 0..<128 { forward[i] = [UInt8(i)]; first[i] = UInt8(i) }
        pages[0] = first
        for (src, sequence) in lines {
            forward[Int(src)] = sequence
            guard let n = UTF8Decode.scalar(sequence), n < 0x10000 else { continue }
            let page = Int(n >> 8)
            if pages[page] == nil { pages[page] = [UInt8](repeating: 0, count: 256) }
            pages[page]![Int(n & 0xff)] = src
        }
        return (.toUTF8(forward), .fromUTF8(pages))
    }
}

/// nginx's ngx_utf8_decode on a complete sequence: the code point, or nil for an invalid or incomplete one.
public enum UTF8Decode {
    public static func scalar(_ bytes: [UInt8]) -> UInt32? {
        guard !bytes.isEmpty else { return nil }
        switch step(bytes[...]) {
        case .scalar(let n, let used) where used == bytes.count: return n
        default: return nil
        }
    }

    public enum Step: Equatable {
        /// A character of `used` bytes (may be above 0x10ffff: nginx's decoder does not cap it).
        case scalar(UInt32, used: Int)
        /// Not UTF-8; `used` bytes are consumed (an ASCII byte where a continuation byte should be included).
        case invalid(used: Int)
        /// The sequence continues past the end of the input.
        case incomplete
    }

    /// One character from the start of `bytes` (not empty, first byte ≥ 0x80), as ngx_utf8_decode reads it: the
    /// length from the lead byte, incomplete when fewer bytes follow, overlong forms invalid.
    public static func step<C: Collection<UInt8>>(_ bytes: C) -> Step where C.Index == Int {
        let start = bytes.startIndex
        var u = UInt32(bytes[start])
        let valid: UInt32, length: Int
        switch u {
        case 0xf8...: return .invalid(used: 1)
        case 0xf0...: u &= 0x07; valid = 0xffff; length = 3
        case 0xe0...: u &= 0x0f; valid = 0x7ff; length = 2
        case 0xc2...: u &= 0x1f; valid = 0x7f; length = 1
        default: return .invalid(used: 1)
        }
        if bytes.count - 1 < length { return .incomplete }
        for k in 1...length {
            let b = UInt32(bytes[start + k])
            if b < 0x80 { return .invalid(used: k + 1) }
            u = (u << 6) | (b & 0x3f)
        }
        return u > valid ? .scalar(u, used: length + 1) : .invalid(used: length + 1)
    }
}
