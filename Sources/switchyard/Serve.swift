import Config
import Proxy

/// Serving: compile the loaded configuration into a runtime and hand it to the master, with a loader that
/// repeats load + compile on every reload (so a broken file on reload is reported and the old one kept).
func serve(_ configuration: Configuration, _ invocation: Invocation) -> Int32 {
    let output = ErrorOutput(logFile: invocation.errorLog)
    Server.holdSignals()   // before the cache threads start: they must not take a signal the master handles
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
                                 rlimitNofile: main.workerRlimitNofile,
                                 writableDirectories: writableDirectories(configuration, prefix: invocation.prefix))
    let server = Server(options: options, runtime: runtime)
    let loadOptions = UncheckedLoadOptions(Launcher.loadOptions(invocation))
    let prefix = invocation.prefix, file = invocation.configFile
    return server.run(reload: { generation, previous in
        let loaded = try ConfigLoader(options: loadOptions.value).load(file: file)
        return try RuntimeBuilder.build(loaded, prefix: prefix, generation: generation, previous: previous)
    })
}

/// The directories workers create files in: every `client_body_temp_path`, the `proxy_temp_path` of caching
/// locations and every `proxy_cache_path` (nginx's ngx_create_paths list). Started as root, the master creates
/// them and gives them to `user` before dropping privileges.
func writableDirectories(_ configuration: Configuration, prefix: String) -> [String] {
    guard let http = configuration.http else { return [] }
    var out: [String] = []
    func add(_ path: String) {
        let p = Invocation.absolute(path, base: prefix)
        if !out.contains(p) { out.append(p) }
    }
    func add(_ s: HTTPSettings) {
        add(s.client.bodyTempPath)
        if s.proxy.cache.zone != nil { add(s.proxy.tempPath) }
    }
    func walk(_ locations: [LocationConfig]) {
        for l in locations { add(l.settings); walk(l.nested) }
    }
    add(http.settings)
    for server in http.servers { add(server.settings); walk(server.locations) }
    for p in http.proxyCachePaths { add(p.path) }
    return out
}

/// LoadOptions holds closures that are safe to call from the master thread (the only caller).
struct UncheckedLoadOptions: @unchecked Sendable {
    let value: LoadOptions
    init(_ value: LoadOptions) { self.value = value }
}
