/// One `server` line of an upstream block, after address resolution (one entry per address).
///
///     PeerConfig("127.0.0.1:8081", weight: 5, maxFails: 3, failTimeout: .seconds(30), route: Array("tomcat1".utf8))
public struct PeerConfig: Sendable, Hashable {
    /// The peer's address (`ip:port`, `unix:/path`): logs, status pages, reload matching and the default
    /// `sticky cookie` value (nginx hashes the resolved address) use it.
    public var address: String
    /// The `server` directive's address text as written (a host name, a missing port, its case): `hash …
    /// consistent` places its points by this text, as nginx does; nil for a server the runtime API added.
    public var server: String?
    public var weight: Int
    /// 0 disables failure accounting (nginx `max_fails=0`).
    public var maxFails: Int
    public var failTimeout: Duration
    public var isBackup: Bool
    public var isDown: Bool
    /// 0 = unlimited. jvm_route's `max_busy=N` maps here too: the module skips a server with N busy
    /// connections exactly as nginx skips one at `max_conns`.
    public var maxConns: Int
    /// `srun_id=` (jvm_route) or `route=` (sticky): the value a session's route must equal.
    public var route: [UInt8]?
    /// `drain`: only requests already bound to this server go to it.
    public var isDraining: Bool
    /// `slow_start=`: after its health checks bring it back, the server's weight ramps up from 1 over this time.
    public var slowStart: Duration = .zero

    public init(
        _ address: String, weight: Int = 1, maxFails: Int = 1, failTimeout: Duration = .seconds(10),
        isBackup: Bool = false, isDown: Bool = false, maxConns: Int = 0, route: [UInt8]? = nil,
        isDraining: Bool = false, server: String? = nil, slowStart: Duration = .zero
    ) {
        self.slowStart = slowStart
        self.address = address
        self.server = server
        self.weight = max(1, weight)
        self.maxFails = max(0, maxFails)
        self.failTimeout = failTimeout
        self.isBackup = isBackup
        self.isDown = isDown
        self.maxConns = max(0, maxConns)
        self.route = route
        self.isDraining = isDraining
    }

    /// The text `hash … consistent` hashes: `server` if given, else `address`.
    public var serverName: String { server ?? address }
}
