import Glibc
import Testing
import SwitchyardTestSupport

/// The promise of a reload: under continuous keep-alive load, no request is lost, and every request that starts
/// after the reload completed follows the new configuration.
@Suite struct ReloadUnderLoadTests {
    /// One reload: when it was signalled, when a new connection first saw the new upstream and all workers had
    /// adopted it, and which backend the new configuration routes to.
    struct Epoch { let signalled: UInt64; let answered: UInt64; let completed: UInt64; let backend: String }

    /// The two configurations route `/` to different upstreams of the same list (so a kept-alive connection
    /// must route with the new virtual hosts, not just the new upstream table) and log to different files (so
    /// a request that straddles a reload must log with the configuration it started on).
    static func config(port: UInt16, blue: MockBackend, green: MockBackend, route: String, logs: [String]) -> String {
        nginxConf(port: port, http: """
            upstream blue { server \(blue.address); }
            upstream green { server \(green.address); }
            server {
                listen 127.0.0.1:PORT;
                \(logs.map { "access_log logs/\($0).log;" }.joined(separator: " "))
                location / { proxy_pass http://\(route); }
            }
            """)
    }

    @Test func twentyReloadsUnderKeepAliveLoadLoseNoRequest() throws {
        let blue = try MockBackend(name: "blue") { _ in MockResponse(text: "blue") }
        let green = try MockBackend(name: "green") { _ in MockResponse(text: "green") }
        defer { blue.stop(); green.stop() }
        let port = freePort()
        let configs = [("blue", ["blue"]), ("green", ["green", "green-audit"])].map {
            (backend: $0.0, text: Self.config(port: port, blue: blue, green: green, route: $0.0, logs: $0.1))
        }
        let proxy = try LiveProxy(port: port, config: configs[0].text)
        defer { proxy.process.stop() }

        let load = LoadGenerator(port: port, clients: 4)
        var stopped: LoadGenerator.Totals?
        defer { if stopped == nil { _ = load.stop() } }
        #expect(waitFor { load.served >= 50 }, "load did not start")

        var epochs: [Epoch] = []
        var fdsEarly = 0
        for i in 1...20 {
            let next = configs[i % 2]
            try proxy.rewrite(next.text)
            let signalled = nowNanos()
            proxy.signal(SIGHUP)
            var answered: UInt64?
            let done = waitFor(seconds: 20) {
                if answered == nil, proxy.backendOnNewConnection() == next.backend { answered = nowNanos() }
                return answered != nil && proxy.reloadsLogged == i
            }
            try #require(done, "reload \(i) did not complete:\n\(proxy.errorLog)")
            if i == 2 {
                fdsEarly = openDescriptors(proxy.pid)
                try #require(fdsEarly > 0, "cannot count the descriptors of \(proxy.pid) in /proc")
            }
            epochs.append(Epoch(signalled: signalled, answered: answered!, completed: nowNanos(), backend: next.backend))
            // Let the clients run on the new configuration before the next reload.
            let mark = load.served
            #expect(waitFor { load.served >= mark + 40 }, "load stalled after reload \(i)")
        }
        let totals = load.stop()
        stopped = totals
        // Reloads do not leak descriptors (each one opens the log files again; the old ones must close).
        // Old runtimes go once no request uses them (buffered log writers for them are dropped within a second).
        var fdsLate = 0
        #expect(waitFor(seconds: 5) { fdsLate = openDescriptors(proxy.pid); return fdsLate > 0 && fdsLate < fdsEarly + 4 }, "\(fdsEarly) descriptors after reload 2, \(fdsLate) after reload 20: \(descriptorTargets(proxy.pid))")

        // Every request that started after reload k completed, and before reload k+1 was signalled, went to
        // the backend of configuration k; those before the first reload went to the first one.
        var checked = 0, misrouted: [String] = []
        for s in totals.served {
            let expected: String
            if s.startNanos < epochs[0].signalled {
                expected = configs[0].backend
            } else if let k = epochs.lastIndex(where: { $0.completed < s.startNanos }),
                      k + 1 == epochs.count || s.startNanos < epochs[k + 1].signalled {
                expected = epochs[k].backend
            } else {
                continue   // started while a reload was in progress: either configuration is right
            }
            checked += 1
            if s.backend != expected { misrouted.append("expected \(expected), got \(s.backend)") }
        }
        let latencies = epochs.map { Double($0.answered - $0.signalled) / 1e6 }.sorted()
        let median = latencies[latencies.count / 2], worst = latencies.last!
        print("""
            lifecycle reload-under-load: reloads=\(epochs.count) requests=\(totals.served.count) \
            failed=\(totals.failures.count) misrouted=\(misrouted.count) checked=\(checked) \
            clean-keepalive-closes=\(totals.cleanCloses) client-connections=\(totals.connections) \
            signal-to-new-config median=\(String(format3(median)))ms max=\(String(format3(worst)))ms
            """)
        #expect(epochs.count == 20)
        #expect(totals.failures.count == 0, "\(totals.failures.prefix(10))")
        #expect(misrouted.count == 0, "first: \(misrouted.prefix(5))")
        #expect(checked > 20 * 40 / 2)
        // Keep-alive really was exercised: far fewer connections than requests.
        #expect(totals.connections * 10 < totals.served.count)
        #expect(proxy.reloadsLogged == 20)
        #expect(!proxy.errorLog.contains("[alert]") && !proxy.errorLog.contains("[crit]"))

        // A request logs with the configuration it started on: both logs of the green configuration hold the
        // same requests, whichever configuration the worker had moved to when the response ended.
        #expect(proxy.process.stop(SIGQUIT) == 0)
        let green1 = proxy.count("GET", in: "logs/green.log"), green2 = proxy.count("GET", in: "logs/green-audit.log")
        #expect(green1 == green2 && green1 > 0, "green.log \(green1) lines, green-audit.log \(green2)")
    }
}

/// Milliseconds with one decimal, without Foundation.
func format3(_ ms: Double) -> String {
    let tenths = Int((ms * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}

/// How many descriptors process `pid` has open (entries of /proc/PID/fd).
func openDescriptors(_ pid: pid_t) -> Int {
    guard let dir = opendir("/proc/\(pid)/fd") else { return -1 }
    defer { closedir(dir) }
    var n = 0
    while readdir(dir) != nil { n += 1 }
    return n - 2   // . and ..
}

/// What each open descriptor of `pid` points at, for a failure message.
func descriptorTargets(_ pid: pid_t) -> [String: Int] {
    guard let dir = opendir("/proc/\(pid)/fd") else { return [:] }
    defer { closedir(dir) }
    var out: [String: Int] = [:]
    while let e = readdir(dir) {
        let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        var buf = [CChar](repeating: 0, count: 512)
        let n = readlink("/proc/\(pid)/fd/\(name)", &buf, 511)
        if n > 0 {
            let target = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            out[target.hasPrefix("socket:") ? "socket" : target, default: 0] += 1
        }
    }
    return out
}
