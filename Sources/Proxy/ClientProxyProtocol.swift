import Config
import EventLoop
import HTTP1

/// What a PROXY protocol header said about a connection (`listen … proxy_protocol`): the addresses as the
/// variables print them, the client's as bytes when it is an address (for realip), and version 2's TLVs.
final class ProxyProtocolInfo {
    let sourceText: [UInt8]
    let sourcePort: UInt16
    let destinationText: [UInt8]
    let destinationPort: UInt16
    /// The client's address as 4 or 16 bytes; nil when version 1's text is no address (realip then declines).
    let sourceBytes: [UInt8]?
    let tlvs: [UInt8]

    init?(_ h: ProxyProtocolHeader) {
        guard let source = h.source, let destination = h.destination else { return nil }
        (sourceText, sourceBytes) = ProxyProtocolInfo.address(source, port: h.sourcePort)
        destinationText = ProxyProtocolInfo.address(destination, port: h.destinationPort).text
        sourcePort = h.sourcePort
        destinationPort = h.destinationPort
        tlvs = h.tlvs
    }

    /// `$proxy_protocol_tlv_NAME`: the value, or nothing (logged as nginx does when a name or the TLVs are bad).
    func appendTLV(_ name: ProxyProtocol.TLVName, to out: inout [UInt8], connection c: ClientConnection) {
        if case .unknown(let text) = name { c.worker.log(.error, "unknown PROXY protocol TLV \"\(text)\"", c) }
        switch ProxyProtocol.tlv(name, in: tlvs) {
        case .found(let value): out.append(contentsOf: value)
        case .absent: break
        case .broken: c.worker.log(.error, "broken PROXY protocol TLV", c)
        }
    }

    /// Version 1's text as sent (nginx keeps it so); version 2's bytes printed as nginx prints addresses.
    private static func address(_ a: ProxyProtocolHeader.Address, port: UInt16) -> (text: [UInt8], bytes: [UInt8]?) {
        switch a {
        case .text(let t): return (t, IPAddressText.parse(Substring(String(decoding: t, as: UTF8.self))))
        case .binary(let b):
            return (Array(SocketAddress(family: b.count == 16 ? .v6 : .v4, bytes: b, port: port).host.utf8), b)
        }
    }
}

// The start of a connection on a `listen … proxy_protocol` address: the PROXY header comes first, before TLS or
// the request, within client_header_timeout (the connection sits in the worker's head queue). A broken or
// missing header closes the connection with nginx's [error] line; nothing of it reaches a location or upstream.
extension ClientConnection {
    /// A plain address: the header is at the front of `input`. True once it is taken; false while it is
    /// incomplete (more is read) or when it was broken (the connection is closed).
    func takeProxyHeader() -> Bool {
        let view = input.view
        let bytes = view.array(0, min(view.count, ProxyProtocol.maxLength))
        switch ProxyProtocol.parse(bytes[...]) {
        case .parsed(let header, let length):
            input.consume(length)
            accept(header)
            return true
        case .incomplete:
            return bytes.count < ProxyProtocol.maxLength ? false : refuseProxyHeader("header is too large")
        case .invalid(let text):
            return refuseProxyHeader(text)
        }
    }

    /// A TLS address: the header is read below TLS, peeked whole and then taken by its exact length, so the
    /// ClientHello behind it stays on the socket. As in nginx, it must have arrived in one piece.
    func takeProxyHeaderBeforeTLS() -> Bool {
        var bytes = [UInt8](repeating: 0, count: ProxyProtocol.maxLength)
        switch transport.receivePlain(into: &bytes, peek: true) {
        case .wouldBlock: return false
        case .eof: close(); return false
        case .error(let e):
            worker.log(.info, "recv() failed (\(e): \(Syscall.describe(e))) while reading PROXY protocol", self)
            close(); return false
        case .done(let n):
            switch ProxyProtocol.parse(bytes[0..<n]) {
            case .parsed(let header, let length):
                var taken = [UInt8](repeating: 0, count: length)
                guard transport.receivePlain(into: &taken, peek: false) == .done(length) else { close(); return false }
                accept(header)
                return true
            case .incomplete:
                let line = bytes[0..<n].prefix { $0 != 0x0d && $0 != 0x0a }
                return refuseProxyHeader("broken header: \"\(String(decoding: line, as: UTF8.self))\"")
            case .invalid(let text):
                return refuseProxyHeader(text)
            }
        }
    }

    private func accept(_ header: ProxyProtocolHeader) {
        proxyHeaderDue = false
        proxyProtocol = ProxyProtocolInfo(header)
    }

    private func refuseProxyHeader(_ text: String) -> Bool {
        worker.log(.error, "\(text) while reading PROXY protocol", self)
        close()
        return false
    }
}
