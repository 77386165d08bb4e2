/// `proxy_next_upstream`, `proxy_next_upstream_tries` and `proxy_next_upstream_timeout`: whether a
/// failed try may move on to another server, by nginx's rules.
///
///     let policy = NextUpstreamPolicy(conditions: [.error, .timeout, .http502], tries: 3)
///     policy.mayRetry(.httpStatus(502), isIdempotent: true, requestSent: true,
///                     responseBytesSentToClient: false, tries: 1, peerTries: lb.tries, elapsed: .zero)   // true
public struct NextUpstreamPolicy: Sendable, Equatable {
    /// The conditions that allow the next server (nginx's NGX_HTTP_UPSTREAM_FT_* bits).
    public struct Conditions: OptionSet, Sendable, Hashable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        public static let error = Conditions(rawValue: 1 << 0)
        public static let timeout = Conditions(rawValue: 1 << 1)
        public static let invalidHeader = Conditions(rawValue: 1 << 2)
        public static let http500 = Conditions(rawValue: 1 << 3)
        public static let http502 = Conditions(rawValue: 1 << 4)
        public static let http503 = Conditions(rawValue: 1 << 5)
        public static let http504 = Conditions(rawValue: 1 << 6)
        public static let http403 = Conditions(rawValue: 1 << 7)
        public static let http404 = Conditions(rawValue: 1 << 8)
        public static let http429 = Conditions(rawValue: 1 << 9)
        public static let nonIdempotent = Conditions(rawValue: 1 << 10)
    }

    /// What went wrong with a try.
    public enum FailureKind: Sendable, Equatable {
        /// Connecting, sending the request or reading the response header failed.
        case error
        case timeout
        /// The upstream sent an empty or invalid response header.
        case invalidHeader
        /// The upstream answered with this status.
        case httpStatus(Int)
    }

    /// Empty means `off`.
    public var conditions: Conditions
    /// `proxy_next_upstream_tries`: 0 = limited only by the number of servers.
    public var tries: Int
    /// `proxy_next_upstream_timeout`: `.zero` = no limit.
    public var timeout: Duration

    /// nginx's default: `proxy_next_upstream error timeout`, no tries or time limit.
    public static let `default` = NextUpstreamPolicy(conditions: [.error, .timeout])

    public init(conditions: Conditions, tries: Int = 0, timeout: Duration = .zero) {
        self.conditions = conditions
        self.tries = max(0, tries)
        self.timeout = timeout
    }

    /// POST, LOCK and PATCH are the methods nginx will not resend once they reached a server.
    public static func isIdempotent(method: some Collection<UInt8>) -> Bool {
        !(method.elementsEqual("POST".utf8) || method.elementsEqual("LOCK".utf8) || method.elementsEqual("PATCH".utf8))
    }

    /// The condition a failure needs, or nil when nothing allows retrying it (an unlisted status).
    static func condition(for failure: FailureKind) -> Conditions? {
        switch failure {
        case .error: return .error
        case .timeout: return .timeout
        case .invalidHeader: return .invalidHeader
        case .httpStatus(500): return .http500
        case .httpStatus(502): return .http502
        case .httpStatus(503): return .http503
        case .httpStatus(504): return .http504
        case .httpStatus(403): return .http403
        case .httpStatus(404): return .http404
        case .httpStatus(429): return .http429
        case .httpStatus: return nil
        }
    }

    /// Whether the request may go to the next server after `failure` on its `tries`-th try
    /// (`peerTries` is the balancer's `tries`; `elapsed` runs from the first try).
    /// Never once response bytes reached the client; never to resend a non-idempotent request the
    /// server already received unless `non_idempotent` is listed; never a request whose body was
    /// streamed unbuffered once sent.
    public func mayRetry(
        _ failure: FailureKind, isIdempotent: Bool, requestSent: Bool, responseBytesSentToClient: Bool,
        tries: Int, peerTries: Int, elapsed: Duration, requestBodyUnbuffered: Bool = false
    ) -> Bool {
        if responseBytesSentToClient { return false }
        guard var needed = Self.condition(for: failure) else { return false }
        if requestSent && !isIdempotent { needed.insert(.nonIdempotent) }
        guard conditions.isSuperset(of: needed) else { return false }
        let limit = self.tries == 0 ? peerTries : min(peerTries, self.tries)
        if tries >= limit { return false }
        if requestSent && requestBodyUnbuffered { return false }
        if timeout > .zero && elapsed >= timeout { return false }
        return true
    }

    /// How the failed try is reported to the balancer: a 403 or 404 moves on without counting against
    /// the server (NGX_PEER_NEXT); everything else is a failure.
    public static func outcome(for failure: FailureKind) -> PeerOutcome {
        switch failure {
        case .httpStatus(403), .httpStatus(404): return .next
        default: return .failed
        }
    }

    /// The status the client gets when no retry follows a failure that produced no usable response:
    /// 504 for a timeout, 502 otherwise. (An HTTP status from the upstream is passed on as it is.)
    public static func clientStatus(for failure: FailureKind) -> Int {
        switch failure {
        case .timeout: return 504
        case .httpStatus(let status): return status
        case .error, .invalidHeader: return 502
        }
    }
}
