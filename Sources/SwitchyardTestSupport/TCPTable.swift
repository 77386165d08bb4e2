/// The kernel's IPv4 TCP table (/proc/net/tcp), for tests that check a socket from outside the process that
/// holds it: where a connection comes from (`proxy_bind`), whether it has the keepalive timer (SO_KEEPALIVE).
public struct TCPEntry: Sendable, Equatable {
    /// `ADDR:PORT` in the table's hex form (`0100007F:1F90` is 127.0.0.1:8080).
    public let local: String
    public let remote: String
    /// `01` is established.
    public let state: String
    /// The active timer (`tr`): `00` none, `02` keepalive.
    public let timer: String
    /// The local address alone (`0200007F` is 127.0.0.2).
    public var localAddress: Substring { local.prefix { $0 != ":" } }
}

public enum TCPTable {
    /// The established connections.
    public static func established() throws -> [TCPEntry] {
        try TempDir.read("/proc/net/tcp").split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ")
            guard f.count > 5, f[3] == "01" else { return nil }
            return TCPEntry(local: String(f[1]), remote: String(f[2]), state: String(f[3]), timer: String(f[5].prefix(2)))
        }
    }

    /// The local addresses of the listening sockets on `port` (`00000000:1F90` is 0.0.0.0:8080), sorted.
    public static func listening(port: UInt16) throws -> [String] {
        let hex = String(port, radix: 16, uppercase: true)
        let suffix = ":" + String(repeating: "0", count: 4 - hex.count) + hex
        return try TempDir.read("/proc/net/tcp").split(separator: "\n").compactMap { line -> String? in
            let f = line.split(separator: " ")
            guard f.count > 3, f[3] == "0A", f[1].hasSuffix(suffix) else { return nil }
            return String(f[1])
        }.sorted()
    }

    /// 127.0.0.1:`port` as the table writes it.
    public static func loopback(_ port: UInt16) -> String {
        let hex = String(port, radix: 16, uppercase: true)
        return "0100007F:" + String(repeating: "0", count: 4 - hex.count) + hex
    }
}
