import Config
import Glibc
import Proxy

/// Serving: compile the loaded configuration into a runtime and hand it to the master, with a loader that
/// repeats load + compile on every reload (so a broken file on reload is reported and the old one kept).
func serve(_ configuration: Configuration, _ invocation: Invocation) -> Int32 {
    let output = ErrorOutput(logFile: invocation.errorLog)
    // `env NAME=VALUE`, before any thread starts (setenv is not safe beside another thread's getenv). A reload
    // does not change the environment of a running process.
    for (name, value) in configuration.main.environment { setenv(name, value, 1) }
    if !configuration.main.environment.isEmpty { tzset() }   // local time follows a TZ set here
    Server.holdSignals()   // before the cache threads start: they must not take a signal the master handles
    // Held here only until the master takes it: a reload frees it once its last connection is done.
    var first: Runtime?
    do {
        first = try RuntimeBuilder.build(configuration, prefix: invocation.prefix, generation: 1, previous: nil,
                                           warn: { output.line("switchyard: \($0)") })
    } catch {
        output.line("switchyard: [emerg] \(error)")
        return 1
    }
    if let failure = TempDirectories.create(tempDirectories(configuration, prefix: invocation.prefix)) {
        output.line("switchyard: [emerg] \(failure)")
        return 1
    }
    let main = configuration.main
    let user = main.user.map { u in u.group.map { "\(u.name) \($0)" } ?? u.name }
    var options = Server.Options(pidPath: main.pidPath, daemon: main.daemon, user: user,
                                 rlimitNofile: main.workerRlimitNofile,
                                 // the directories workers create files in: started as root, the master gives them to `user`
                                 writableDirectories: tempDirectories(configuration, prefix: invocation.prefix))
    options.rlimitCore = main.workerRlimitCore
    options.workingDirectory = main.workingDirectory
    let server = Server(options: options, runtime: first!)
    first = nil
    let loadOptions = UncheckedLoadOptions(Launcher.loadOptions(invocation))
    let prefix = invocation.prefix, file = invocation.configFile
    return server.run(reload: { generation, previous in
        let loaded = try ConfigLoader(options: loadOptions.value).load(file: file)
        let runtime = try RuntimeBuilder.build(loaded, prefix: prefix, generation: generation, previous: previous)
        if let failure = TempDirectories.create(tempDirectories(loaded, prefix: prefix)) {
            throw ConfigError(failure, at: nil)
        }
        return runtime
    })
}

/// Every `client_body_temp_path`, the `proxy_temp_path` of caching and storing locations, and every cache path:
/// made while loading (TempDirectories), their last component only, as nginx's ngx_create_paths makes them, so
/// a cache path whose parent is missing stops `-t`, a start or a reload with `[emerg] mkdir() … failed`.
func tempDirectories(_ configuration: Configuration, prefix: String) -> [String] {
    var out: [String] = []
    for path in (configuration.http?.tempPaths ?? []) + (configuration.http?.cachePaths ?? []).map(\.path) {
        let p = Invocation.absolute(path, base: prefix)
        if !out.contains(p) { out.append(p) }
    }
    return out
}

/// LoadOptions holds closures that are safe to call from the master thread (the only caller).
struct UncheckedLoadOptions: @unchecked Sendable {
    let value: LoadOptions
    init(_ value: LoadOptions) { self.value = value }
}
