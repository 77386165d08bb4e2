import Glibc
import Testing
import SwitchyardTestSupport

/// A signal sent the moment the pid file appears is acted on, never fatal (issue 13 item 1: before the fix, 17 of
/// 20 processes died of such a SIGHUP and 19 of 20 of a SIGUSR1; nginx: none). A `systemctl reload` right after
/// start, or logrotate's reopen at boot, does exactly this.
@Suite struct EarlySignalTests {
    @Test(arguments: [(SIGHUP, "reconfigured in"), (SIGUSR1, "logs reopened"), (SIGQUIT, "gracefully shutting down")])
    func aSignalAsSoonAsThePidFileAppearsIsHandled(signal: Int32, logged: String) throws {
        var failures: [String] = []
        for round in 0..<20 {
            let port = freePort()
            let p = try ProxyProcess(config: nginxConf(port: port, http: """
                server { listen 127.0.0.1:PORT; location / { return 200 "ok"; } }
                """))
            defer { p.stop(SIGKILL) }
            // Spin on the pid file (bounded by time, no sleep), then signal at once: the narrowest window there is.
            let pidFile = p.prefix + "/logs/switchyard.pid"
            let deadline = nowNanos() + 20_000_000_000
            while access(pidFile, F_OK) != 0 && nowNanos() < deadline {}
            kill(p.pid, signal)
            let handled = waitFor(seconds: 20) { p.file("logs/error.log").contains(logged) }
            // A graceful stop exits by itself; the others keep serving until SIGTERM. 0 either way, not 128+signal.
            let status = signal == SIGQUIT ? p.waitForExit(seconds: 20) : p.stop(SIGTERM)
            if !handled || status != 0 {
                failures.append("round \(round): exit \(status.map(String.init) ?? "none"), \"\(logged)\" logged: \(handled)")
            }
        }
        let failed = failures.count
        #expect(failed == 0, "of 20: \(failures.joined(separator: "; "))")
    }
}
