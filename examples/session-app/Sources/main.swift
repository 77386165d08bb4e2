import Glibc

// session-app: one Tomcat node of the reference deployment, for the demo and the integration tests.
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print(AppOptions.usage)
    exit(0)
}
let options: AppOptions
do {
    options = try AppOptions.parse(arguments)
} catch {
    Log.write("session-app: \(error)\n\(AppOptions.usage)\n", to: 2)
    exit(2)
}
signal(SIGPIPE, SIG_IGN)  // a closed stdout must not kill the node; sockets use MSG_NOSIGNAL anyway
let log = Log(node: options.jvmRoute ?? "session-app")
do {
    let server = try AppServer(app: SessionApp(options: options, log: log), log: log)
    server.run()
} catch {
    log.info("cannot start: \(error)")
    exit(1)
}
