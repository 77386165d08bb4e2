import Glibc

/// An IPv4 or IPv6 address with a port, or a UNIX-domain socket's path, as a value. `bytes` is the binary
/// address nginx calls `$binary_remote_addr` (4 or 16 bytes; none for a UNIX-domain socket), which ip_hash
/// hashes and allow/deny match.
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    public enum Family: Sendable { case v4, v6, unix }
    public let family: Family
    public let bytes: [UInt8]
    public let port: UInt16
    /// The socket file of a UNIX-domain address (empty for an unnamed client socket, and for v4/v6).
    public let path: String

    public init(family: Family, bytes: [UInt8], port: UInt16) {
        precondition(family != .unix && bytes.count == (family == .v4 ? 4 : 16))
        self.family = family; self.bytes = bytes; self.port = port; self.path = ""
    }

    /// `unix:/run/app.sock`: a UNIX-domain socket (`path` empty: a client's unnamed socket).
    public init(unixPath path: String) {
        self.family = .unix; self.bytes = []; self.port = 0; self.path = path
    }

    /// The longest path a `sockaddr_un` holds (108 bytes with its terminating NUL on Linux).
    public static let maxUnixPathLength = 107

    /// `127.0.0.1`, `::1`, `unix:/path`: the address without the port, as `$remote_addr` and `$server_addr`
    /// print it (nginx's text for a UNIX-domain client is `unix:`).
    public var host: String {
        family == .unix ? "unix:\(path)" : Socket.text(of: bytes, v6: family == .v6)
    }

    /// `127.0.0.1:8080`, `[::1]:8080`, `unix:/path`.
    public var description: String {
        switch family {
        case .v4: return "\(host):\(port)"
        case .v6: return "[\(host)]:\(port)"
        case .unix: return host
        }
    }

    /// Parses a numeric address with port: `127.0.0.1:80`, `[::1]:80`, `*:80`, `80` (all IPv4 addresses).
    public static func parse(_ text: String, defaultPort: UInt16? = nil) -> SocketAddress? {
        var hostPart = Substring(text)
        var portPart: Substring? = nil
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix(":") { portPart = rest.dropFirst() } else if !rest.isEmpty { return nil }
        } else if let colon = text.lastIndex(of: ":") {
            hostPart = text[..<colon]; portPart = text[text.index(after: colon)...]
        } else if !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) {
            hostPart = "*"; portPart = Substring(text)
        }
        let port: UInt16
        if let p = portPart {
            guard let v = UInt16(p) else { return nil }
            port = v
        } else {
            guard let d = defaultPort else { return nil }
            port = d
        }
        if hostPart == "*" || hostPart.isEmpty { return SocketAddress(family: .v4, bytes: [0, 0, 0, 0], port: port) }
        var v4 = [UInt8](repeating: 0, count: 4)
        if inet_pton(AF_INET, String(hostPart), &v4) == 1 { return SocketAddress(family: .v4, bytes: v4, port: port) }
        var v6 = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET6, String(hostPart), &v6) == 1 { return SocketAddress(family: .v6, bytes: v6, port: port) }
        return nil
    }

    /// An IPv4 or IPv6 literal host (IPv6 with or without brackets) and a port; nil for a name, and for `*`, which
    /// `parse` reads as the wildcard address (a listen address), never a host to connect to.
    public static func literal(host: String, port: UInt16) -> SocketAddress? {
        if host == "*" { return nil }
        return parse(hostPort(host, port))
    }

    /// Resolves a host name (blocking: only while loading a configuration, never on a worker).
    public static func resolve(host: String, port: UInt16) -> [SocketAddress] {
        if let a = parse(hostPort(host, port)) { return [a] }
        return Socket.resolve(host: host, port: port)
    }

    /// `host:port` as `parse` reads it, an IPv6 literal put in brackets.
    private static func hostPort(_ host: String, _ port: UInt16) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
