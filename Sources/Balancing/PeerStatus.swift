import Synchronization

/// One server's line on the status pages (`upstream_status` JSON, `jvm_route_status`).
public struct PeerStatus: Sendable, Equatable {
    /// The state shown on status pages, most severe first.
    public enum State: String, Sendable, Equatable {
        case up
        /// Marked `down` in the config.
        case down
        /// Failed `max_fails` times and inside its `fail_timeout`: skipped.
        case failing
        /// Failed its health checks (or, `mandatory`, has not passed one yet): out of rotation.
        case unhealthy
        case draining
        /// A healthy backup server.
        case backup
    }

    public let peer: PeerID
    public let address: String
    public let state: State
    public let weight: Int
    /// srun_id / route, if any.
    public let route: String?
    public let active: Int
    public let requests: Int
    /// Failed tries in total.
    public let failures: Int
    /// Failures in the current `max_fails` count.
    public let fails: Int
    public let lastFailure: Instant?
    /// Distinct sessions served in the last minute (an estimate, see `SessionCounter`).
    public let sessionsLastMinute: Int
}

extension PeerHealth {
    /// Every server's status at `now`, in config order.
    public func snapshot(now: Instant) -> [PeerStatus] {
        peers.enumerated().map { index, peer in
            let slot = slots[index]
            let fails = slot.fails.load(ordering: .relaxed)
            let failures = slot.failures.load(ordering: .relaxed)
            let state: PeerStatus.State
            if peer.isDown {
                state = .down
            } else if slot.unhealthy.load(ordering: .relaxed) {
                state = .unhealthy
            } else if peer.maxFails != 0 && fails >= peer.maxFails && peers.count > 1
                && now.signed - slot.checked.load(ordering: .relaxed) <= failTimeouts[index]
            {
                state = .failing
            } else if peer.isDraining {
                state = .draining
            } else if peer.isBackup {
                state = .backup
            } else {
                state = .up
            }
            let accessed = slot.accessed.load(ordering: .relaxed)
            return PeerStatus(
                peer: PeerID(index), address: peer.address, state: state, weight: peer.weight,
                route: peer.route.map { String(decoding: $0, as: UTF8.self) },
                active: slot.active.load(ordering: .relaxed), requests: slot.requests.load(ordering: .relaxed),
                failures: failures, fails: fails,
                lastFailure: failures > 0 ? Instant(nanoseconds: UInt64(max(0, accessed))) : nil,
                sessionsLastMinute: slot.sessions.estimate(now: now))
        }
    }
}
