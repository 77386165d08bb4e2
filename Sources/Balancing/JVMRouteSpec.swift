/// `jvm_route $cookie_JSESSIONID[|session_url] [reverse];` (the nginx-upstream-jvm-route module), as Config
/// parsed it: where the session id is found and how its route is read.
///
///     let spec = JVMRouteSpec(cookieName: Array("JSESSIONID".utf8), reverse: true)
///     spec.route(fromSessionID: Array("8F3A.tomcat1".utf8)[...])   // "tomcat1"
public struct JVMRouteSpec: Sendable, Equatable {
    /// The cookie holding the session id (`JSESSIONID` for `$cookie_JSESSIONID`).
    public var cookieName: [UInt8]
    /// The URL parameter name that carries the session id when there is no cookie (case-insensitive).
    public var sessionURLName: [UInt8]
    /// Tomcat (`ID.route`) when true, Resin (`route.ID`) when false.
    public var reverse: Bool
    /// What happens to the sessions a stand-in served once their owner is usable again.
    public var failback: Failback

    /// `failback=stay|return`.
    public enum Failback: Sendable, Equatable {
        /// A session a stand-in served stays there until it has been idle for `timeout` (at most `capacity`
        /// sessions remembered, least recently used first out): the stand-in holds its newest state.
        case stay(capacity: Int, timeout: Duration)
        /// The owner takes its sessions back as soon as it is usable (nginx-upstream-jvm-route's behaviour).
        case `return`

        /// `failback_timeout`'s default: Tomcat's default session-timeout, so an entry outlives the session.
        public static let defaultTimeout: Duration = .seconds(1800)
        /// `failback_zone`'s default, 4 MiB: about 16,000 sessions at `sticky learn`'s 256 bytes a session.
        public static let defaultZoneBytes = 4 << 20
        public static let standard = Failback.stay(
            capacity: StickyLearnTable.capacity(forZoneBytes: defaultZoneBytes), timeout: defaultTimeout)

        /// The table for `.stay` across a reload: `previous` when it has the same size, timeout and sharing, else
        /// a new one holding `previous`'s moved sessions.
        func table(reusing previous: FailbackTable?, share: RouteShare? = nil) -> FailbackTable? {
            guard case .stay(let capacity, let timeout) = self else { return nil }
            guard let previous else { return FailbackTable(capacity: capacity, timeout: timeout, share: share) }
            if previous.capacity == max(1, capacity), previous.timeout == timeout, previous.share === share {
                return previous
            }
            return previous.carriedOver(capacity: capacity, timeout: timeout, share: share)
        }
    }

    /// The srun_id of a server without `srun_id=`, as the module defines it.
    public static let defaultSrunID: [UInt8] = Array("a".utf8)

    public init(
        cookieName: [UInt8] = Array("JSESSIONID".utf8), sessionURLName: [UInt8] = Array("jsessionid".utf8),
        reverse: Bool = false, failback: Failback = .standard
    ) {
        self.cookieName = cookieName
        self.sessionURLName = sessionURLName
        self.reverse = reverse
        self.failback = failback
    }

    /// The route of a session id under this spec (see `SessionRoute.route`).
    public func route(fromSessionID id: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        SessionRoute.route(fromSessionID: id, reverse: reverse)
    }

    /// The srun_id table, validated: duplicates throw, overlapping ids become warnings.
    public func routeTable(peers: [PeerConfig]) throws(BalancingConfigError) -> RouteTable {
        try RouteTable(peers: peers, defaultRoute: Self.defaultSrunID, kind: "srun_id")
    }
}
