/// An address block as nginx's `ngx_ptocidr` reads it: `192.168.1.0/24`, `10.0.0.1` (a /32), `2001:db8::/32`.
/// Used by `allow`/`deny`, `set_real_ip_from` and `geo`. Pure: parsed without the C library, so the
/// configuration stays testable and fuzzable as values.
public struct CIDR: Sendable, Hashable {
    /// 4 bytes (IPv4) or 16 (IPv6), with the bits past the prefix cleared.
    public let address: [UInt8]
    public let prefixLength: Int

    public init(address: [UInt8], prefixLength: Int) {
        self.prefixLength = prefixLength
        self.address = CIDR.masked(address, prefixLength)
    }

    public var isIPv6: Bool { address.count == 16 }

    /// Whether `bytes` (a 4- or 16-byte binary address) lies in the block. An IPv4-mapped IPv6 address
    /// (`::ffff:1.2.3.4`) matches IPv4 blocks, as nginx's access module does.
    public func contains(_ bytes: [UInt8]) -> Bool {
        if bytes.count == address.count { return CIDR.prefixMatches(bytes, 0, address, prefixLength) }
        if address.count == 4, bytes.count == 16, CIDR.isV4Mapped(bytes) {
            return CIDR.prefixMatches(bytes, 12, address, prefixLength)
        }
        return false
    }

    public enum ParseResult: Sendable, Equatable {
        case block(CIDR)
        /// A valid block whose address had bits set past the prefix: nginx warns "low address bits of … are
        /// meaningless" and uses the masked block.
        case lowBitsSet(CIDR)
        case invalid
    }

    /// `addr[/len]`.
    public static func parse(_ text: String) -> ParseResult {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let bytes = IPAddressText.parse(Substring(parts[0])) else { return .invalid }
        let bits = bytes.count * 8
        var length = bits
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let n = Int(digits), n <= bits
            else { return .invalid }
            length = n
        }
        let block = CIDR(address: bytes, prefixLength: length)
        return block.address == bytes ? .block(block) : .lowBitsSet(block)
    }

    static func isV4Mapped(_ b: [UInt8]) -> Bool {
        b.count == 16 && b[0..<10].allSatisfy { $0 == 0 } && b[10] == 0xff && b[11] == 0xff
    }

    private static func masked(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
        var out = bytes
        for i in out.indices {
            let keep = max(0, min(8, length - i * 8))
            out[i] &= keep == 8 ? 0xff : UInt8(truncatingIfNeeded: 0xff << (8 - keep))
        }
        return out
    }

    private static func prefixMatches(_ bytes: [UInt8], _ offset: Int, _ block: [UInt8], _ length: Int) -> Bool {
        var remaining = length
        var i = 0
        while remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xff : UInt8(truncatingIfNeeded: 0xff << (8 - remaining))
            if bytes[offset + i] & mask != block[i] { return false }
            remaining -= 8
            i += 1
        }
        return true
    }
}

/// Numeric IPv4 and IPv6 addresses as text, to their binary form (what `inet_pton` accepts).
public enum IPAddressText {
    /// 4 bytes for `a.b.c.d`, 16 for an IPv6 address (with `::` and a trailing dotted quad); nil otherwise.
    public static func parse(_ text: Substring) -> [UInt8]? {
        if text.contains(":") { return parseV6(text) }
        return parseV4(text)
    }

    /// The same over bytes, with no String work on the common IPv4 form: realip reads every request's forwarded
    /// address through it (the String path cost about 10,000 instructions a request).
    public static func parse(bytes: ArraySlice<UInt8>) -> [UInt8]? {
        if bytes.contains(UInt8(ascii: ":")) { return parseV6(Substring(String(decoding: bytes, as: UTF8.self))) }
        return parseV4(bytes: bytes)
    }

    /// `a.b.c.d`, each part one to three ASCII digits up to 255.
    public static func parseV4(bytes: ArraySlice<UInt8>) -> [UInt8]? {
        parseV4Word(bytes: bytes).map(v4Bytes)
    }

    /// An IPv4 address word as its four bytes, most significant first.
    public static func v4Bytes(_ word: UInt32) -> [UInt8] {
        [UInt8(truncatingIfNeeded: word >> 24), UInt8(truncatingIfNeeded: word >> 16),
         UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word)]
    }

    /// `parseV4(bytes:)` as one big-endian word, no array: realip reads one forwarded address a request.
    public static func parseV4Word(bytes: ArraySlice<UInt8>) -> UInt32? {
        var word: UInt32 = 0
        var value: UInt32 = 0, digits = 0, dots = 0
        for c in bytes {
            if c == UInt8(ascii: ".") {
                guard digits > 0, dots < 3 else { return nil }
                word = word << 8 | value; value = 0; digits = 0; dots += 1
                continue
            }
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9"), digits < 3 else { return nil }
            value = value * 10 + UInt32(c - UInt8(ascii: "0"))
            digits += 1
            if value > 255 { return nil }
        }
        guard digits > 0, dots == 3 else { return nil }
        return word << 8 | value
    }

    public static func parseV4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(4)
        for part in parts {
            // ASCII digits only (`Character.isNumber` alone takes other scripts' digits).
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let v = Int(part), v <= 255
            else { return nil }
            out.append(UInt8(v))
        }
        return out
    }

    static func parseV6(_ text: Substring) -> [UInt8]? {
        // Split once at `::` (at most one), then read the groups on each side.
        let halves = text.split(separator: "::", maxSplits: 2, omittingEmptySubsequences: false)
        guard halves.count <= 2 else { return nil }
        guard var left = groups(halves[0], last: halves.count == 1) else { return nil }
        var right: [UInt8] = []
        if halves.count == 2 {
            guard let r = groups(halves[1], last: true) else { return nil }
            right = r
            guard left.count + right.count <= 14 else { return nil }
            left.append(contentsOf: repeatElement(0, count: 16 - left.count - right.count))
        }
        left.append(contentsOf: right)
        return left.count == 16 ? left : nil
    }

    /// `a:b:c` (or empty) as bytes; the last group of the address may be a dotted quad.
    private static func groups(_ text: Substring, last: Bool) -> [UInt8]? {
        var out: [UInt8] = []
        if text.isEmpty { return out }
        let pieces = text.split(separator: ":", omittingEmptySubsequences: false)
        for (i, piece) in pieces.enumerated() {
            if last, i == pieces.count - 1, piece.contains(".") {
                guard let v4 = parseV4(piece) else { return nil }
                out.append(contentsOf: v4)
                continue
            }
            guard !piece.isEmpty, piece.count <= 4, piece.allSatisfy({ $0.isASCII && $0.isHexDigit }),
                  let v = UInt16(piece, radix: 16)
            else { return nil }
            out.append(UInt8(v >> 8))
            out.append(UInt8(v & 0xff))
        }
        return out.count <= 16 ? out : nil
    }
}
