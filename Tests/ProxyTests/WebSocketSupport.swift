import Glibc
import SwitchyardTestSupport

/// Debian's python3 with `python3-websockets` (scripts/setup.sh test), running Tests/WebSocketScripts/*.py:
/// a real WebSocket server behind switchyard and a real client in front of it.
enum WebSocketPython {
    static let python = "/usr/bin/python3"
    static func script(_ name: String) -> String { Package.root + "/Tests/WebSocketScripts/" + name }

    /// Whether the interpreter and the module are there (the tests say what to install when not).
    static let available: Bool = {
        guard access(python, X_OK) == 0, let dir = try? TempDir.make() else { return false }
        let pid = try? Spawn.run([python, "-c", "import websockets"], stdoutPath: dir + "/o", stderrPath: dir + "/e")
        guard let pid else { return false }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status == 0
    }()

    static let missing = "python3-websockets is not installed: run scripts/setup.sh test"
}

/// A Python process of a WebSocket test (server or client), output in files, stopped by PID.
final class PythonProcess {
    let pid: pid_t
    let out: String
    let err: String
    private(set) var exitStatus: Int32?

    convenience init(_ script: String, _ args: [String]) throws {
        try self.init(path: WebSocketPython.script(script), args)
    }

    /// Any script of Tests/ (the dashboard's browser driver lives in Tests/BrowserScripts).
    init(path: String, _ args: [String]) throws {
        let dir = try TempDir.make()
        out = dir + "/stdout"
        err = dir + "/stderr"
        pid = try Spawn.run([WebSocketPython.python, path] + args, stdoutPath: out, stderrPath: err)
    }

    func stdout() -> String { (try? TempDir.read(out)) ?? "" }
    func stderr() -> String { (try? TempDir.read(err)) ?? "" }

    func reap() -> Int32? {
        if let s = exitStatus { return s }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        }
        return exitStatus
    }

    /// Waits (bounded) for the exit; kills it when it does not come.
    @discardableResult
    func wait(seconds: Int = 60) -> Int32 {
        if eventually(seconds: seconds, { reap() != nil }) { return exitStatus! }
        stop()
        return -1
    }

    func stop() {
        if reap() != nil { return }
        kill(pid, SIGKILL)
        _ = eventually(seconds: 10) { reap() != nil }
    }

    /// Runs a client to completion: its exit status and what it printed.
    static func client(_ url: String, _ mode: String, _ args: [String] = [], cookie: String? = nil,
                       seconds: Int = 60) throws -> (status: Int32, output: String) {
        let p = try PythonProcess("ws_client.py", [url, mode] + args + (cookie.map { ["--cookie", $0] } ?? []))
        let s = p.wait(seconds: seconds)
        return (s, p.stdout() + p.stderr())
    }

    deinit { stop() }
}

/// A WebSocket echo server (ws_server.py) named `name`: every connection first hears "name path cookie".
final class WebSocketNode {
    let name: String
    let port: UInt16
    let process: PythonProcess
    var address: String { "127.0.0.1:\(port)" }

    init(_ name: String) throws {
        self.name = name
        port = freePort()
        process = try PythonProcess("ws_server.py", [String(port), name])
        guard eventually(seconds: 20, { process.stdout().contains("ready") || process.reap() != nil }),
              process.reap() == nil else {
            throw TestClientError("ws_server.py did not start: \(process.stderr())")
        }
    }

    func stop() { process.stop() }
}

/// The resident set of a process in KiB (/proc), for memory bounds.
func residentKiB(_ pid: pid_t) -> Int {
    guard let text = try? TempDir.read("/proc/\(pid)/status") else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
    }
    return 0
}
