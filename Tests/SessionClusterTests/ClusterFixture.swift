import Glibc
import SwitchyardTestSupport

/// The reference topology on free ports: two memcached nodes, two session-app nodes (tomcat1, tomcat2) and
/// switchyard in front, with the proxy configuration written inline. Everything is stopped by `stop()`.
final class ClusterFixture {
    /// How the proxy balances and how the app nodes keep sessions: the two variants of examples/.
    enum Variant: String, CustomStringConvertible, CaseIterable {
        /// `jvm_route $cookie_JSESSIONID reverse` + sticky MSM (local primary, memcached backup, failover nodes).
        case jvmRouteSticky
        /// Round-robin + non-sticky MSM (memcached primary and backup), the reference guide's choice.
        case roundRobinNonSticky
        var description: String { rawValue }
    }

    let variant: Variant
    let directory: String
    let memcachedPorts: [UInt16]
    let appPorts: [UInt16]
    let routes: [String]
    /// The app nodes' session mode instead of the variant's (e.g. `["--replicated"]`).
    let appMode: [String]?
    /// Added to `jvm_route $cookie_JSESSIONID reverse` (e.g. `failback=return`).
    let jvmRouteParameters: String
    /// Added to every `server` line (e.g. `fail_timeout=1s`).
    let serverParameters: String
    /// Added to the upstream block (e.g. `zone tomcat-lb 64k; drain_idle 2s;`) and to the server block (a location).
    let upstreamDirectives: String
    let serverDirectives: String
    /// The app nodes' `--operation-timeout`, also how long a request waits for a held session lock.
    let operationTimeoutMillis: Int
    private(set) var memcached: [ChildProcess] = []
    private(set) var apps: [ChildProcess] = []
    private(set) var proxy: ProxyProcess!
    private(set) var proxyPort: UInt16 = 0

    static var appBinary: String {
        Package.executable("session-app", override: "SESSION_APP_BIN")
    }

    static var memcachedBinary: String {
        for dir in ["/usr/bin", "/usr/local/bin", "/usr/sbin"] where access(dir + "/memcached", X_OK) == 0 {
            return dir + "/memcached"
        }
        return "/usr/bin/memcached"
    }

    /// `startMemcached: false` leaves the memcached ports closed (a cluster whose memcached is down). `nodes` app
    /// nodes are named tomcat1, tomcat2, …
    init(_ variant: Variant, startMemcached: Bool = true, nodes: Int = 2, appMode: [String]? = nil,
         jvmRouteParameters: String = "", serverParameters: String = "", upstreamDirectives: String = "",
         serverDirectives: String = "", operationTimeoutMillis: Int = 10_000) throws {
        self.operationTimeoutMillis = operationTimeoutMillis
        self.upstreamDirectives = upstreamDirectives
        self.serverDirectives = serverDirectives
        self.variant = variant
        self.appMode = appMode
        self.jvmRouteParameters = jvmRouteParameters
        self.serverParameters = serverParameters
        routes = (1...nodes).map { "tomcat\($0)" }
        directory = try TempDir.make()
        memcachedPorts = startMemcached ? [freePort(), freePort()] : [deadPort(), deadPort()]
        appPorts = (0..<nodes).map { _ in freePort() }
        do {
            if startMemcached {
                for (i, port) in memcachedPorts.enumerated() { try startMemcachedNode(i, port: port) }
            }
            for i in 0..<nodes { try startApp(i) }
            try startProxy()
        } catch {
            stop()
            throw error
        }
    }

    private func startMemcachedNode(_ i: Int, port: UInt16) throws {
        var args = [Self.memcachedBinary, "-l", "127.0.0.1", "-p", String(port), "-U", "0", "-m", "64"]
        if getuid() == 0 { args += ["-u", "nobody"] }  // memcached refuses to run as root without -u
        let m = try ChildProcess(name: "memcached-n\(i + 1)", args, logDirectory: directory)
        memcached.append(m)
        try m.waitUntilListening(port)
    }

    var memcachedList: String {
        memcachedPorts.enumerated().map { "n\($0.offset + 1):127.0.0.1:\($0.element)" }.joined(separator: ",")
    }

    func appArguments(_ i: Int) -> [String] {
        var args = [Self.appBinary, "--port", String(appPorts[i]), "--jvm-route", routes[i], "--memcached", memcachedList]
        switch variant {
        case _ where appMode != nil: args += appMode!
        case .jvmRouteSticky: args += ["--sticky", "--failover-node", i % 2 == 0 ? "n2" : "n1"]  // the reference: n2 on tomcat1, n1 on tomcat2
        case .roundRobinNonSticky: args += ["--non-sticky", "--locking", "auto"]
        }
        // Long by default: a killed or absent memcached refuses at once, and a live node that answers after the
        // timeout is skipped for a second, so a session written meanwhile to the other node only is lost with
        // it (at 500 ms, live nodes reached it on a loaded machine: a sanitized app at load 15).
        return args + ["--operation-timeout", String(operationTimeoutMillis)]
    }

    private func startApp(_ i: Int) throws {
        let app = try ChildProcess(name: routes[i], appArguments(i), logDirectory: directory)
        apps.append(app)
        try app.waitUntilListening(appPorts[i])
    }

    /// Starts a stopped node again on its port: a new process, with no sessions in memory.
    func restartApp(route: String) throws {
        let i = routes.firstIndex(of: route)!
        apps[i].stop(SIGKILL)
        let app = try ChildProcess(name: routes[i] + "-restarted", appArguments(i), logDirectory: directory)
        apps[i] = app
        try app.waitUntilListening(appPorts[i])
    }

    private func startProxy() throws {
        proxyPort = freePort()
        let balancing = variant == .jvmRouteSticky ? "jvm_route $cookie_JSESSIONID reverse \(jvmRouteParameters);" : ""
        let servers = zip(appPorts, routes).map { "server 127.0.0.1:\($0) srun_id=\($1) \(serverParameters);" }
        let config = """
            error_log logs/error.log info;
            pid logs/switchyard.pid;
            events { worker_connections 1024; }
            http {
                access_log off;
                upstream tomcat-lb {
                    \(balancing)
                    \(upstreamDirectives)
                    \(servers.joined(separator: "\n                    "))
                }
                server {
                    listen 127.0.0.1:\(proxyPort);
                    location = /jvm-status { jvm_route_status tomcat-lb; }
                    \(serverDirectives)
                    location / {
                        proxy_pass http://tomcat-lb;
                        proxy_set_header Host $host;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    }
                }
            }
            """
        proxy = try ProxyProcess(config: config)
        do {
            try PortProbe.waitUntilListening(proxyPort, what: "switchyard")
        } catch {
            throw ProbeError(description: "\(error): \(proxy.stderr())")
        }
    }

    func app(route: String) -> ChildProcess { apps[routes.firstIndex(of: route)!] }

    func otherRoute(than route: String) -> String { routes.first { $0 != route }! }

    func proxyErrorLog() -> String { proxy?.file("logs/error.log") ?? "" }

    /// Signals every process first and then waits for each, so their shutdowns overlap. memcached gets SIGKILL:
    /// its data is throwaway and a graceful exit costs it most of a second.
    func stop() {
        proxy?.signal(SIGTERM)
        for a in apps { a.signal(SIGTERM) }
        for m in memcached { m.signal(SIGKILL) }
        proxy?.stop()
        for c in apps + memcached { c.stop() }
    }

    deinit { stop() }
}
