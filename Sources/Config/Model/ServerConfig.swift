/// One `server {}` block with its settings merged from http.
public struct ServerConfig: Sendable {
    public var listens: [Listen]
    /// `server_name`; `[.exact("")]` when none is given, as nginx.
    public var names: [ServerName]
    /// Held by reference, copied on write (SettingsBox.swift).
    public var settings: HTTPSettings {
        @inlinable _read { yield box.value }
        _modify {
            var value = box.value
            yield &value
            box = SettingsBox(value)
        }
    }
    @usableFromInline var box: SettingsBox
    /// `rewrite`/`return`/`set`/`break` at server level, run in order before location matching.
    public var rewrites: [RewriteStep]
    /// Top-level locations in configuration order (nested ones hang below them).
    public var locations: [LocationConfig]
    /// A handler written at server level (`stub_status`): it answers requests no location matches.
    public var handler: LocationHandler? = nil
    public var location: SourceLocation

    init(listens: [Listen], names: [ServerName], settings: HTTPSettings, rewrites: [RewriteStep],
         locations: [LocationConfig], location: SourceLocation) {
        self.init(listens: listens, names: names, settingsBox: SettingsBox(settings), rewrites: rewrites,
                  locations: locations, location: location)
    }

    /// Servers that set nothing share one box of the settings they all merge to.
    init(listens: [Listen], names: [ServerName], settingsBox: SettingsBox, rewrites: [RewriteStep],
         locations: [LocationConfig], location: SourceLocation) {
        self.listens = listens
        self.names = names
        self.box = settingsBox
        self.rewrites = rewrites
        self.locations = locations
        self.location = location
    }
}

/// `listen address[:port] [default_server] [reuseport] [backlog=N] …`.
public struct Listen: Sendable, Equatable {
    public var address: ListenAddress
    public var defaultServer: Bool = false
    public var reuseport: Bool = false
    /// nil: the system default (nginx uses 511 on Linux).
    public var backlog: Int? = nil
    public var receiveBuffer: Int? = nil
    public var sendBuffer: Int? = nil
    public var deferred: Bool = false
    /// `fastopen=N`: the TCP Fast Open queue's length.
    public var fastOpen: Int? = nil
    /// `so_keepalive=on|off|[keepidle]:[keepintvl]:[keepcnt]`.
    public var keepalive: ListenKeepalive? = nil
    /// `bind`, or any socket option (backlog=, rcvbuf=, reuseport, …), as in nginx: the address gets its own
    /// socket. Without it, an address on a port that also has a wildcard listen (`*:port`, `[::]:port`) is served
    /// through the wildcard's socket (the local address tells which address's servers a connection gets).
    public var bind: Bool = false
    public var ipv6only: Bool = true
    /// `listen … ssl`: connections on the address speak TLS.
    public var ssl: Bool = false
    /// `listen … http2`: accepted, HTTP/2 is not served (ALPN offers http/1.1 only).
    public var http2: Bool = false
    /// `listen … proxy_protocol`: every connection starts with a PROXY protocol header (v1 or v2).
    public var proxyProtocol: Bool = false
    public var location: SourceLocation?
}

/// `so_keepalive=`: `on`, `off`, or the TCP keepalive idle time and interval (seconds) and probe count, each
/// optional (`30m::10`).
public struct ListenKeepalive: Sendable, Equatable {
    public var on: Bool
    public var idle: Int?
    public var interval: Int?
    public var count: Int?

    public init(on: Bool, idle: Int? = nil, interval: Int? = nil, count: Int? = nil) {
        self.on = on; self.idle = idle; self.interval = interval; self.count = count
    }
}

/// Where a server listens.
public enum ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// `host` is `*` for any IPv4 address, an IPv4/IPv6 literal (IPv6 without brackets), or a name.
    case inet(host: String, port: Int)
    case unix(path: String)

    /// `0.0.0.0:8080`, `[::1]:80`, `unix:/tmp/s` — the form nginx prints in messages.
    public var description: String {
        switch self {
        case .inet(let host, let port):
            if host == "*" { return "0.0.0.0:\(port)" }
            return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): return "unix:\(path)"
        }
    }
}

/// One `server_name` entry, lower-cased.
public enum ServerName: Sendable, Equatable {
    /// `www.example.com` (or `""`, the empty name).
    case exact(String)
    /// `*.example.com`, or `.example.com` (which also matches `example.com` itself).
    case wildcardPrefix(String)
    /// `www.example.*`.
    case wildcardSuffix(String)
    /// `~^www\d+\.example\.com$`: the pattern without `~`, matched case-insensitively.
    case regex(String, SourceLocation)
}
