/// `jvm_route $cookie_JSESSIONID[|session_url] [reverse];` (the nginx-upstream-jvm-route module).
///
///     let spec = try JVMRouteSpec(arguments: ["$cookie_JSESSIONID|jsessionid", "reverse"])
///     spec.route(fromSessionID: Array("8F3A.tomcat1".utf8)[...])   // "tomcat1"
public struct JVMRouteSpec: Sendable, Equatable {
    /// The variable holding the session cookie, as written (`$cookie_JSESSIONID`); the engine evaluates it.
    public var cookieVariable: String
    /// The URL parameter name that carries the session id when there is no cookie (case-insensitive).
    public var sessionURLName: [UInt8]
    /// Tomcat (`ID.route`) when true, Resin (`route.ID`) when false.
    public var reverse: Bool

    /// The srun_id of a server without `srun_id=`, as the module defines it.
    public static let defaultSrunID: [UInt8] = Array("a".utf8)

    public init(cookieVariable: String, sessionURLName: [UInt8] = Array("jsessionid".utf8), reverse: Bool = false) {
        self.cookieVariable = cookieVariable
        self.sessionURLName = sessionURLName
        self.reverse = reverse
    }

    public init(arguments: [String]) throws(BalancingConfigError) {
        guard let first = arguments.first, arguments.count <= 2 else {
            throw BalancingConfigError("invalid number of arguments in \"jvm_route\" directive")
        }
        var reverse = false
        if arguments.count == 2 {
            guard arguments[1] == "reverse" else {
                throw BalancingConfigError("invalid parameter \"\(arguments[1])\" in \"jvm_route\" directive")
            }
            reverse = true
        }
        let parts = first.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
        guard let variable = parts.first, variable.hasPrefix("$"), variable.count > 1 else {
            throw BalancingConfigError("invalid variable \"\(first)\" in \"jvm_route\" directive")
        }
        var urlName = Array("jsessionid".utf8)
        if parts.count == 2 {
            guard !parts[1].isEmpty else {
                throw BalancingConfigError("empty session_url in \"jvm_route\" directive")
            }
            urlName = Array(parts[1].utf8)
        }
        self.init(cookieVariable: String(variable), sessionURLName: urlName, reverse: reverse)
    }

    /// The route of a session id under this spec (see `SessionRoute.route`).
    public func route(fromSessionID id: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        SessionRoute.route(fromSessionID: id, reverse: reverse)
    }

    /// The session id from the cookie value if present and non-empty, else from the request URI.
    public func sessionID(cookie: [UInt8]?, uri: [UInt8]) -> ArraySlice<UInt8>? {
        if let cookie, !cookie.isEmpty { return cookie[...] }
        return SessionRoute.sessionID(fromURI: uri, name: sessionURLName)
    }

    /// The srun_id table, validated: duplicates throw, overlapping ids become warnings.
    public func routeTable(peers: [PeerConfig]) throws(BalancingConfigError) -> RouteTable {
        try RouteTable(peers: peers, defaultRoute: Self.defaultSrunID, kind: "srun_id")
    }
}
