import EventLoop
public import Glibc
import Locking

/// Runs the real `switchyard` binary on a configuration written to a temporary prefix, in the foreground,
/// and stops it by PID (nginx-tests' way: a heredoc config, free ports, no sleeps: readiness is polled).
///
///     let p = try ProxyProcess(config: "events {} http { server { listen 127.0.0.1:\(port); … } }")
///     defer { p.stop() }
public final class ProxyProcess {
    public let prefix: String
    public let pid: pid_t
    public private(set) var exitStatus: Int32?

    /// `config` is the text of conf/nginx.conf; `files` are extra files under the prefix (relative path → text).
    /// The process's stderr goes to `prefix/stderr.log`.
    public init(config: String, files: [String: String] = [:], waitForPort: UInt16? = nil,
                extraArguments: [String] = []) throws {
        prefix = try TempDir.makePrefix()
        try TempDir.write(prefix + "/conf/nginx.conf", config)
        for (path, text) in files { try TempDir.write(prefix + "/" + path, text) }
        let args = [Self.binary, "-p", prefix, "-c", prefix + "/conf/nginx.conf", "-g", "daemon off;"] + extraArguments
        guard access(Self.binary, X_OK) == 0 else {
            throw TestClientError("no switchyard executable at \(Self.binary): build it (swift build) with the tests")
        }
        pid = try Spawn.run(args, stdoutPath: prefix + "/stdout.log", stderrPath: prefix + "/stderr.log")
        if let port = waitForPort { try waitUntilListening(port) }
    }

    /// Runs the binary once to completion (`-t`, `-s …`) and returns its exit status and stderr.
    public static func run(arguments: [String], prefix: String) throws -> (status: Int32, stderr: String) {
        let err = prefix + "/run-stderr.log"
        let pid = try Spawn.run([binary] + arguments, stdoutPath: prefix + "/run-stdout.log", stderrPath: err)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (code, (try? TempDir.read(err)) ?? "")
    }

    /// `-t` of `config`, written as conf/nginx.conf in a new prefix: the exit status, stderr, and the file's path
    /// (what an `[emerg] … in FILE:LINE` names).
    public static func test(config: String) throws -> (status: Int32, stderr: String, file: String) {
        let prefix = try TempDir.make()
        try TempDir.write(prefix + "/logs/.keep", "")
        try TempDir.write(prefix + "/conf/nginx.conf", config)
        let (status, stderr) = try run(arguments: ["-t", "-p", prefix, "-c", "conf/nginx.conf"], prefix: prefix)
        return (status, stderr, prefix + "/conf/nginx.conf")
    }

    /// The switchyard executable of the build configuration that is running (override with SWITCHYARD_BIN).
    public static var binary: String { Package.executable("switchyard", override: "SWITCHYARD_BIN") }

    /// False when the proxies under test are AddressSanitizer builds (`make sanitize` sets SWITCHYARD_SANITIZER):
    /// freed memory stays resident in ASan's quarantine, so a bound on a proxy's RSS says nothing about its use.
    public static var residentSizeIsMeaningful: Bool {
        getenv("SWITCHYARD_SANITIZER").map { String(cString: $0) } != "address"
    }

    public func waitUntilListening(_ port: UInt16, seconds: Int = 20) throws {
        for _ in 0..<(seconds * 100) {
            if let c = try? TestClient(port: port) {
                _ = c
                // The kernel accepts as soon as the socket listens; the master writes the pid file just after.
                for _ in 0..<200 where access(prefix + "/logs/switchyard.pid", F_OK) != 0 { usleep(5_000) }
                return
            }
            if let s = reap() { throw TestClientError("switchyard exited with \(s): \(stderr())") }
            usleep(10_000)
        }
        throw TestClientError("switchyard did not listen on \(port): \(stderr())")
    }

    public func signal(_ sig: Int32) { kill(pid, sig) }

    /// Sends SIGTERM (or `sig`) and waits for the exit; returns the exit status.
    @discardableResult
    public func stop(_ sig: Int32 = SIGTERM) -> Int32 {
        if let s = exitStatus { return s }
        kill(pid, sig)
        return waitForExit(seconds: 20) ?? { kill(pid, SIGKILL); return waitForExit(seconds: 5) ?? -1 }()
    }

    public func waitForExit(seconds: Int) -> Int32? {
        for _ in 0..<(seconds * 100) {
            if let s = reap() { return s }
            usleep(10_000)
        }
        return nil
    }

    private func reap() -> Int32? {
        if let s = exitStatus { return s }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid {
            let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            exitStatus = code
            return code
        }
        return nil
    }

    public func stderr() -> String { (try? TempDir.read(prefix + "/stderr.log")) ?? "" }
    public func file(_ relative: String) -> String { (try? TempDir.read(prefix + "/" + relative)) ?? "" }

    deinit { _ = stop(SIGKILL) }
}

/// The package root, from this file's path (no Foundation Bundle).
public enum Package {
    public static var root: String {
        var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)   // Sources/SwitchyardTestSupport/ProxyProcess.swift
        return parts.joined(separator: "/")
    }

    /// The directory of the running test executable: `.build/<triple>/debug` or `…/release`, where SwiftPM
    /// puts the products of the same build, so `swift test -c release` runs release binaries, never a stale
    /// debug one.
    public static let buildDirectory: String = {
        var path = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &path, path.count - 1)
        guard n > 0 else { return root + "/.build/unknown-configuration" }   // the binary check then fails clearly
        let exe = String(decoding: path[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var parts = exe.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast()
        // A bundle layout (…/Foo.xctest/Contents/MacOS/Foo) keeps the products beside the bundle.
        while let i = parts.lastIndex(where: { $0.hasSuffix(".xctest") }) { parts.removeLast(parts.count - i) }
        return parts.joined(separator: "/")
    }()

    /// The product `name` built next to the tests, or the path in the environment variable `override`.
    public static func executable(_ name: String, override: String) -> String {
        if let env = getenv(override) { return String(cString: env) }
        return buildDirectory + "/" + name
    }
}

/// The ports this test process has handed out, each held by a socket bound to it (see `freePort`).
private let heldPorts = Lock<[UInt16: Int32]>([:])

/// Takes a port in 20000..<32000 on 127.0.0.1 and holds it for the rest of the test process.
private func holdPort(shareWithListeners: Bool) -> UInt16 {
    for _ in 0..<1000 {
        let port = UInt16.random(in: 20000..<32000)
        let taken = heldPorts.withLock { held -> Bool in
            if held[port] != nil { return false }   // handed out before: never twice in one run
            guard let fd = try? Socket.hold(SocketAddress(family: .v4, bytes: [127, 0, 0, 1], port: port),
                                            shareWithListeners: shareWithListeners) else { return false }
            held[port] = fd
            return true
        }
        if taken { return port }
    }
    fatalError("no free port on 127.0.0.1 in 20000..<32000 after 1000 tries")
}

/// A port on 127.0.0.1 for a listener the test starts (a switchyard, a mock, a child process), never free
/// between this call and the listener's bind: it is bound (not listening) by this process, so no other test
/// or process can take it, and a connect to it is refused until the listener binds beside the holder
/// (with SO_REUSEADDR, as switchyard, MockBackend and memcached do). The hold lasts until this process ends,
/// so a port a test closes (a removed `listen`, a stopped node) stays its own. Below the kernel's ephemeral
/// range (32768–60999 on Linux), so no outgoing connection's local port collides with it either.
public func freePort() -> UInt16 { holdPort(shareWithListeners: true) }

/// A port nothing can listen on for the rest of the test process: bound without SO_REUSEADDR and never
/// listened on, so a connect to it is refused. For dead upstreams (`proxy_pass http://127.0.0.1:\(deadPort())`).
public func deadPort() -> UInt16 { holdPort(shareWithListeners: false) }

/// posix_spawn without Foundation; the child starts with no blocked signals and default handlers.
public enum Spawn {
    public static func run(_ args: [String], stdoutPath: String, stderrPath: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var cargs = args.map { strdup($0) } + [nil]
        defer { for a in cargs { free(a) } }
        // The child starts with no blocked signals and default handlers, whatever the test runner's threads use.
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
        return pid
    }
}
