import Balancing

/// The runtime API's read side: upstreams and their servers as nginx Plus's JSON shows them, with the session
/// figures only switchyard has (`sessions`, `drained`; per session-routed upstream, `session_picks`).
enum APIPage {
    static func upstreams(_ ups: [UpstreamRuntime], now: Instant) -> JSON {
        .object(ups.map { ($0.name, upstream($0, now: now)) })
    }

    static func upstream(_ up: UpstreamRuntime, now: Instant) -> JSON {
        let set = up.servers.latest.current   // one version: servers, health and indices agree
        let statuses = set.health.snapshot(now: now)
        let metrics = set.health.metrics()
        var peers: [JSON] = []
        for (i, server) in set.list.servers.enumerated() {
            peers.append(peer(server, status: statuses[i], metrics: metrics[i], health: set.health, index: i, now: now))
        }
        var members: [(String, JSON)] = [("peers", .array(peers)), ("keepalive", .int(up.keepalive)), ("zombies", .int(0))]
        if up.zone { members.append(("zone", .string(up.name))) }
        members.append(("drain_idle", .string("\(set.health.sessionWindow.components.seconds)s")))
        let factory = up.policy.factory
        if factory.affinity != .none {
            // The metrics' session picks, for the dashboard's sticky hit and failover rates.
            let c = factory.counters.snapshot(table: factory.failbackTable)
            members.append(("session_picks", .object([
                ("hit", .int(c.ownerPicks)), ("miss", .int(c.balancedPicks)), ("failover", .int(c.fallbackPicks)),
            ])))
        }
        return .object(members)
    }

    /// One server's live state: nginx Plus's peer fields, then `sessions` (distinct session ids routed to it
    /// within `drain_idle`) and `drained` (draining, and no session for `drain_idle`).
    static func peer(_ s: LiveServer, status: PeerStatus, metrics: PeerMetricsSnapshot, health: PeerHealth, index: Int,
                     now: Instant) -> JSON {
        let c = s.config
        let classes = metrics.responsesByClass
        var responses: [(String, JSON)] = classes.enumerated().map { ("\($0.offset + 1)xx", .int($0.element)) }
        responses.append(("total", .int(classes.reduce(0, +))))
        var members: [(String, JSON)] = [
            ("id", .int(s.id)), ("server", .string(c.address)), ("name", .string(c.address)),
            ("backup", .bool(c.isBackup)), ("weight", .int(c.weight)), ("state", .string(state(status.state))),
            // Before any nested object, so a deploy script can pick them out of one peer with sed.
            ("sessions", .int(health.boundSessions(PeerID(index), now: now))),
            ("drained", .bool(health.drained(PeerID(index), now: now))),
            ("active", .int(status.active)),
        ]
        if c.maxConns > 0 { members.append(("max_conns", .int(c.maxConns))) }
        members += [
            ("requests", .int(status.requests)), ("responses", .object(responses)), ("fails", .int(status.failures)),
            ("unavail", .int(metrics.unavailablePeriods)),
            ("health_checks", healthChecks(health.healthChecks(PeerID(index)))),
            ("downtime", .int(0)),
            ("max_fails", .int(c.maxFails)), ("fail_timeout", .string("\(c.failTimeout.components.seconds)s")),
            ("down", .bool(c.isDown)), ("drain", .bool(c.isDraining)),
        ]
        if let route = c.route { members.append(("route", .string(String(decoding: route, as: UTF8.self)))) }
        return .object(members)
    }

    /// nginx Plus's `health_checks` object; `last_passed` only once the server was checked.
    static func healthChecks(_ h: HealthCheckSnapshot) -> JSON {
        var members: [(String, JSON)] = [("checks", .int(h.checks)), ("fails", .int(h.fails)), ("unhealthy", .int(h.unhealthy))]
        if let passed = h.lastPassed { members.append(("last_passed", .bool(passed))) }
        return .object(members)
    }

    /// nginx Plus's state names: `unavail` for a server failed `max_fails` times, `down` for one set down.
    static func state(_ s: PeerStatus.State) -> String {
        switch s {
        case .up, .backup: return "up"
        case .down: return "down"
        case .failing: return "unavail"
        case .unhealthy: return "unhealthy"
        case .draining: return "draining"
        }
    }
}
