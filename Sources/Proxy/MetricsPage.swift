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
        return Array(page.text.utf8)
    }

    private static func process(_ stats: SharedStats, into page: inout Exposition) {
        let s = stats.snapshot(), p = stats.processFigures()
        page.family("process_start_time_seconds", .gauge, "Start time of the process since the Unix epoch, in seconds.")
        page.sample([], p.startTime)
        page.family("process_connections_accepted_total", .counter, "Client connections accepted.")
        page.sample([], s.accepted)
        page.family("process_connections_handled_total", .counter, "Client connections handled.")
        page.sample([], s.handled)
        page.family("process_current_connections", .gauge, "Open client connections.")
        page.sample([], s.active)
        page.family("process_current_connections_by_state", .gauge,
                    "Open client connections reading a request head, writing a response, or waiting (idle keep-alive).")
        page.sample([("state", "reading")], s.reading)
        page.sample([("state", "writing")], s.writing)
        page.sample([("state", "waiting")], s.waiting)
        page.family("process_requests_total", .counter, "Client requests read.")
        page.sample([], s.requests)
        page.family("process_http_responses_total", .counter, "Responses logged, by status class.")
        for (i, n) in p.responsesByClass.enumerated() { page.sample([("code", "\(i + 1)xx")], n) }
        page.family("process_reloads_total", .counter, "Reloads (SIGHUP), by result.")
        page.sample([("result", "ok")], p.reloads)
        page.sample([("result", "failed")], p.failedReloads)
        page.family("process_last_reload_success", .gauge, "1 when the last reload succeeded or none was tried, else 0.")
        page.sample([], p.lastReloadFailed ? 0 : 1)
        page.family("process_last_reload_time_seconds", .gauge, "Time of the last reload attempt since the Unix epoch (0: none).")
        page.sample([], p.lastReloadTime)
    }

    private static func upstreams(_ rt: Runtime, now: Instant, into page: inout Exposition) {
        let ups = rt.upstreams
        let counters = ups.map { $0.policy.factory.counters.snapshot(table: $0.policy.factory.failbackTable) }
        page.family("upstream_retries_total", .counter, "Tries after a failed one (proxy_next_upstream).")
        for (up, c) in zip(ups, counters) { page.sample([("upstream", up.name)], c.retries) }

        let routed = zip(ups, counters).filter { $0.0.policy.factory.affinity != .none }
        if !routed.isEmpty {
            page.family("upstream_session_picks_total", .counter,
                        "Session-routed requests: to the session's server (hit), placed afresh (miss), or to the unusable owner's stand-in (failover).")
            for (up, c) in routed {
                page.sample([("upstream", up.name), ("result", "hit")], c.ownerPicks)
                page.sample([("upstream", up.name), ("result", "miss")], c.balancedPicks)
                page.sample([("upstream", up.name), ("result", "failover")], c.fallbackPicks)
            }
            page.family("upstream_sticky_cookies_rejected_total", .counter,
                        "Signed sticky cookies ignored, by reason.")
            for (up, c) in routed {
                page.sample([("upstream", up.name), ("reason", "tampered")], c.cookiesTampered)
                page.sample([("upstream", up.name), ("reason", "expired")], c.cookiesExpired)
            }
            page.family("upstream_route_restamps_total", .counter,
                        "Session cookies the application re-stamped with a new route after a failover.")
            for (up, c) in routed { page.sample([("upstream", up.name)], c.failbackRestamped) }
            page.family("upstream_failback_sessions", .gauge, "Sessions held on their stand-in (jvm_route failback=stay).")
            for (up, c) in routed { page.sample([("upstream", up.name)], c.failbackEntries) }
        }

        var servers: [ServerFigures] = []
        for up in ups {
            let set = up.current   // one version: its peers, health and indices agree
            let names = labels(for: set.peers)
            for (i, (status, metrics)) in zip(set.health.snapshot(now: now), set.health.metrics()).enumerated() {
                servers.append(ServerFigures(labels: [("upstream", up.name), ("server", names[i])],
                                             status: status, metrics: metrics,
                                             sessions: set.health.boundSessions(PeerID(i), now: now),
                                             checks: set.health.healthChecks(PeerID(i))))
            }
        }
        page.family("server_status", .gauge, "The server's state, one-hot: up, down (failed max_fails), unhealthy (failed its health checks), maint (down in the configuration), draining, backup.")
        for s in servers {
            let state = stateName(s.status.state)
            for candidate in ["up", "down", "unhealthy", "maint", "draining", "backup"] {
                page.sample(s.labels + [("state", candidate)], candidate == state ? 1 : 0)
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
            for (i, n) in s.metrics.responsesByClass.enumerated() { page.sample(s.labels + [("code", "\(i + 1)xx")], n) }
        }
        page.family("server_header_time_seconds", .histogram, "Time from the start of a try to the response head.")
        for s in servers { page.histogram(s.labels, s.metrics.headerTime) }
        page.family("server_response_time_seconds", .histogram, "Time from the start of a try to the end of the response.")
        for s in servers { page.histogram(s.labels, s.metrics.responseTime) }
    }

    /// One server's figures at the moment of the scrape, with its series labels.
    private struct ServerFigures {
        let labels: [(String, String)]
        let status: PeerStatus
        let metrics: PeerMetricsSnapshot
        /// Sessions within the upstream's `drain_idle`.
        let sessions: Int
        let checks: HealthCheckSnapshot
    }

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
