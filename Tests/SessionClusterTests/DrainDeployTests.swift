import Glibc
import SwitchyardTestSupport
import Testing

/// Issue 18 point 3 end to end, on the demo's pieces (memcached, two session-app Tomcats, jvm_route):
/// examples/deploy-drain.sh drains tomcat1 through the runtime API, polls until `drained`, stops it, starts it
/// and undrains it, while browsers keep using the cluster. Not one request fails, and tomcat1's session count
/// reaches 0 before it is stopped.
@Suite(.serialized) struct DrainDeployTests {
    @Test func theDeployScriptDrainsStopsStartsAndUndrainsWithNoFailedRequest() throws {
        let cluster = try ClusterFixture(
            .jvmRouteSticky, upstreamDirectives: "zone tomcat-lb 64k; drain_idle 2s;",
            serverDirectives: "location /api { api write=on; allow 127.0.0.1; deny all; }")
        defer { cluster.stop() }
        let port = cluster.proxyPort
        var failed: [String] = []
        func refresh(_ b: inout Browser) -> SessionPage? {
            do { return try b.refresh() } catch { failed.append("\(error)"); return nil }
        }
        // Sessions on both Tomcats before the deploy.
        var onFirst: [Browser] = [], onSecond: [Browser] = []
        for _ in 0..<40 where onFirst.count < 4 || onSecond.count < 4 {
            var b = Browser(port: port)
            guard let page = refresh(&b) else { continue }
            if page.servedBy == "tomcat1" { onFirst.append(b) } else { onSecond.append(b) }
        }
        #expect(onFirst.count >= 4 && onSecond.count >= 4)

        let dir = cluster.directory
        let appPort = cluster.appPorts[0]
        let old = cluster.app(route: "tomcat1")
        let restart = cluster.appArguments(0).map { "'\($0)'" }.joined(separator: " ")
        let portClosed = "for i in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/\(appPort)) 2>/dev/null || break; sleep 0.1; done"
        let script = try ChildProcess(name: "deploy-drain", [
            "/usr/bin/env", "API=http://127.0.0.1:\(port)/api/9", "UPSTREAM=tomcat-lb", "POLL=1", "MAX_WAIT=60",
            "STOP_CMD=kill \(old.pid); \(portClosed)",
            "START_CMD=\(restart) >\(dir)/tomcat1-new.out 2>&1 & echo $! >\(dir)/tomcat1-new.pid",
            "/bin/bash", Package.root + "/examples/deploy-drain.sh", "127.0.0.1:\(appPort)",
        ], logDirectory: dir)
        defer {
            if let text = try? TempDir.read(dir + "/tomcat1-new.pid"), let pid = pid_t(text.split(separator: "\n").first ?? "") {
                kill(pid, SIGTERM)
            }
        }

        // While the script runs: tomcat1's users finish within a second and leave; tomcat2's keep going; new
        // visitors keep arriving. Bounded: the script gives up after MAX_WAIT.
        var rounds = 0
        var newOnFirstWhileDraining = 0
        let start = Clock.seconds()
        while !script.hasExited && Clock.seconds() - start < 90 {
            rounds += 1
            if Clock.seconds() - start < 1 { for i in onFirst.indices { _ = refresh(&onFirst[i]) } }
            for i in onSecond.indices { _ = refresh(&onSecond[i]) }
            var visitor = Browser(port: port)
            // Draining from the script's first poll (its PATCH has returned) until it says it undrains.
            let log = script.stdout()
            let draining = log.contains("within drain_idle") && !log.contains("undraining")
            if let page = refresh(&visitor), page.servedBy == "tomcat1", draining {
                newOnFirstWhileDraining += 1
            }
            usleep(20_000)
        }
        #expect(script.hasExited && script.stop() == 0, "deploy-drain: \(script.stdout()) \(script.stderr())")
        let log = script.stdout()
        #expect(log.contains("drained: true") && log.contains("0 session(s) within drain_idle, drained: true"), "\(log)")
        #expect(log.contains("undraining 127.0.0.1:\(appPort)"))
        #expect(failed.isEmpty, "failed requests: \(failed.prefix(5))")
        #expect(newOnFirstWhileDraining == 0)
        #expect(rounds > 10)

        // Undrained: new sessions reach the restarted tomcat1 again.
        var reached = false
        for _ in 0..<20 where !reached {
            var b = Browser(port: port)
            reached = refresh(&b)?.servedBy == "tomcat1"
        }
        #expect(reached && failed.isEmpty)
    }
}

/// Seconds on the monotonic clock, for the test's own bound.
private enum Clock {
    static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
