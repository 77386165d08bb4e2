import Config
import EventLoop
import HTTP1
import ASCIIBytes

/// A location's ngx_http_access_module and ngx_http_realip_module settings, nil on a location that has
/// neither, so a plain request pays one nil test.
final class ClientIdentityRuntime: @unchecked Sendable {
    let rules: [AccessRule]
    let realIP: RealIPRuntime?
    let auth: AuthBasicRuntime?
    /// `satisfy any`: the address rules or basic authentication suffice (default: both must pass).
    let satisfyAny: Bool

    init?(_ s: AccessSettings, auth: AuthBasicRuntime?) {
        if s.rules.isEmpty && s.realIPFrom.isEmpty && auth == nil { return nil }
        rules = s.rules
        realIP = s.realIPFrom.isEmpty ? nil
            : RealIPRuntime(trusted: s.realIPFrom, header: s.realIPHeader, recursive: s.realIPRecursive)
        self.auth = auth
        satisfyAny = s.satisfyAny
    }
}

struct RealIPRuntime {
    let trusted: [RealIPSource]
    let header: RealIPHeader
    let headerName: [UInt8]
    let recursive: Bool

    init(trusted: [RealIPSource], header: RealIPHeader, recursive: Bool) {
        self.trusted = trusted; self.header = header; self.recursive = recursive
        switch header {
        case .xForwardedFor: headerName = Array("x-forwarded-for".utf8)
        case .proxyProtocol: headerName = []
        case .named(let name): headerName = Array(name.utf8)
        }
    }

    func isTrusted(_ address: [UInt8]?) -> Bool { trusted.contains { $0.contains(address) } }

    /// nginx's ngx_http_get_forwarded_addr: the values (every `X-Forwarded-For` line in order, or the one
    /// named header) read as one comma list from the right. Each entry replaces the address; without
    /// `recursive` the last entry wins, with it the walk goes on while the entry is itself trusted. An entry
    /// that is not an address (an optional `:port` or `[v6]:port` is allowed) ends it with no change.
    func resolve(_ values: [ArraySlice<UInt8>]) -> (address: [UInt8], port: UInt16)? {
        var found: (address: [UInt8], port: UInt16)? = nil
        for value in values.reversed() {
            var end = value.endIndex
            while end > value.startIndex {
                // Skip separators, then take the entry that ends here.
                while end > value.startIndex, ASCII.isOWS(value[end - 1]) || value[end - 1] == UInt8(ascii: ",") { end -= 1 }
                if end == value.startIndex { break }
                var start = end
                while start > value.startIndex, value[start - 1] != UInt8(ascii: ","), !ASCII.isOWS(value[start - 1]) {
                    start -= 1
                }
                guard let entry = RealIPRuntime.address(value[start..<end]) else { return nil }
                found = entry
                if !recursive || !isTrusted(entry.address) { return found }
                end = start
            }
        }
        return found
    }

    /// `192.0.2.1`, `192.0.2.1:123`, `2001:db8::1`, `[2001:db8::1]:123`.
    static func address(_ text: ArraySlice<UInt8>) -> (address: [UInt8], port: UInt16)? {
        let s = String(decoding: text, as: UTF8.self)
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]"), let bytes = IPAddressText.parse(s[s.index(after: s.startIndex)..<close])
            else { return nil }
            let rest = s[s.index(after: close)...]
            if rest.isEmpty { return (bytes, 0) }
            guard rest.hasPrefix(":"), let port = UInt16(rest.dropFirst()), port > 0 else { return nil }
            return (bytes, port)
        }
        if let bytes = IPAddressText.parse(Substring(s)) { return (bytes, 0) }
        // v4 with a port: exactly one colon.
        guard let colon = s.firstIndex(of: ":"), s[s.index(after: colon)...].firstIndex(of: ":") == nil,
              let bytes = IPAddressText.parseV4(s[..<colon]), let port = UInt16(s[s.index(after: colon)...]), port > 0
        else { return nil }
        return (bytes, port)
    }
}

/// The client address realip found for this request (nil on Request: the connection's peer).
final class RealClient {
    let bytes: [UInt8]
    let text: [UInt8]
    /// 0 when the header gave none: `$remote_port` is then empty, as in nginx.
    let port: UInt16

    init(bytes: [UInt8], port: UInt16) {
        self.bytes = bytes; self.port = port
        text = Array(SocketAddress(family: bytes.count == 16 ? .v6 : .v4, bytes: bytes, port: port).host.utf8)
    }
}

extension Request {
    /// Every value of a request header, in order (`X-Forwarded-For` may come in several lines).
    func requestHeaders(_ lowercasedName: [UInt8]) -> [ArraySlice<UInt8>] {
        guard let head else { return [] }
        var values: [ArraySlice<UInt8>] = []
        for h in head.headers where ASCII.equalsIgnoringCase(head.bytes(h.name), lowercasedName) {
            values.append(head.bytes(h.value))
        }
        return values
    }

    /// The binary client address after realip.
    var clientAddressBytes: [UInt8] { realClient?.bytes ?? connection.peer.bytes }

    /// nginx's realip phase: with `set_real_ip_from` trusting the connection's address, the address the
    /// configured header names becomes `$remote_addr` for the rest of the request. Runs at most once: after
    /// the server is chosen (nginx's post-read phase, server-level settings), and again with the location's
    /// settings if that found nothing (the pre-access phase).
    func applyRealIP(_ identity: ClientIdentityRuntime?) {
        guard realClient == nil, let realIP = identity?.realIP, head != nil else { return }
        guard realIP.isTrusted(connection.peer.bytes) else { return }
        var values: [ArraySlice<UInt8>] = []
        switch realIP.header {
        case .proxyProtocol:
            // The header's client, when the listener reads one and it named an address (nginx declines otherwise).
            guard let pp = connection.proxyProtocol, let bytes = pp.sourceBytes else { return }
            realClient = RealClient(bytes: bytes, port: pp.sourcePort)
            return
        case .xForwardedFor: values = requestHeaders(realIP.headerName)
        case .named:
            guard let v = requestHeader(realIP.headerName) else { return }
            values.append(v)
        }
        guard let found = realIP.resolve(values) else { return }
        realClient = RealClient(bytes: found.address, port: found.port)
    }
}
