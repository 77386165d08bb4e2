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

    /// A signal while the configuration is still being read (a large file: a big `map` took seconds) waits and is
    /// acted on once the process serves; the signals were blocked only after the files were read, so a reload or
    /// a log reopen in that window killed the process (exit 129). The include is a FIFO here: the process is
    /// known to be reading its configuration while the test holds the FIFO's write end.
    @Test func aSignalWhileTheConfigurationIsReadWaitsForIt() throws {
        let dir = try TempDir.make()
        let fifo = dir + "/included.conf"
        try #require(mkfifo(fifo, 0o644) == 0 && chmod(dir, 0o755) == 0)   // a reload reads it as `user` (nobody)
        let port = freePort()
        let p = try ProxyProcess(config: nginxConf(port: port, http: """
            include \(fifo);
            server { listen 127.0.0.1:PORT; location / { return 200 "$late"; } }
            """))
        defer { p.stop(SIGKILL) }
        // Writes the included file's text once the process opens the FIFO (open returns then); false if the
        // reader is gone (a process killed by the signal).
        func feed(_ value: String) -> Bool {
            // Non-blocking until a reader is there (ENXIO before), within 20 seconds, so the test cannot hang.
            var writer: Int32 = -1
            let deadline = nowNanos() + 20_000_000_000
            while writer < 0 && nowNanos() < deadline {
                writer = open(fifo, O_WRONLY | O_NONBLOCK)
                if writer < 0 { usleep(1_000) }
            }
            guard writer >= 0 else { return false }
            defer { close(writer) }
            _ = fcntl(writer, F_SETFL, 0)
            if value == "first" {
                kill(p.pid, SIGHUP)   // the process is reading its files now
                usleep(100_000)       // delivered by now, if it was going to be fatal
            }
            let text = Array("map $uri $late { default \"\(value)\"; }\n".utf8)
            let pipeAction = signal(SIGPIPE, SIG_IGN)   // a reader killed by the signal fails the write, not the test
            defer { signal(SIGPIPE, pipeAction) }
            return write(writer, text, text.count) == text.count
        }
        try #require(feed("first"), "the process stopped reading its configuration: \(p.file("stderr.log"))")
        try p.waitUntilListening(port)
        // The signal is acted on once the process serves: a reload, which reads the FIFO again.
        #expect(waitFor(seconds: 20) { p.file("logs/error.log").contains("signal 1 (SIGHUP) received") })
        try #require(feed("reloaded"))
        #expect(waitFor(seconds: 20) { p.file("logs/error.log").contains("reconfigured in") }, "\(p.file("logs/error.log"))")
        #expect(try TestClient.get(port: port, "/").text == "reloaded")
        #expect(p.stop(SIGTERM) == 0)
    }
}
