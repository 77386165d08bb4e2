/// What the engine knows about a request that a balancer may use; every field is already evaluated.
///
///     PickContext(clientAddress: [192, 168, 1, 7], route: Array("tomcat1".utf8),
///                 sessionID: Array("8F3A.tomcat1".utf8))
public struct PickContext: Sendable {
    /// The client's address in binary: 4 bytes (IPv4), 16 bytes (IPv6), empty for a UNIX socket.
    public var clientAddress: [UInt8]
    /// The evaluated key of `hash KEY`.
    public var hashKey: [UInt8]?
    /// The session's route, already extracted: jvm_route's srun_id part, `sticky route`'s first
    /// non-empty variable, `sticky cookie`'s cookie value, or `sticky learn`'s lookup value. A slice, so
    /// the engine can hand over part of the request head without copying it.
    public var route: ArraySlice<UInt8>?
    /// The full session id: the key of the deterministic fallback when the bound server is unusable.
    public var sessionID: ArraySlice<UInt8>?
    /// The location has `proxy_next_upstream off`: a bound session whose server is unusable gets no
    /// stand-in (502), as nginx sends no request to another server then.
    public var strictAffinity: Bool
    /// Wall-clock Unix seconds, for signed sticky cookies' expiry (the engine sets it only when cookies are
    /// signed; balancing otherwise runs on the monotonic `Instant` it is given).
    public var unixTime: Int64 = 0

    public init(
        clientAddress: [UInt8] = [], hashKey: [UInt8]? = nil, route: [UInt8]? = nil, sessionID: [UInt8]? = nil,
        strictAffinity: Bool = false
    ) {
        self.strictAffinity = strictAffinity
        self.clientAddress = clientAddress
        self.hashKey = hashKey
        self.route = route?[...]
        self.sessionID = sessionID?[...]
    }

    /// Every field as the engine evaluated it, the route and session id as slices of the request head: the
    /// context is made in one step, not built up field by field (each step a copy of four references).
    public init(clientAddress: [UInt8], hashKey: [UInt8]?, route: ArraySlice<UInt8>?, sessionID: ArraySlice<UInt8>?,
                strictAffinity: Bool, unixTime: Int64) {
        self.clientAddress = clientAddress
        self.hashKey = hashKey
        self.route = route
        self.sessionID = sessionID
        self.strictAffinity = strictAffinity
        self.unixTime = unixTime
    }
}
