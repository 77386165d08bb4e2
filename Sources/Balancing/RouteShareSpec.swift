/// `share=memcached://HOST:PORT[,HOST:PORT…] [share_timeout=TIME] [share_recheck=TIME]` on `sticky learn` and
/// `jvm_route`, as Config parsed it: the memcached nodes every switchyard of a cluster lists in the same order, how
/// long a pick may wait for a lookup, and how long a miss is believed.
///
///     RouteShareSpec(nodes: ["127.0.0.1:11211", "127.0.0.1:11212"], timeout: .milliseconds(50))
public struct RouteShareSpec: Sendable, Equatable {
    /// `host:port` as written; the engine resolves them at load.
    public var nodes: [String]
    /// How long the first pick of a request whose session the local table does not know waits for memcached.
    public var timeout: Duration
    /// How long a session memcached did not know is not asked about again (`RecentMisses`; zero: every time).
    public var recheck: Duration

    /// Loopback and LAN memcached answer in well under a millisecond; a node that does not answer in 50 ms is
    /// taken for down (the request is routed with what the proxy knows, the node is retried a second later).
    public static let defaultTimeout: Duration = .milliseconds(50)

    public static let defaultRecheck: Duration = .seconds(1)

    public init(nodes: [String], timeout: Duration = defaultTimeout, recheck: Duration = defaultRecheck) {
        self.nodes = nodes
        self.timeout = timeout
        self.recheck = recheck
    }
}
