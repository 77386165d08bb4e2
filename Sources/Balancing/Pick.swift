/// A balancer's answer: the peer, and why it was chosen.
///
///     if let pick = lb.pick(ctx, state: &state, now: now), pick.role == .balanced { /* set sticky cookie */ }
public struct Pick: Sendable, Equatable {
    /// Why this peer: a `sticky cookie` names the picked server only for `.balanced` picks (a session on a
    /// fallback gets its owner's cookie back, and returns there when the owner recovers).
    public enum Role: Sendable, Equatable {
        /// Chosen by the balancing method: no binding, or an unknown route.
        case balanced
        /// The server the session is bound to.
        case owner
        /// The session's owner is unusable; this is its deterministic stand-in.
        case fallback
    }

    public let peer: PeerID
    public let role: Role
    /// The request's signed sticky cookie is past half its lifetime: the engine sends a fresh one naming the
    /// same server, so an active client's cookie never expires.
    public var refresh = false

    public init(_ peer: PeerID, _ role: Role) {
        self.peer = peer
        self.role = role
    }
}
