import Foundation
import SwitchyardTestSupport
import Testing

/// Runs the built `switchyard` binary the way a user does.
private let packageRoot: String = {
    var path = #filePath
    for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
    return path
}()

/// The binary of the build configuration that is running, beside the test executable (never a fallback to
/// `.build/debug`: a release test run would exercise a stale debug binary). SWITCHYARD_BIN overrides.
private let binary: String = {
    if let env = ProcessInfo.processInfo.environment["SWITCHYARD_BIN"] { return env }
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("switchyard").path
}()

private struct Run {
    let status: Int32
    let stdout: String
    let stderr: String
}

private func run(_ arguments: [String]) throws -> Run {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
               stderr: String(decoding: stderr, as: UTF8.self))
}

/// A scratch directory removed when the test ends.
private final class Scratch {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "switchyard-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path + "/conf", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: path + "/logs", withIntermediateDirectories: true)
    }
    func write(_ relative: String, _ text: String) throws {
        try text.write(toFile: path + "/" + relative, atomically: true, encoding: .utf8)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Every top-level sample configuration (one with an `events` or `http` block) under conf/ and examples/.
private func sampleConfigs() -> [String] {
    var found: [String] = []
    for directory in ["conf", "examples"] {
        let base = packageRoot + "/" + directory
        guard let walker = FileManager.default.enumerator(atPath: base) else { continue }
        for case let relative as String in walker where relative.hasSuffix(".conf") {
            let path = base + "/" + relative
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            let topLevel = text.split(separator: "\n").contains { line in
                line.hasPrefix("events") || line.hasPrefix("http")
            }
            if topLevel { found.append(path) }
        }
    }
    return found.sorted()
}

struct BinaryTests {
    @Test func samplesExist() {
        #expect(sampleConfigs().contains(packageRoot + "/conf/nginx.conf"))
    }

    @Test(arguments: sampleConfigs())
    func everySampleConfigPassesTest(path: String) throws {
        let result = try run(["-p", packageRoot, "-c", path, "-t"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.hasSuffix(
            "switchyard: the configuration file \(path) syntax is ok\nswitchyard: configuration file \(path) test is successful\n"))
    }

    @Test func brokenConfigFailsWithTheEmergLine() throws {
        let scratch = try Scratch()
        try scratch.write("conf/nginx.conf", "events {}\nhttp {\n  prxy_pass http://a;\n}\n")
        let result = try run(["-p", scratch.path, "-t"])
        let file = scratch.path + "/conf/nginx.conf"
        #expect(result.status == 1)
        #expect(result.stderr == """
            switchyard: [emerg] unknown directive "prxy_pass" in \(file):3
            switchyard: configuration file \(file) test failed

            """)
    }

    /// nginx's -t opens the pid file: one in a directory that does not exist fails the test, as the start would.
    @Test func aPidFileThatCannotBeMadeFailsTheTest() throws {
        let scratch = try Scratch()
        try scratch.write("conf/nginx.conf", "pid nodir/x.pid;\nevents {}\nhttp {}\n")
        let result = try run(["-p", scratch.path, "-t"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix(
            "switchyard: [emerg] open() \"\(scratch.path)/nodir/x.pid\" failed (2: No such file or directory)\n"))
        try FileManager.default.createDirectory(atPath: scratch.path + "/nodir", withIntermediateDirectories: false)
        #expect(try run(["-p", scratch.path, "-t"]).status == 0)
        // A directory where the file should be: nginx's open fails with EISDIR (the config-diff mutation round).
        try scratch.write("conf/nginx.conf", "pid nodir;\nevents {}\nhttp {}\n")
        let directory = try run(["-p", scratch.path, "-t"])
        #expect(directory.status == 1)
        #expect(directory.stderr.hasPrefix("switchyard: [emerg] open() \"\(scratch.path)/nodir\" failed (21: Is a directory)\n"))
    }

    /// A start that fails says why on stderr too (and in the error log), as nginx does before it lets go of
    /// stderr: a failed start under systemd shows its reason in the journal. The pid file is named as configured.
    @Test func aStartThatFailsSaysWhyOnStderr() throws {
        let busy = try MockBackend(name: "busy") { _ in MockResponse(text: "") }
        defer { busy.stop() }
        let scratch = try Scratch()
        let main = "daemon off; master_process off; error_log logs/error.log; events {}"
        try scratch.write("conf/nginx.conf", "\(main) pid logs/sy.pid; http { server { listen 127.0.0.1:\(busy.port); } }\n")
        let bind = try run(["-p", scratch.path])
        let reason = "bind() to 127.0.0.1:\(busy.port) failed (98: Address already in use)"
        #expect(bind.status == 1)
        #expect(bind.stderr == "switchyard: [emerg] \(reason)\n")
        #expect(try String(contentsOfFile: scratch.path + "/logs/error.log", encoding: .utf8).contains(reason))

        try scratch.write("conf/nginx.conf", "\(main) pid nodir/sy.pid; http { server { listen 127.0.0.1:\(freePort()); } }\n")
        let pid = try run(["-p", scratch.path])
        #expect(pid.status == 1)
        #expect(pid.stderr == "switchyard: [emerg] open() \"\(scratch.path)/nodir/sy.pid\" failed (2: No such file or directory)\n")
    }

    @Test func quietTestPrintsNothingOnSuccess() throws {
        let result = try run(["-p", packageRoot, "-t", "-q"])
        #expect(result.status == 0)
        #expect(result.stderr == "")
    }

    @Test func dumpPrintsEveryFile() throws {
        let scratch = try Scratch()
        // Included twice (in two servers): printed once, as nginx does.
        try scratch.write("conf/nginx.conf", "events {}\nhttp { server { include a.conf; } server { include a.conf; } }\n")
        try scratch.write("conf/a.conf", "gzip on;\n")
        let result = try run(["-p", scratch.path, "-T", "-q"])
        #expect(result.status == 0)
        #expect(result.stdout == """
            # configuration file \(scratch.path)/conf/nginx.conf:
            events {}
            http { server { include a.conf; } server { include a.conf; } }

            # configuration file \(scratch.path)/conf/a.conf:
            gzip on;


            """)
    }

    @Test func version() throws {
        let result = try run(["-v"])
        #expect(result.status == 0)
        #expect(result.stderr == "nginx version: nginx/1.22.1 (switchyard/0.1.0)\n")
    }

    @Test func versionWithConfigureArguments() throws {
        let result = try run(["-V"])
        let lines = result.stderr.split(separator: "\n")
        #expect(result.status == 0)
        #expect(lines.first == "nginx version: nginx/1.22.1 (switchyard/0.1.0)")
        #expect(lines.last?.hasPrefix("configure arguments: --without-http_grpc_module") == true)
        #expect(lines.last?.contains("mirror") == false)   // built, as in nginx's default build
        #expect(lines.last?.contains(" --without-http_grpc_module ") == true)
        #expect(lines.last?.contains("fastcgi") == false)   // built, as in nginx's default build
        #expect(lines.last?.contains("uwsgi") == false && lines.last?.contains("scgi") == false)
        #expect(lines.last?.contains(" --with-http_stub_status_module") == true)
        #expect(lines.last?.contains(" --with-http_gzip_static_module ") == true)   // nginx-tests' has('gzip_static')
        #expect(lines.last?.contains(" --with-http_flv_module ") == true)   // nginx-tests' has('flv')
        #expect(lines.last?.contains(" --with-http_sub_module") == true)   // nginx-tests' has('sub')
        #expect(lines.last?.contains(" --with-http_addition_module") == true)   // nginx-tests' has('addition')
        #expect(lines.last?.contains(" --with-http_dav_module ") == true)   // nginx-tests' has('dav')
        #expect(lines.last?.contains(" --with-http_slice_module") == true)   // nginx-tests' has('slice')
        #expect(lines.last?.contains(" --with-http_gunzip_module ") == true)   // nginx-tests' has('gunzip')
        #expect(lines.last?.contains("memcached") == false)   // built, as in nginx's default build
        #expect(lines.last?.contains("http_upstream_random_module") == false)   // implemented: nothing to say
        #expect(lines.last?.contains("http_auth_basic_module") == false)
    }

    @Test func helpListsTheNginxFlags() throws {
        let result = try run(["-h"])
        #expect(result.status == 0)
        for flag in ["-v", "-V", "-t", "-T", "-q", "-s <signal>", "-p <prefix>", "-e <file>", "-c <file>", "-g <directives>"] {
            #expect(result.stdout.contains(flag), "\(flag)")
        }
    }

    @Test func unknownFlagExitsOne() throws {
        let result = try run(["-x"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("switchyard: Error: Unknown option '-x'"))
    }

    @Test func signalWithoutPidFile() throws {
        let scratch = try Scratch()
        try scratch.write("conf/nginx.conf", "events {}\n")
        let result = try run(["-p", scratch.path, "-s", "reload"])
        #expect(result.status == 1)
        #expect(result.stderr == "switchyard: [error] open() \"\(scratch.path)/logs/switchyard.pid\" failed (2: No such file or directory)\n")
    }

    @Test func signalWithInvalidPid() throws {
        let scratch = try Scratch()
        try scratch.write("conf/nginx.conf", "pid run.pid;\nevents {}\n")
        try scratch.write("run.pid", "abc\n")
        let result = try run(["-p", scratch.path, "-s", "quit"])
        #expect(result.status == 1)
        #expect(result.stderr == "switchyard: [error] invalid PID number \"abc\" in \"\(scratch.path)/run.pid\"\n")
    }

    /// A pid no process can have (above Linux's pid_max) makes kill(2) fail the way a stale pid file does.
    @Test func stopReportsAFailedKill() throws {
        let scratch = try Scratch()
        try scratch.write("conf/nginx.conf", "pid run.pid;\nevents {}\n")
        try scratch.write("run.pid", "2147483647\n")
        let result = try run(["-p", scratch.path, "-s", "stop"])
        #expect(result.status == 1)
        #expect(result.stderr == "switchyard: [alert] kill(2147483647, 15) failed (3: No such process)\n")
    }

    /// The reference config as readers paste it: one warning for the spaces, then the quote's place.
    @Test func asPublishedConfigExplainsWhatIsWrong() throws {
        let scratch = try Scratch()
        let published = packageRoot + "/Tests/ConfigTests/Fixtures/as-published/nginx.conf"
        try scratch.write("conf/nginx.conf", try String(contentsOfFile: published, encoding: .utf8))
        let file = scratch.path + "/conf/nginx.conf"
        let result = try run(["-p", scratch.path, "-t"])
        #expect(result.status == 1)
        #expect(result.stderr == """
            switchyard: [warn] treated 46 non-breaking spaces (U+00A0) as plain spaces, the first in \(file):2
            switchyard: [emerg] unexpected typographic quote "‘" (U+2018) at column 23; use ASCII quotes ' or " in \(file):19
            switchyard: configuration file \(file) test failed

            """)
    }

    @Test func errorLogFileGetsTheSameLines() throws {
        let scratch = try Scratch()
        try scratch.write("conf/nginx.conf", "events {}\nhttp { gzip maybe; }\n")
        let result = try run(["-p", scratch.path, "-e", "error.log", "-t"])
        let logged = try String(contentsOfFile: scratch.path + "/error.log", encoding: .utf8)
        #expect(result.status == 1)
        #expect(logged == result.stderr)
        #expect(logged.hasPrefix("switchyard: [emerg] invalid value \"maybe\" in \"gzip\" directive"))
    }

    @Test func globalDirectivesErrorsSayCommandLine() throws {
        let result = try run(["-p", packageRoot, "-t", "-q", "-g", "worker_processes many;"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("switchyard: [emerg] \"worker_processes\" directive is duplicate in command line\n"))
    }
}
