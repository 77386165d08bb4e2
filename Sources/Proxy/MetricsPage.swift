import Balancing

/// The `metrics` location's page: Prometheus' text exposition format (version 0.0.4), named after HAProxy's
/// built-in exporter so its dashboards fit: a `switchyard_` prefix, `_total` counters, `_seconds` times, and
/// `upstream` / `server` labels. Every figure comes from counters shared by all workers and carried over on
/// reload (`SharedStats`, `PeerSlot`, `SessionRoutingCounters`), so a scrape is exact whichever worker serves it.
enum MetricsPage {
    static func render(_ rt: Runtime, stats: SharedStats, now: Instant) -> [UInt8] {
        var page = Exposition()
        process(stats, into: &page)
        upstreams(rt, now: now, into: &page)
        return page.bytes
    }

    private static let none = Exposition.Labels()

    private static func process(_ stats: SharedStats, into page: inout Exposition) {
        let s = stats.snapshot(), p = stats.processFigures()
        page.family("process_start_time_seconds", .gauge, "Start time of the process since the Unix epoch, in seconds.")
        page.sample(none, p.startTime)
        page.family("process_connections_accepted_total", .counter, "Client connections accepted.")
        page.sample(none, s.accepted)
        page.family("process_connections_handled_total", .counter, "Client connections handled.")
        page.sample(none, s.handled)
        page.family("process_current_connections", .gauge, "Open client connections.")
        page.sample(none, s.active)
        page.family("process_current_connections_by_state", .gauge,
                    "Open client connections reading a request head, writing a response, or waiting (idle keep-alive).")
        page.sample(none, s.reading, with: ("state", Array("reading".utf8)))
        page.sample(none, s.writing, with: ("state", Array("writing".utf8)))
        page.sample(none, s.waiting, with: ("state", Array("waiting".utf8)))
        page.family("process_requests_total", .counter, "Client requests read.")
        page.sample(none, s.requests)
        page.family("process_http_responses_total", .counter, "Responses logged, by status class.")
        for (i, n) in p.responsesByClass.enumerated() { page.sample(none, n, with: ("code", Exposition.statusClasses[i])) }
        page.family("process_reloads_total", .counter, "Reloads (SIGHUP), by result.")
        page.sample(none, p.reloads, with: ("result", Array("ok".utf8)))
        page.sample(none, p.failedReloads, with: ("result", Array("failed".utf8)))
        page.family("process_last_reload_success", .gauge, "1 when the last reload succeeded or none was tried, else 0.")
        page.sample(none, p.lastReloadFailed ? 0 : 1)
        page.family("process_last_reload_time_seconds", .gauge, "Time of the last reload attempt since the Unix epoch (0: none).")
        page.sample(none, p.lastReloadTime)
    }

    private static func upstreams(_ rt: Runtime, now: Instant, into page: inout Exposition) {
        let ups = rt.upstreams
        let counters = ups.map { $0.policy.factory.counters.snapshot(table: $0.policy.factory.failbackTable) }
        let upstreamLabels = ups.map { Exposition.Labels([("upstream", $0.name)]) }
        page.family("upstream_retries_total", .counter, "Tries after a failed one (proxy_next_upstream).")
        for (label, c) in zip(upstreamLabels, counters) { page.sample(label, c.retries) }

        let routed = zip(ups, zip(upstreamLabels, counters)).filter { $0.0.policy.factory.affinity != .none }.map(\.1)
        if !routed.isEmpty {
            page.family("upstream_session_picks_total", .counter,
                        "Session-routed requests: to the session's server (hit), placed afresh (miss), or to the unusable owner's stand-in (failover).")
            for (label, c) in routed {
                page.sample(label, c.ownerPicks, with: ("result", Array("hit".utf8)))
                page.sample(label, c.balancedPicks, with: ("result", Array("miss".utf8)))
                page.sample(label, c.fallbackPicks, with: ("result", Array("failover".utf8)))
            }
            page.family("upstream_sticky_cookies_rejected_total", .counter,
                        "Signed sticky cookies ignored, by reason.")
            for (label, c) in routed {
                page.sample(label, c.cookiesTampered, with: ("reason", Array("tampered".utf8)))
                page.sample(label, c.cookiesExpired, with: ("reason", Array("expired".utf8)))
            }
            page.family("upstream_route_restamps_total", .counter,
                        "Session cookies the application re-stamped with a new route after a failover.")
            for (label, c) in routed { page.sample(label, c.failbackRestamped) }
            page.family("upstream_failback_sessions", .gauge, "Sessions held on their stand-in (jvm_route failback=stay).")
            for (label, c) in routed { page.sample(label, c.failbackEntries) }
        }

        var servers: [ServerFigures] = []
        for up in ups {
            let set = up.current   // one version: its peers, health and indices agree
            let names = labels(for: set.peers)
            for (i, (status, metrics)) in zip(set.health.snapshot(now: now), set.health.metrics()).enumerated() {
                servers.append(ServerFigures(labels: Exposition.Labels([("upstream", up.name), ("server", names[i])]),
                                             status: status, metrics: metrics,
                                             sessions: set.health.boundSessions(PeerID(i), now: now),
                                             checks: set.health.healthChecks(PeerID(i))))
            }
        }
        page.family("server_status", .gauge, "The server's state, one-hot: up, down (failed max_fails), unhealthy (failed its health checks), maint (down in the configuration), draining, backup.")
        for s in servers {
            let state = stateName(s.status.state)
            for (candidate, text) in zip(stateNames, stateTexts) {
                page.sample(s.labels, candidate == state ? 1 : 0, with: ("state", text))
            }
        }
        let plain: [(String, Exposition.Kind, String, (ServerFigures) -> Int)] = [
            ("server_weight", .gauge, "The server's configured weight.", { $0.status.weight }),
            ("server_current_connections", .gauge, "Requests in flight to the server.", { $0.status.active }),
            ("server_requests_total", .counter, "Tries sent to the server.", { $0.status.requests }),
            ("server_failures_total", .counter, "Tries that failed (error, timeout or a proxy_next_upstream status).",
             { $0.status.failures }),
            ("server_sessions", .gauge, "Distinct session ids routed to the server within drain_idle (an estimate).",
             { $0.sessions }),
            ("server_unavailable_total", .counter, "Times the server was marked unavailable (max_fails reached).",
             { $0.metrics.unavailablePeriods }),
            ("server_max_conns_skips_total", .counter, "Times a pick passed the server over because it was at max_conns.",
             { $0.metrics.maxConnsRefusals }),
            ("server_checks_total", .counter, "Active health checks of the server (health_check).", { $0.checks.checks }),
            ("server_check_failures_total", .counter, "Active health checks the server failed.", { $0.checks.fails }),
            ("server_check_up_down_total", .counter, "Times the server became unhealthy by its health checks.",
             { $0.checks.unhealthy }),
        ]
        for (name, kind, help, value) in plain {
            page.family(name, kind, help)
            for s in servers { page.sample(s.labels, value(s)) }
        }
        page.family("server_http_responses_total", .counter, "Responses from the server, by status class.")
        for s in servers {
            for (i, n) in s.metrics.responsesByClass.enumerated() { page.sample(s.labels, n, with: ("code", Exposition.statusClasses[i])) }
        }
        page.family("server_header_time_seconds", .histogram, "Time from the start of a try to the response head.")
        for s in servers { page.histogram(s.labels, s.metrics.headerTime) }
        page.family("server_response_time_seconds", .histogram, "Time from the start of a try to the end of the response.")
        for s in servers { page.histogram(s.labels, s.metrics.responseTime) }
    }

    /// One server's figures at the moment of the scrape, with its series labels.
    private struct ServerFigures {
        let labels: Exposition.Labels
        let status: PeerStatus
        let metrics: PeerMetricsSnapshot
        /// Sessions within the upstream's `drain_idle`.
        let sessions: Int
        let checks: HealthCheckSnapshot
    }

    /// The `state` label's values, in the one-hot order.
    private static let stateNames = ["up", "down", "unhealthy", "maint", "draining", "backup"]
    private static let stateTexts = stateNames.map { Array($0.utf8) }

    private static func stateName(_ state: PeerStatus.State) -> String {
        switch state {
        case .up: return "up"
        case .down: return "maint"       // `down` in the configuration: HAProxy's MAINT
        case .failing: return "down"     // failed max_fails: HAProxy's DOWN
        case .unhealthy: return "unhealthy"   // failed its health checks
        case .draining: return "draining"
        case .backup: return "backup"
        }
    }

    /// The `server` label of each peer: its address as configured, with `#2`, `#3`… on repeats, so that every
    /// series stays unique when an upstream lists one address twice.
    private static func labels(for peers: [PeerConfig]) -> [String] {
        var seen: [String: Int] = [:]
        return peers.map { peer in
            let n = (seen[peer.address] ?? 0) + 1
            seen[peer.address] = n
            return n == 1 ? peer.address : "\(peer.address)#\(n)"
        }
    }
}
