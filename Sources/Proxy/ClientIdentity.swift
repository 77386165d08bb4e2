import Config
import EventLoop
import HTTP1
import ASCIIBytes

/// A location's ngx_http_access_module, ngx_http_auth_basic_module, ngx_http_auth_request_module and
/// ngx_http_realip_module settings, nil on a location that has none, so a plain request pays one nil test.
final class ClientIdentityRuntime: @unchecked Sendable {
    let rules: [AccessRule]
    let realIP: RealIPRuntime?
    let auth: AuthBasicRuntime?
    let authRequest: AuthRequestRuntime?
    /// `satisfy any`: one access module allowing suffices (default: every one that has a say must allow).
    let satisfyAny: Bool
    /// `auth_delay`: how long a 401 waits before it is sent.
    let authDelayMillis: Int

    /// `trusted`: `set_real_ip_from` with its host names resolved.
    init?(_ s: AccessSettings, trusted: [RealIPSource], auth: AuthBasicRuntime?, authRequest: AuthRequestRuntime?) {
        if s.rules.isEmpty && trusted.isEmpty && auth == nil && authRequest == nil { return nil }
        rules = s.rules
        realIP = trusted.isEmpty ? nil
            : RealIPRuntime(trusted: trusted, header: s.realIPHeader, recursive: s.realIPRecursive)
        self.auth = auth
        self.authRequest = authRequest
        satisfyAny = s.satisfyAny
        authDelayMillis = millis(s.authDelay)
    }
}

/// A location's `limit_except`: the methods it lets through, and the access settings for the others (nil when
/// the block has none: nginx's merged configuration then has no rules either).
final class LimitExceptRuntime: @unchecked Sendable {   // immutable after load
    let methods: Set<HTTPMethod>
    let identity: ClientIdentityRuntime?
    /// The block's own location (its `proxy_pass` or `access_log`), which serves the other methods; nil when it
    /// only restricts access.
    let location: LocationRuntime?

    init(methods: Set<String>, identity: ClientIdentityRuntime?, location: LocationRuntime? = nil) {
        self.location = location
        let table: [String: HTTPMethod] = [
            "GET": .get, "HEAD": .head, "POST": .post, "PUT": .put, "DELETE": .delete, "MKCOL": .mkcol, "COPY": .copy,
            "MOVE": .move, "OPTIONS": .options, "PROPFIND": .propfind, "PROPPATCH": .proppatch, "LOCK": .lock,
            "UNLOCK": .unlock, "PATCH": .patch,
        ]
        self.methods = Set(methods.compactMap { table[$0] })
        self.identity = identity
    }
}

/// A shared immutable object: the request path reads it through one reference, with the trusted IPv4 blocks
/// kept as network and mask words so the usual check is a few integer compares.
final class RealIPRuntime: @unchecked Sendable {
    let trusted: [RealIPSource]
    let header: RealIPHeader
    let headerName: [UInt8]
    let recursive: Bool
    /// The IPv4 blocks of `trusted`, as words; the others (IPv6, and IPv4 for a mapped IPv6 peer) go through
    /// `trusted`.
    private let v4: [(network: UInt32, mask: UInt32)]
    private let trustsUnix: Bool

    init(trusted: [RealIPSource], header: RealIPHeader, recursive: Bool) {
        self.trusted = trusted; self.header = header; self.recursive = recursive
        switch header {
        case .xForwardedFor: headerName = Array("x-forwarded-for".utf8)
        case .proxyProtocol: headerName = []
        case .named(let name): headerName = Array(name.utf8)
        }
        v4 = trusted.compactMap { source in
            guard case .block(let cidr) = source, cidr.address.count == 4 else { return nil }
            let mask: UInt32 = cidr.prefixLength == 0 ? 0 : ~0 << UInt32(32 - cidr.prefixLength)
            return (RealIPRuntime.word(cidr.address), mask)
        }
        trustsUnix = trusted.contains(.unix)
    }

    func isTrusted(_ address: [UInt8]) -> Bool {
        switch address.count {
        case 4: return isTrusted(v4: RealIPRuntime.word(address))
        case 0: return trustsUnix
        default: return trusted.contains { $0.contains(address) }
        }
    }

    func isTrusted(_ address: ForwardedAddress) -> Bool {
        switch address {
        case .v4(let word): isTrusted(v4: word)
        case .other(let bytes): isTrusted(bytes)
        }
    }

    private func isTrusted(v4 a: UInt32) -> Bool {
        for block in v4 where a & block.mask == block.network { return true }
        return false
    }

    @inline(__always)
    private static func word(_ b: [UInt8]) -> UInt32 {
        UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
    }

    /// nginx's ngx_http_get_forwarded_addr: the values (every `X-Forwarded-For` line in order, or the one
    /// named header) read as one comma list from the right. Each entry replaces the address; without
    /// `recursive` the last entry wins, with it the walk goes on while the entry is itself trusted. An entry
    /// that is not an address (an optional `:port` or `[v6]:port` is allowed) ends it with no change.
    func resolve<Values: BidirectionalCollection<ArraySlice<UInt8>>>(_ values: Values) -> (address: ForwardedAddress, port: UInt16)? {
        var found: (address: ForwardedAddress, port: UInt16)? = nil
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

    /// `192.0.2.1`, `192.0.2.1:123`, `2001:db8::1`, `[2001:db8::1]:123`, read as bytes.
    static func address(_ text: ArraySlice<UInt8>) -> (address: ForwardedAddress, port: UInt16)? {
        let colon = UInt8(ascii: ":")
        if text.first == UInt8(ascii: "[") {
            guard let close = text.firstIndex(of: UInt8(ascii: "]")),
                  let bytes = IPAddressText.parse(bytes: text[(text.startIndex + 1)..<close]), bytes.count == 16
            else { return nil }
            let rest = text[(close + 1)...]
            if rest.isEmpty { return (.other(bytes), 0) }
            guard rest.first == colon, let port = port(rest.dropFirst()) else { return nil }
            return (.other(bytes), port)
        }
        guard let first = text.firstIndex(of: colon) else {
            return IPAddressText.parseV4Word(bytes: text).map { (.v4($0), 0) }
        }
        // v4 with a port: exactly one colon; more is IPv6 without one.
        if text[(first + 1)...].contains(colon) { return IPAddressText.parse(bytes: text).map { (.other($0), 0) } }
        guard let word = IPAddressText.parseV4Word(bytes: text[..<first]), let port = port(text[(first + 1)...]) else { return nil }
        return (.v4(word), port)
    }

    /// 1 to 65535, ASCII digits only.
    private static func port(_ digits: ArraySlice<UInt8>) -> UInt16? {
        guard !digits.isEmpty, digits.count <= 5 else { return nil }
        var n = 0
        for c in digits {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            n = n * 10 + Int(c - UInt8(ascii: "0"))
        }
        return n > 0 && n <= 65535 ? UInt16(n) : nil
    }
}

/// A forwarded address as realip reads it: IPv4 as a word, so the usual case parses and checks without an
/// array; the request writes the word into the bytes it keeps for it (`Request.realClientV4`).
enum ForwardedAddress: Equatable {
    case v4(UInt32)
    /// IPv6 (16 bytes).
    case other([UInt8])

    /// The address's bytes (4 or 16).
    var bytes: [UInt8] {
        switch self {
        case .v4(let w): IPAddressText.v4Bytes(w)
        case .other(let b): b
        }
    }
}

/// The client address realip found for this request (nil on Request: the connection's peer). A value kept in the
/// request, so finding one allocates nothing beyond its bytes; `$remote_addr`'s text is made when something reads
/// it (a limit key or allow/deny needs only the bytes) and kept in the request.
struct RealClient {
    let bytes: [UInt8]
    /// 0 when the header gave none: `$remote_port` is then empty, as in nginx.
    let port: UInt16

    /// `192.0.2.1` without a String on the way; IPv6 takes inet_ntop's form.
    static func text(of bytes: [UInt8]) -> [UInt8] {
        guard bytes.count == 4 else { return Array(SocketAddress(family: .v6, bytes: bytes, port: 0).host.utf8) }
        var t: [UInt8] = []
        t.reserveCapacity(15)
        for (i, b) in bytes.enumerated() {
            if i > 0 { t.append(UInt8(ascii: ".")) }
            ASCIIDecimal.append(Int(b), to: &t)
        }
        return t
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

    /// `$remote_addr`: realip's address as text (made once per request), else the peer's.
    var remoteAddrText: [UInt8] {
        guard let real = realClient else { return connection.peerText }
        if let t = realClientText { return t }
        let t = RealClient.text(of: real.bytes)
        realClientText = t
        return t
    }

    /// nginx's realip phase: with `set_real_ip_from` trusting the connection's address, the address the
    /// configured header names becomes `$remote_addr` for the rest of the request. Runs at most once: after
    /// the server is chosen (nginx's post-read phase, server-level settings), and again with the location's
    /// settings if that found nothing (the pre-access phase).
    func applyRealIP(_ identity: ClientIdentityRuntime?) {
        guard realClient == nil, let realIP = identity?.realIP, head != nil else { return }
        guard realIP.isTrusted(connection.peer.bytes) else { return }
        let found: (address: ForwardedAddress, port: UInt16)?
        switch realIP.header {
        case .proxyProtocol:
            // The header's client, when the listener reads one and it named an address (nginx declines otherwise).
            guard let pp = connection.proxyProtocol, let bytes = pp.sourceBytes else { return }
            realClient = RealClient(bytes: bytes, port: pp.sourcePort)
            return
        case .xForwardedFor:
            // The parser kept the first line: one line (the usual case) is read in place.
            guard let head, let first = head.forwardedFor else { return }
            found = head.forwardedForRepeated ? realIP.resolve(requestHeaders(realIP.headerName))
                                              : realIP.resolve(CollectionOfOne(head.bytes(first)))
        case .named:
            guard let v = requestHeader(realIP.headerName) else { return }
            found = realIP.resolve(CollectionOfOne(v))
        }
        guard let found else { return }
        switch found.address {
        case .v4(let word):
            // The request keeps four bytes for this across keep-alive requests: written in place while nothing
            // else holds them (a limit zone that stored them as a new key does; then they are copied once).
            if realClientV4.count != 4 { realClientV4 = [0, 0, 0, 0] }
            realClientV4[0] = UInt8(truncatingIfNeeded: word >> 24)
            realClientV4[1] = UInt8(truncatingIfNeeded: word >> 16)
            realClientV4[2] = UInt8(truncatingIfNeeded: word >> 8)
            realClientV4[3] = UInt8(truncatingIfNeeded: word)
            realClient = RealClient(bytes: realClientV4, port: found.port)
        case .other(let bytes):
            realClient = RealClient(bytes: bytes, port: found.port)
        }
    }
}
