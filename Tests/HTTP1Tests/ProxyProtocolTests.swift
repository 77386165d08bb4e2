import HTTP1
import Testing

/// The PROXY protocol header as nginx reads it: version 1 text, version 2 binary, TLVs, and what is refused.
@Suite struct ProxyProtocolTests {
    static let v2Signature: [UInt8] = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]

    func parse(_ text: String) -> ProxyProtocol.ParseResult { ProxyProtocol.parse(Array(text.utf8)[...]) }

    @Test func version1TCP4AndTCP6() {
        let tcp4 = "PROXY TCP4 192.0.2.1 192.0.2.2 123 5678\r\n"
        #expect(parse(tcp4 + "GET / HTTP/1.0\r\n\r\n") == .parsed(ProxyProtocolHeader(
            source: .text(Array("192.0.2.1".utf8)), sourcePort: 123,
            destination: .text(Array("192.0.2.2".utf8)), destinationPort: 5678), length: tcp4.utf8.count))
        let tcp6 = "PROXY TCP6 2001:Db8::1 2001:Db8::2 123 5678\r\n"
        #expect(parse(tcp6) == .parsed(ProxyProtocolHeader(
            source: .text(Array("2001:Db8::1".utf8)), sourcePort: 123,
            destination: .text(Array("2001:Db8::2".utf8)), destinationPort: 5678), length: tcp6.utf8.count))
    }

    @Test(arguments: ["PROXY UNKNOWN\r\n", "PROXY UNKNOWN 1 2 3 4 5 6\r\n"])
    func version1Unknown(text: String) {
        #expect(parse(text + "GET /") == .parsed(ProxyProtocolHeader(), length: text.utf8.count))
    }

    /// Every strict prefix of a good header waits for more; the header split anywhere parses the same.
    @Test func prefixesAreIncomplete() {
        for text in ["PROXY TCP4 192.0.2.1 192.0.2.2 123 5678\r\n", "PROXY UNKNOWN\r\n"] {
            let bytes = Array(text.utf8)
            for n in 0..<bytes.count { #expect(ProxyProtocol.parse(bytes[0..<n]) == .incomplete, "\(n) bytes") }
        }
        var v2 = Self.v2Signature + [0x21, 0x11, 0x00, 12, 192, 0, 2, 1, 192, 0, 2, 2, 0, 123, 0x16, 0x2e]
        for n in 0..<v2.count { #expect(ProxyProtocol.parse(v2[0..<n]) == .incomplete, "v2, \(n) bytes") }
        v2 += Array("GET".utf8)
        guard case .parsed(_, 28) = ProxyProtocol.parse(v2[...]) else { Issue.record("v2 not parsed"); return }
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\n\r\n", "broken header: \"GET / HTTP/1.1\""),
        ("PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n", "broken header: \"PROXY TCP5 1.2.3.4 1.2.3.4 1 2\""),
        ("PROXY TCP4 1.2.3.x 1.2.3.4 1 2\r\n", "broken header: \"PROXY TCP4 1.2.3.x 1.2.3.4 1 2\""),
        ("PROXY TCP4 1.2.3.4 1.2.3.4 1 65536\r\n", "broken header: \"PROXY TCP4 1.2.3.4 1.2.3.4 1 65536\""),
        ("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\rX", "broken header: \"PROXY TCP4 1.2.3.4 1.2.3.4 1 2\""),
        ("PROXY TCP4  1.2.3.4 1 2\r\n", "broken header: \"PROXY TCP4  1.2.3.4 1 2\""),
    ] as [(String, String)])
    func version1Broken(text: String, message: String) {
        #expect(parse(text) == .invalid(message))
    }

    /// Longer than version 1's 107 bytes without a line end: broken, not waiting forever.
    @Test func version1IsBounded() {
        let long = "PROXY UNKNOWN " + String(repeating: "x", count: 100)
        guard case .invalid = parse(long) else { Issue.record("not refused"); return }
    }

    @Test func version2AddressesAndTLVs() {
        let tlvs: [UInt8] = [0x02, 0x00, 0x03] + Array("a.b".utf8) + [0x20, 0x00, 0x0b, 0x01, 0x00, 0x00, 0x00, 0x07, 0x21, 0x00, 0x03] + Array("1.3".utf8)
        let length = 12 + tlvs.count
        let bytes = Self.v2Signature + [0x21, 0x11, UInt8(length >> 8), UInt8(length & 0xff), 192, 0, 2, 1, 192, 0, 2, 2, 0, 123, 0x16, 0x2e] + tlvs
        guard case .parsed(let h, let n) = ProxyProtocol.parse(bytes[...]) else { Issue.record("not parsed"); return }
        #expect(n == bytes.count)
        #expect(h.source == .binary([192, 0, 2, 1]) && h.sourcePort == 123)
        #expect(h.destination == .binary([192, 0, 2, 2]) && h.destinationPort == 5678)
        #expect(ProxyProtocol.tlv(.init("authority"), in: h.tlvs) == .found(Array("a.b".utf8)[...]))
        #expect(ProxyProtocol.tlv(.init("0x02"), in: h.tlvs) == .found(Array("a.b".utf8)[...]))
        #expect(ProxyProtocol.tlv(.init("ssl_version"), in: h.tlvs) == .found(Array("1.3".utf8)[...]))
        #expect(ProxyProtocol.tlv(.init("ssl_verify"), in: h.tlvs) == .found(Array("7".utf8)[...]))
        #expect(ProxyProtocol.tlv(.init("alpn"), in: h.tlvs) == .absent)
        #expect(ProxyProtocol.tlv(.init("nonsense"), in: h.tlvs) == .absent)
        #expect(ProxyProtocol.TLVName("nonsense") == .unknown("nonsense"))
        #expect(ProxyProtocol.tlv(.init("alpn"), in: [0x01, 0x00, 0x09, 0x68]) == .broken)
    }

    /// LOCAL, other transports and address families are skipped whole: the connection's own addresses stand.
    @Test(arguments: [[0x20, 0x11], [0x21, 0x12], [0x21, 0x01], [0x21, 0x41]] as [[UInt8]])
    func version2WithoutAddresses(versionAndFamily: [UInt8]) {
        let bytes = Self.v2Signature + versionAndFamily + [0x00, 0x04, 1, 2, 3, 4] + Array("GET".utf8)
        #expect(ProxyProtocol.parse(bytes[...]) == .parsed(ProxyProtocolHeader(), length: 20))
    }

    @Test func version2Refusals() {
        #expect(ProxyProtocol.parse((Self.v2Signature + [0x11, 0x11, 0x00, 0x00])[...]) == .invalid("unknown PROXY protocol version: 1"))
        #expect(ProxyProtocol.parse((Self.v2Signature + [0x21, 0x11, 0x20, 0x00])[...]) == .invalid("header is too large"))
        guard case .invalid = ProxyProtocol.parse((Self.v2Signature + [0x21, 0x11, 0x00, 0x04, 1, 2, 3, 4])[...]) else {
            Issue.record("short addresses accepted"); return
        }
    }
}
