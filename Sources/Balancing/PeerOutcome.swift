/// How a try on a peer ended, reported to `Balancer.release` (nginx's `free` state).
///
/// `.failed` counts against the server (`max_fails`); `.next` (a 403/404 retried under
/// `proxy_next_upstream`) moves on without blaming it, as NGX_PEER_NEXT does.
public enum PeerOutcome: Sendable, Equatable {
    case ok
    case failed
    case next
}
