import Config
import Proxy

/// Serving: compile the loaded configuration into a runtime and hand it to the master, with a loader that
/// repeats load + compile on every reload (so a broken file on reload is reported and the old one kept).
func serve(_ configuration: Configuration, _ invocation: Invocation) -> Int32 {
    let output = ErrorOutput(logFile: invocation.errorLog)
    let runtime: Runtime
    do {
        runtime = try RuntimeBuilder.build(configuration, prefix: invocation.prefix, generation: 1, previous: nil,
                                           warn: { output.line("switchyard: \($0)") })
    } catch {
        output.line("switchyard: [emerg] \(error)")
        return 1
    }
    let main = configuration.main
    let user = main.user.map { u in u.group.map { "\(u.name) \($0)" } ?? u.name }
    let options = Server.Options(pidPath: main.pidPath, daemon: main.daemon, user: user,
                                 rlimitNofile: main.workerRlimitNofile)
    let server = Server(options: options, runtime: runtime)
    let loadOptions = UncheckedLoadOptions(Launcher.loadOptions(invocation))
    let prefix = invocation.prefix, file = invocation.configFile
    return server.run(reload: { generation, previous in
        let loaded = try ConfigLoader(options: loadOptions.value).load(file: file)
        return try RuntimeBuilder.build(loaded, prefix: prefix, generation: generation, previous: previous)
    })
}

/// LoadOptions holds closures that are safe to call from the master thread (the only caller).
struct UncheckedLoadOptions: @unchecked Sendable {
    let value: LoadOptions
    init(_ value: LoadOptions) { self.value = value }
}
