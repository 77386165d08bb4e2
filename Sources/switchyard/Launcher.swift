import Config
import Glibc
import EventLoop
import Proxy
private import Regex

/// What one invocation does, in nginx's order: version, then load the configuration, then signal,
/// test, or serve.
struct Launcher {
    let invocation: Invocation
    let output: ErrorOutput

    init(invocation: Invocation) {
        self.invocation = invocation
        self.output = ErrorOutput(logFile: invocation.errorLog)
    }

    func run() -> Int32 {
        if invocation.showVersion || invocation.showConfigure {
            VersionInfo.lines(configure: invocation.showConfigure).forEach(output.line)
            if !invocation.test && invocation.signal == nil { return 0 }
        }
        if let alert = output.openFailure() { output.line("switchyard: [alert] \(alert)") }
        // Serving: the signals the master handles wait from here, while the files are read (a large map took
        // seconds), instead of killing the process; they are acted on once it serves. -t and -s keep the default
        // actions, so ^C still ends them.
        if !invocation.test && invocation.signal == nil { Server.holdSignals() }
        guard let configuration = load() else {
            if invocation.test { output.line("switchyard: configuration file \(invocation.configFile) test failed") }
            return 1
        }
        if let signal = invocation.signal {
            return Signaller(output: output).send(signal, pidFile: configuration.main.pidPath)
        }
        if invocation.test {
            // Compile the runtime too, so -t fails exactly where a start would (unknown variables, regexes…).
            let runtime: Runtime
            do {
                runtime = try RuntimeBuilder.build(configuration, prefix: invocation.prefix, generation: 0, previous: nil,
                                                   openFiles: false, probeFiles: true, warn: { if !invocation.quiet { output.line("switchyard: \($0)") } })
                // nginx's test then binds the listening addresses (ngx_open_listening_sockets), last.
                if let failure = TempDirectories.probe(tempDirectories(configuration, prefix: invocation.prefix))
                    ?? PidFileCheck.probe(configuration.main.pidPath) ?? runtime.probeListens() {
                    throw ConfigError(failure, at: nil)
                }
            } catch {
                output.line("switchyard: [emerg] \(error)")
                output.line("switchyard: configuration file \(invocation.configFile) test failed")
                return 1
            }
            if !invocation.quiet {
                output.line("switchyard: the configuration file \(invocation.configFile) syntax is ok")
                output.line("switchyard: configuration file \(invocation.configFile) test is successful")
            }
            if invocation.dump { Launcher.dump(configuration.files) }
            // As nginx's -t, the process ends without freeing what it built: taking 20,000 locations apart object
            // by object would cost a tenth of the whole check, for memory the exit gives back anyway.
            withExtendedLifetime((runtime, configuration)) { () -> Never in exit(0) }
        }
        return serve(configuration, invocation)
    }

    /// Loads and validates, printing `[warn]`/`[notice]` lines and the `[emerg]` line on failure.
    func load() -> Configuration? {
        let loader = ConfigLoader(options: Launcher.loadOptions(invocation))
        var diagnostics: [ConfigDiagnostic] = []
        defer {
            for diagnostic in diagnostics where !(invocation.quiet && invocation.test && diagnostic.level < .error) {
                output.line("switchyard: \(diagnostic)")
            }
        }
        do {
            return try loader.load(file: invocation.configFile, diagnostics: &diagnostics)
        } catch {
            diagnostics.append(ConfigDiagnostic(level: .emerg, message: error.message, location: error.location))
            return nil
        }
    }

    /// pcre2 checks regexes and getaddrinfo checks host names, so `-t` fails where a start would.
    static func loadOptions(_ invocation: Invocation) -> LoadOptions {
        LoadOptions(
            prefix: invocation.prefix,
            globalDirectives: invocation.globalDirectives,
            validateRegex: { pattern, caseInsensitive in
                do {
                    _ = try Regex(pattern, caseless: caseInsensitive)
                    return nil
                } catch {
                    return "\(error)"
                }
            },
            resolveHost: resolves,
            defaultListenPort: geteuid() == 0 ? 80 : 8000,
            defaultPaths: InstallPaths.defaultPaths ?? .underPrefix)
    }

    /// The same resolution the runtime does for upstream servers (getaddrinfo, at load only).
    static func resolves(_ host: String) -> Bool { !SocketAddress.resolve(host: host, port: 80).isEmpty }

    /// `-T`: every file read, as nginx prints them: a file included several times once.
    static func dump(_ files: [ConfigFile]) {
        var printed: Set<String> = []
        for file in files where printed.insert(file.path).inserted {
            ErrorOutput.standardOutput(Array("# configuration file \(file.path):\n".utf8) + file.bytes + [0x0A])
        }
    }
}
