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

    /// The srun_id of a server without `srun_id=`, as the module defines it.
    public static let defaultSrunID: [UInt8] = Array("a".utf8)

    public init(
        cookieName: [UInt8] = Array("JSESSIONID".utf8), sessionURLName: [UInt8] = Array("jsessionid".utf8),
        reverse: Bool = false
    ) {
        self.cookieName = cookieName
        self.sessionURLName = sessionURLName
        self.reverse = reverse
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
