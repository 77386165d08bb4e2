import Glibc
import SwitchyardTestSupport

/// A process started for a test (memcached, a session-app node), its output in files, stopped by PID.
/// Readiness is polled on its port, never slept for.
final class ChildProcess {
    let name: String
    let pid: pid_t
    let logPrefix: String
    private(set) var exitStatus: Int32?

    init(name: String, _ args: [String], logDirectory: String) throws {
        self.name = name
        logPrefix = logDirectory + "/" + name
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, logPrefix + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, logPrefix + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var cargs = args.map { strdup($0) } + [nil]
        defer { for a in cargs { free(a) } }
        // Default signal handling in the child, whatever the test runner's threads block.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty); sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, args[0], &actions, &attr, &cargs, environ)
        if rc != 0 { throw TestClientError("posix_spawn \(args[0]) failed: \(rc)") }
        self.pid = pid
    }

    /// Waits until something accepts connections on `port` (10 s at most), failing early if the process exited.
    func waitUntilListening(_ port: UInt16) throws {
        try PortProbe.waitUntilListening(port, what: name) {
            reap().map { "status \($0): \(stderr())" }
        }
    }

    /// Sends `sig` unless the process has been reaped already (the PID could be reused by then).
    func signal(_ sig: Int32) {
        if exitStatus == nil { kill(pid, sig) }
    }

    /// Sends `sig` and waits (bounded) until the process is gone, so its ports are closed when this returns.
    @discardableResult
    func stop(_ sig: Int32 = SIGTERM) -> Int32? {
        if let s = exitStatus { return s }
        kill(pid, sig)
        for _ in 0..<2000 {
            if let s = reap() { return s }
            usleep(5_000)
        }
        kill(pid, SIGKILL)
        for _ in 0..<1000 {
            if let s = reap() { return s }
            usleep(5_000)
        }
        return nil
    }

    private func reap() -> Int32? {
        if let s = exitStatus { return s }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        }
        return exitStatus
    }

    func stdout() -> String { (try? TempDir.read(logPrefix + ".out")) ?? "" }
    func stderr() -> String { (try? TempDir.read(logPrefix + ".err")) ?? "" }

    deinit { stop(SIGKILL) }
}
