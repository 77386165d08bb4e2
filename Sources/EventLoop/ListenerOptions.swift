/// The socket options of a listening address (`listen`'s parameters), set as nginx's
/// ngx_configure_listening_sockets sets them, on the listening socket: accepted connections inherit them.
/// `ipv6only` is the one that must be set before the bind (Socket.listen).
public struct ListenerOptions: Sendable, Equatable {
    /// `rcvbuf=`, `sndbuf=`: SO_RCVBUF, SO_SNDBUF; nil leaves the system's.
    public var receiveBuffer: Int?
    public var sendBuffer: Int?
    /// `deferred`: TCP_DEFER_ACCEPT (1 second, as nginx), so accept waits for the first data.
    public var deferAccept: Bool
    /// `fastopen=N`: TCP_FASTOPEN with a queue of N; nil leaves it off.
    public var fastOpen: Int?
    /// `so_keepalive=`: nil leaves SO_KEEPALIVE alone.
    public var keepalive: Keepalive?
    /// `ipv6only=` of an IPv6 address (on by default, as nginx).
    public var ipv6Only: Bool

    /// `so_keepalive=on|off|[keepidle]:[keepintvl]:[keepcnt]`: SO_KEEPALIVE, and the TCP_KEEP* given (seconds,
    /// seconds, probes); an empty part leaves the system's.
    public struct Keepalive: Sendable, Equatable {
        public var on: Bool
        public var idle: Int?
        public var interval: Int?
        public var count: Int?
        public init(on: Bool, idle: Int? = nil, interval: Int? = nil, count: Int? = nil) {
            self.on = on; self.idle = idle; self.interval = interval; self.count = count
        }
    }

    public init(receiveBuffer: Int? = nil, sendBuffer: Int? = nil, deferAccept: Bool = false, fastOpen: Int? = nil,
                keepalive: Keepalive? = nil, ipv6Only: Bool = true) {
        self.receiveBuffer = receiveBuffer; self.sendBuffer = sendBuffer; self.deferAccept = deferAccept
        self.fastOpen = fastOpen; self.keepalive = keepalive; self.ipv6Only = ipv6Only
    }
}
