import Glibc
import Locking
import SwitchyardTestSupport

/// A running switchyard whose `conf/nginx.conf` a test rewrites and reloads, as an operator would.
final class LiveProxy {
    let port: UInt16
    let process: ProxyProcess
    var prefix: String { process.prefix }
    var pid: pid_t { process.pid }

    /// `config` receives the listen port and returns the whole nginx.conf text.
    init(port: UInt16 = freePort(), files: [String: String] = [:], config: String) throws {
        self.port = port
        process = try ProxyProcess(config: config, files: files, waitForPort: port)
    }

    func rewrite(_ config: String) throws { try TempDir.write(prefix + "/conf/nginx.conf", config) }
    func signal(_ sig: Int32) { process.signal(sig) }
    func file(_ relative: String) -> String { process.file(relative) }
    func exists(_ relative: String) -> Bool { access(prefix + "/" + relative, F_OK) == 0 }
    var errorLog: String { file("logs/error.log") }

    /// How many lines of `relative` contain `needle`.
    func count(_ needle: String, in relative: String = "logs/error.log") -> Int {
        file(relative).split(separator: "\n").filter { $0.contains(needle) }.count
    }

    /// One request on a fresh connection.
    func get(_ path: String = "/") throws -> TestResponse { try TestClient.get(port: port, path) }

    /// Which backend answers a request on a new connection (nil when the request fails).
    func backendOnNewConnection(_ path: String = "/probe") -> String? { (try? get(path))?.header("X-Backend") }

    /// Waits until error.log reports `n` completed reloads in total.
    func waitForReloads(_ n: Int, seconds: Double = 20) -> Bool {
        waitFor(seconds: seconds) { reloadsLogged >= n }
    }

    var reloadsLogged: Int { count("reconfigured in") }
}

/// The configuration every lifecycle test starts from: one server on `port`, `body` inside `http`.
func nginxConf(port: UInt16, workers: Int = 2, main: String = "", http: String) -> String {
    """
    worker_processes \(workers);
    error_log logs/error.log info;
    pid logs/switchyard.pid;
    \(main)
    events { worker_connections 1024; }
    http {
        access_log off;
    \(http.replacingAll("PORT", with: String(port)))
    }
    """
}

/// Monotonic time in nanoseconds.
func nowNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Polls `condition` every 5 ms for at most `seconds`; true as soon as it holds (bounded, no fixed sleep).
func waitFor(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = nowNanos() + UInt64(seconds * 1e9)
    while nowNanos() < deadline {
        if condition() { return true }
        usleep(5_000)
    }
    return condition()
}

/// A latch a backend handler waits on (bounded), so a test holds a response in flight exactly as long as it needs.
final class Gate: Sendable {
    private let opened = Lock(false)
    func open() { opened.withLock { $0 = true } }
    /// Returns true when opened within `seconds`.
    func wait(seconds: Double = 15) -> Bool { waitFor(seconds: seconds) { opened.withLock { $0 } } }
}

/// Runs the switchyard CLI (`-p PREFIX -s reload` …) to completion; returns its exit status and stderr.
func runCLI(_ arguments: [String], prefix: String) throws -> (status: Int32, stderr: String) {
    let errPath = prefix + "/cli-stderr.log"
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    var argv = ([ProxyProcess.binary] + arguments).map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, ProxyProcess.binary, &actions, nil, &argv, environ)
    if rc != 0 { throw TestClientError("posix_spawn failed: \(rc)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (code, (try? TempDir.read(errPath)) ?? "")
}

extension String {
    /// Foundation-free replace-all.
    func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
