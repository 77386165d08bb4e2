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
        pid = try Spawn.run(args, stdoutPath: logPrefix + ".out", stderrPath: logPrefix + ".err")
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

    /// Whether the process has exited (reaping it if so).
    var hasExited: Bool { reap() != nil }

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
