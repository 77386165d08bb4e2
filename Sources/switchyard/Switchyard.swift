import ArgumentParser

/// The command line, flag for flag as nginx's (`-c -p -e -g -t -T -q -s -v -V -h`).
///
///     switchyard -t -c conf/nginx.conf      # test the configuration
///     switchyard -s reload                  # signal the running master through the pid file
@main
struct Switchyard: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchyard",
        abstract: "An nginx-compatible reverse proxy and load balancer.",
        discussion: "Relative paths resolve against the prefix (-p, default: \(InstallPaths.prefix ?? "the current directory")).")

    @Flag(name: .customShort("v"), help: "show version and exit")
    var showVersion = false

    @Flag(name: .customShort("V"), help: "show version and configure options then exit")
    var showConfigure = false

    @Flag(name: .customShort("t"), help: "test configuration and exit")
    var test = false

    @Flag(name: .customShort("T"), help: "test configuration, dump it and exit")
    var dump = false

    @Flag(name: .customShort("q"), help: "suppress non-error messages during configuration testing")
    var quiet = false

    @Option(name: .customShort("s"), help: ArgumentHelp("send signal to a master process: stop, quit, reopen, reload", valueName: "signal"))
    var signal: ProcessSignal?

    @Option(name: .customShort("p"), help: ArgumentHelp("set prefix path (default: \(InstallPaths.prefix ?? "the current directory"))", valueName: "prefix"))
    var prefix: String?

    @Option(name: .customShort("e"), help: ArgumentHelp("set error log file (default: stderr)", valueName: "file"))
    var errorLog: String?

    @Option(name: .customShort("c"), help: ArgumentHelp("set configuration file (default: \(InstallPaths.confPath ?? "conf/nginx.conf"))", valueName: "file"))
    var configFile: String?

    @Option(name: .customShort("g"), help: ArgumentHelp("set global directives out of configuration file", valueName: "directives"))
    var globalDirectives: String?

    func run() throws {
        let code = Launcher(invocation: Invocation(self)).run()
        if code != 0 { throw ExitCode(code) }
    }

    /// nginx exits 1 on a bad option (ArgumentParser's default would be 64).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is ExitCode { exit(withError: error) }
            let output = ErrorOutput(logFile: nil)
            output.line("switchyard: " + fullMessage(for: error))
            exit(withError: ExitCode(1))
        }
    }
}

/// `-s stop|quit|reload|reopen` and the signal each sends (nginx's table).
enum ProcessSignal: String, ExpressibleByArgument, CaseIterable {
    case stop, quit, reload, reopen
}
