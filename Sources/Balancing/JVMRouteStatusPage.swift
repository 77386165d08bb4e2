/// The text page of `jvm_route_status UPSTREAM;`, laid out like the nginx-upstream-jvm-route module's
/// (one summary line, then one line per server with the same field names), plus switchyard's state
/// and sessions-in-the-last-minute. Times are relative ("12s ago"), since balancing sees only a
/// monotonic clock.
///
///     JVMRouteStatusPage.render(upstream: "tomcats", health: health, now: now)   // text/plain body
public enum JVMRouteStatusPage {
    /// `sessions`: the upstream's session-routing counters; their lines appear once something was counted (or a
    /// failback table exists).
    public static func render(
        upstream: String, health: PeerHealth, now: Instant, sessions: SessionRoutingCounters.Snapshot? = nil,
        failback: Bool = false
    ) -> [UInt8] {
        let snapshot = health.snapshot(now: now)
        let busy = snapshot.reduce(0) { $0 + $1.active }
        let requests = snapshot.reduce(0) { $0 + $1.requests }
        var text =
            "upstream \(upstream): total_busy = \(busy), total_requests = \(requests), peers: \(snapshot.count)\n\n"
        for (status, config) in zip(snapshot, health.peers) {
            let lastFailure =
                status.lastFailure.map {
                    now >= $0 ? "\((now.nanoseconds - $0.nanoseconds) / 1_000_000_000)s ago" : "0s ago"
                } ?? "never"
            text +=
                " peer \(status.peer.index + 1): \(status.address)(\(status.route ?? JVMRouteSpec.defaultSrunIDText)) "
                + "down: \(config.isDown ? 1 : 0), fails: \(status.fails)/\(config.maxFails), "
                + "busy: \(status.active)/\(config.maxConns), weight: \(status.weight), "
                + "total_req: \(status.requests), total_fails: \(status.failures), last_fail: \(lastFailure), "
                + "state: \(status.state.rawValue), sessions_last_minute: \(status.sessionsLastMinute)\n"
        }
        if let s = sessions {
            if failback || s.failbackMoved > 0 {
                text += "\nfailback: stay, moved_sessions: \(s.failbackEntries), moves: \(s.failbackMoved), "
                    + "kept_on_stand_in: \(s.failbackKept), restamped: \(s.failbackRestamped)\n"
            }
            if s.cookiesTampered > 0 || s.cookiesExpired > 0 {
                text += "\nsigned cookies rejected: tampered: \(s.cookiesTampered), expired: \(s.cookiesExpired)\n"
            }
        }
        return Array(text.utf8)
    }
}

extension JVMRouteSpec {
    static var defaultSrunIDText: String { String(decoding: defaultSrunID, as: UTF8.self) }
}
