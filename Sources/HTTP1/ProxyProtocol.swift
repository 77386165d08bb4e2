/// The PROXY protocol header a load balancer sends before the client's bytes (HAProxy's spec, versions 1 and
/// 2), as nginx reads it on `listen … proxy_protocol`: who the client and the address it reached were, and
/// version 2's TLVs, kept as bytes for the `$proxy_protocol_tlv_*` variables.
public struct ProxyProtocolHeader: Sendable, Equatable {
    public enum Address: Sendable, Equatable {
        /// Version 1: the text as sent (digits, hex, `.` and `:` only; not yet checked to be an address).
        case text([UInt8])
        /// Version 2: 4 or 16 bytes.
        case binary([UInt8])
    }

    /// nil for `UNKNOWN`, `LOCAL` and address families nginx does not read: the connection's own addresses stand.
    public var source: Address?
    public var sourcePort: UInt16 = 0
    public var destination: Address?
    public var destinationPort: UInt16 = 0
    /// Version 2's TLVs after the addresses, unparsed (`ProxyProtocol.tlv` reads them).
    public var tlvs: [UInt8] = []

    public init(source: Address? = nil, sourcePort: UInt16 = 0, destination: Address? = nil,
                destinationPort: UInt16 = 0, tlvs: [UInt8] = []) {
        self.source = source; self.sourcePort = sourcePort; self.destination = destination
        self.destinationPort = destinationPort; self.tlvs = tlvs
    }
}

/// nginx's ngx_proxy_protocol_read and its TLV lookup, over bytes (no sockets).
public enum ProxyProtocol {
    public enum ParseResult: Sendable, Equatable {
        /// The header and how many bytes it took; the client's own bytes follow.
        case parsed(ProxyProtocolHeader, length: Int)
        /// The bytes end inside the header.
        case incomplete
        /// Not a PROXY header; the text is nginx's log message.
        case invalid(String)
    }

    /// Version 1's longest line, and the most nginx reads of any header.
    public static let v1MaxLength = 107
    public static let maxLength = 4096
    static let signature: [UInt8] = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]

    public static func parse(_ b: ArraySlice<UInt8>) -> ParseResult {
        if b.first == signature[0] {
            // Version 2's binary signature (version 1 starts with `P`).
            let n = min(b.count, signature.count)
            guard b.prefix(n).elementsEqual(signature.prefix(n)) else { return broken(b) }
            return b.count < 16 ? .incomplete : v2(b)
        }
        return v1(b)
    }

    /// `PROXY TCP4 192.0.2.1 192.0.2.2 123 5678\r\n`, `PROXY TCP6 …`, or `PROXY UNKNOWN …\r\n`.
    static func v1(_ b: ArraySlice<UInt8>) -> ParseResult {
        // A prefix of what must come next: wait for more; anything else is broken.
        func expect(_ word: String, at p: Int) -> ParseResult? {
            let w = Array(word.utf8)
            if b[p...].starts(with: w) { return nil }
            return w.starts(with: b[p...]) ? .incomplete : broken(b)
        }
        var p = b.startIndex
        if let r = expect("PROXY ", at: p) { return r }
        p += 6
        if b[p...].starts(with: Array("UNKNOWN".utf8)) {
            var q = p + 7
            while q + 1 < b.endIndex {
                if b[q] == 0x0d && b[q + 1] == 0x0a { return .parsed(ProxyProtocolHeader(), length: q + 2 - b.startIndex) }
                q += 1
            }
            return b.count < v1MaxLength ? .incomplete : broken(b)
        }
        if Array("UNKNOWN".utf8).starts(with: b[p...]) { return .incomplete }
        if let r = expect("TCP", at: p) { return r }
        p += 3
        if b.endIndex - p < 2 { return b.endIndex == p || b[p] == 0x34 || b[p] == 0x36 ? .incomplete : broken(b) }
        guard b[p] == 0x34 || b[p] == 0x36, b[p + 1] == 0x20 else { return broken(b) }
        p += 2
        var header = ProxyProtocolHeader()
        var fields: [ArraySlice<UInt8>] = []
        // Two addresses ending in a space, a port ending in a space, a port ending in CR, then LF.
        for (terminator, isPort) in [(UInt8(0x20), false), (0x20, false), (0x20, true), (0x0d, true)] {
            var q = p
            while q < b.endIndex && b[q] != terminator {
                let c = b[q]
                let ok = isPort ? (c >= 0x30 && c <= 0x39)
                    : (c == 0x3a || c == 0x2e || (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x66))
                if !ok { return broken(b) }
                q += 1
            }
            if q == b.endIndex { return b.count < v1MaxLength ? .incomplete : broken(b) }
            if q == p { return broken(b) }
            fields.append(b[p..<q])
            p = q + 1
        }
        if p == b.endIndex { return b.count < v1MaxLength ? .incomplete : broken(b) }
        guard b[p] == 0x0a, let sourcePort = port(fields[2]), let destinationPort = port(fields[3]) else { return broken(b) }
        header.source = .text(Array(fields[0])); header.sourcePort = sourcePort
        header.destination = .text(Array(fields[1])); header.destinationPort = destinationPort
        let length = p + 1 - b.startIndex
        return length > v1MaxLength ? broken(b) : .parsed(header, length: length)
    }

    /// Decimal digits as a port, 0 to 65535.
    private static func port(_ digits: ArraySlice<UInt8>) -> UInt16? {
        var n = 0
        for c in digits {
            n = n * 10 + Int(c - 0x30)
            if n > 65535 { return nil }
        }
        return UInt16(n)
    }

    /// nginx's text: the bytes up to the first line end.
    private static func broken(_ b: ArraySlice<UInt8>) -> ParseResult {
        let line = b.prefix { $0 != 0x0d && $0 != 0x0a }
        return .invalid("broken header: \"\(String(decoding: line, as: UTF8.self))\"")
    }

    /// The binary form: signature, version and command, family and transport, length, addresses, TLVs.
    static func v2(_ b: ArraySlice<UInt8>) -> ParseResult {
        let s = b.startIndex
        let version = b[s + 12] >> 4
        guard version == 2 else { return .invalid("unknown PROXY protocol version: \(version)") }
        let length = Int(b[s + 14]) << 8 | Int(b[s + 15])
        let end = s + 16 + length
        guard 16 + length <= maxLength else { return .invalid("header is too large") }
        guard end <= b.endIndex else { return .incomplete }
        let total = 16 + length
        // Only PROXY (not LOCAL) over STREAM carries addresses nginx reads; the rest is skipped whole.
        guard b[s + 12] & 0x0f == 1, b[s + 13] & 0x0f == 1 else { return .parsed(ProxyProtocolHeader(), length: total) }
        let size: Int
        switch b[s + 13] >> 4 {
        case 1: size = 4
        case 2: size = 16
        default: return .parsed(ProxyProtocolHeader(), length: total)
        }
        let a = s + 16
        guard length >= 2 * size + 4 else { return .invalid("broken header: PROXY protocol v2 addresses are too short") }
        var header = ProxyProtocolHeader()
        header.source = .binary(Array(b[a..<(a + size)]))
        header.destination = .binary(Array(b[(a + size)..<(a + 2 * size)]))
        let ports = a + 2 * size
        header.sourcePort = UInt16(b[ports]) << 8 | UInt16(b[ports + 1])
        header.destinationPort = UInt16(b[ports + 2]) << 8 | UInt16(b[ports + 3])
        header.tlvs = Array(b[(ports + 4)..<end])
        return .parsed(header, length: total)
    }

    /// `$proxy_protocol_tlv_NAME`'s lookup: nginx's names (`alpn`, `authority`, `unique_id`, `ssl`, `netns`), a
    /// hex type (`0x05`), or an `ssl_` name for the SSL TLV's sub-TLVs (`ssl_version`, `ssl_cn`, `ssl_cipher`,
    /// `ssl_sig_alg`, `ssl_key_alg`) and `ssl_verify`, its verify field in decimal.
    public enum TLVName: Sendable, Equatable {
        case type(UInt8)
        case sslType(UInt8)
        case sslVerify
        /// Not a name nginx knows: the variable is empty (nginx logs it per request).
        case unknown(String)

        public init(_ name: String) {
            let names: [String: UInt8] = ["alpn": 0x01, "authority": 0x02, "unique_id": 0x05, "ssl": 0x20, "netns": 0x30]
            let sslNames: [String: UInt8] = ["version": 0x21, "cn": 0x22, "cipher": 0x23, "sig_alg": 0x24, "key_alg": 0x25]
            var rest = Substring(name)
            let ssl = rest.hasPrefix("ssl_")
            if ssl { rest = rest.dropFirst(4) }
            if ssl && rest == "verify" { self = .sslVerify; return }
            if rest.hasPrefix("0x"), let t = UInt8(rest.dropFirst(2), radix: 16) {
                self = ssl ? .sslType(t) : .type(t)
            } else if ssl, let t = sslNames[String(rest)] {
                self = .sslType(t)
            } else if !ssl, let t = names[String(rest)] {
                self = .type(t)
            } else {
                self = .unknown(name)
            }
        }
    }

    public enum TLVLookup: Sendable, Equatable {
        case found(ArraySlice<UInt8>)
        case absent
        /// A length runs past the end (nginx's "broken PROXY protocol TLV").
        case broken
    }

    /// The value of `name` among `tlvs`.
    public static func tlv(_ name: TLVName, in tlvs: [UInt8]) -> TLVLookup {
        switch name {
        case .unknown: return .absent
        case .type(let t): return find(t, in: tlvs[...])
        case .sslType, .sslVerify:
            let outer = find(0x20, in: tlvs[...])
            guard case .found(let ssl) = outer else { return outer }
            // The SSL TLV: client (1 byte), verify (4 bytes), then its own TLVs.
            guard ssl.count >= 5 else { return .broken }
            if case .sslType(let t) = name { return find(t, in: ssl.dropFirst(5)) }
            let v = ssl.startIndex + 1
            let verify = UInt32(ssl[v]) << 24 | UInt32(ssl[v + 1]) << 16 | UInt32(ssl[v + 2]) << 8 | UInt32(ssl[v + 3])
            return .found(Array(String(verify).utf8)[...])
        }
    }

    private static func find(_ type: UInt8, in tlvs: ArraySlice<UInt8>) -> TLVLookup {
        var p = tlvs.startIndex
        while p < tlvs.endIndex {
            guard tlvs.endIndex - p >= 3 else { return .broken }
            let length = Int(tlvs[p + 1]) << 8 | Int(tlvs[p + 2])
            let value = p + 3
            guard tlvs.endIndex - value >= length else { return .broken }
            if tlvs[p] == type { return .found(tlvs[value..<(value + length)]) }
            p = value + length
        }
        return .absent
    }
}
