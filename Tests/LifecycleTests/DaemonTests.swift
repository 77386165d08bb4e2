import Glibc
import SwitchyardTestSupport
import Testing

/// `daemon on` (the default): what the detached server keeps of the shell that started it.
@Suite struct DaemonTests {
    /// The daemon's standard error is its error log, as nginx's: it held the starting shell's stderr (a pipe in
    /// `out=$(switchyard 2>&1)`, which then returned only when the server stopped).
    @Test func aDaemonsStderrIsItsErrorLog() throws {
        let prefix = try TempDir.makePrefix()
        let port = freePort()
        try TempDir.write(prefix + "/conf/nginx.conf", nginxConf(port: port, workers: 1, http: """
            server { listen 127.0.0.1:PORT; location / { return 200 "up"; } }
            """))
        let (status, _) = try ProxyProcess.run(arguments: ["-p", prefix, "-c", "conf/nginx.conf"], prefix: prefix)
        #expect(status == 0)
        var pid: pid_t = 0
        #expect(waitFor { pid = pid_t(((try? TempDir.read(prefix + "/logs/switchyard.pid")) ?? "").filter(\.isNumber)) ?? 0; return pid > 0 })
        guard pid > 0 else { return }
        defer {
            kill(pid, SIGTERM)
            _ = waitFor { kill(pid, 0) != 0 }
        }
        #expect(try TestClient.get(port: port, "/").text == "up")
        var target = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/\(pid)/fd/2", &target, target.count - 1)
        let stderrPath = String(decoding: target.prefix(max(n, 0)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #expect(stderrPath == prefix + "/logs/error.log")
    }

    /// A reload that changes worker_processes says the change waits for a restart (it did so silently).
    @Test func aChangedWorkerCountIsNoticed() throws {
        let port = freePort()
        let http = "server { listen 127.0.0.1:PORT; location / { return 200 \"up\"; } }"
        let proxy = try LiveProxy(port: port, config: nginxConf(port: port, workers: 2, http: http))
        defer { proxy.process.stop() }
        try proxy.rewrite(nginxConf(port: port, workers: 4, http: http))
        proxy.signal(SIGHUP)
        #expect(proxy.waitForReloads(1))
        #expect(proxy.errorLog.contains("[notice]") && proxy.errorLog.contains(
            "worker_processes 4 takes effect at a restart: 2 worker thread(s) serve until then"), "\(proxy.errorLog)")
        #expect(try TestClient.get(port: port, "/").text == "up")
    }
}
