import Balancing
import Config
import EventLoop

/// Every `health_check` of one runtime, run by one prober for the whole process (on worker 0's loop, never
/// blocking it): each round checks every server of the upstream that is not `down`, one probe per server at a
/// time. A result goes through the server's `HealthCheckState` (fails/passes); a change of state is logged in
/// nginx Plus's words and published in the server's shared slot, which every worker's pick reads with one
/// relaxed load: an unhealthy server leaves rotation for all workers at once, and its sessions go to their
/// stand-ins as for a dead node. A reload stops this prober and starts the new runtime's.
final class HealthProber {
    private let loop: Loop
    private let pool: UpstreamPool
    private let log: ErrorLogFile
    private var runs: [Run] = []
    /// Finished probes live until the event that finished them has unwound (as Worker.graveyard).
    private var graveyard: [HealthProbe] = []
    private var reaper: Watcher!
    private var stopped = false

    /// One `health_check` line's rounds and its per-server states, by the server's stable id.
    private final class Run {
        let check: HealthCheckRuntime
        var timer: Watcher?
        var states: [Int: HealthCheckState] = [:]
        var inFlight: [Int: HealthProbe] = [:]
        init(_ check: HealthCheckRuntime) { self.check = check }
    }

    init(runtime: Runtime, loop: Loop, pool: UpstreamPool) {
        self.loop = loop
        self.pool = pool
        self.log = runtime.errorLog
        reaper = Watcher.timer(loop: loop) { [unowned self] in self.graveyard.removeAll() }
        runs = runtime.healthChecks.map(Run.init)
        for run in runs {
            let t = Watcher.timer(loop: loop) { [unowned self, unowned run] in self.round(run) }
            run.timer = t
            t.arm(exactMillis: 0)   // the first round at once, as nginx Plus checks at start
        }
    }

    /// Stops every round and closes the probes in flight (their servers keep the state they had).
    func stop() {
        stopped = true
        for run in runs {
            run.timer?.disarm()
            for p in run.inFlight.values { p.cancel() }
            graveyard += run.inFlight.values
            run.inFlight.removeAll()
        }
        if !graveyard.isEmpty { reaper.fireSoon() }
    }

    private func round(_ run: Run) {
        guard !stopped else { return }
        let check = run.check
        let set = check.upstream.current
        var present: Set<Int> = []
        for (i, server) in set.list.servers.enumerated() {
            present.insert(server.id)
            if server.config.isDown || run.inFlight[server.id] != nil { continue }
            var address = set.addresses[i]
            if let port = check.config.port, address.family != .unix {   // `port=`: the same host, another port
                address = SocketAddress(family: address.family, bytes: address.bytes, port: UInt16(port))
            }
            let id = server.id
            let probe = HealthProbe(check: check, loop: loop, pool: pool) { [unowned self, unowned run] outcome in
                self.finished(run, serverID: id, outcome)
            }
            run.inFlight[id] = probe
            probe.start(address)
        }
        for id in run.states.keys where !present.contains(id) { run.states[id] = nil }   // deleted by the API
        let jitter = check.config.jitter.milliseconds
        let delay = check.config.interval.milliseconds + (jitter > 0 ? Int.random(in: 0...jitter) : 0)
        run.timer?.arm(exactMillis: delay)
    }

    private func finished(_ run: Run, serverID id: Int, _ outcome: HealthProbe.Outcome) {
        if let p = run.inFlight.removeValue(forKey: id) {
            graveyard.append(p)
            reaper.fireSoon()
        }
        let check = run.check
        let set = check.upstream.current
        guard let index = set.list.servers.firstIndex(where: { $0.id == id }) else { return }
        if outcome.skipped {   // this machine's failure, not the server's: no verdict
            return log.log(.alert, "\(outcome.reason ?? "") while \(outcome.phase), health check \"\(check.matchName)\" of peer "
                           + "\(set.addresses[index]) in upstream \"\(check.upstream.name)\"")
        }
        let peer = PeerID(index)
        let health = set.health
        var state = run.states[id] ?? HealthCheckState(unhealthy: health.isUnhealthy(peer))
        let change = state.record(passed: outcome.passed, fails: check.config.fails, passes: check.config.passes)
        run.states[id] = state
        health.recordCheck(peer, passed: outcome.passed, becameUnhealthy: change == .becameUnhealthy)
        // A server is out while any check of its upstream holds it unhealthy.
        let unhealthy = runs.contains { $0.check.upstream === check.upstream && $0.states[id]?.unhealthy == true }
        if health.isUnhealthy(peer) && !unhealthy {   // back in rotation: `slow_start` ramps from now
            health.noteHealthy(peer, now: Instant(nanoseconds: Clock.eventNanos()))
        }
        health.setUnhealthy(peer, unhealthy)
        guard let change else { return }
        let tail = ", health check \"\(check.matchName)\" of peer \(set.addresses[index]) in upstream \"\(check.upstream.name)\""
        switch change {
        case .becameUnhealthy:
            if let reason = outcome.reason { log.log(.error, "\(reason) while \(outcome.phase)" + tail) }
            log.log(.warn, "peer is unhealthy while \(outcome.phase)" + tail)
        case .becameHealthy:
            log.log(.notice, "peer is healthy while checking status code" + tail)
        }
    }
}

extension Duration {
    /// Whole milliseconds (health-check intervals are at least 1 ms).
    fileprivate var milliseconds: Int {
        let c = components
        return Int(c.seconds) * 1000 + Int(c.attoseconds / 1_000_000_000_000_000)
    }
}
