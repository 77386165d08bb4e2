import Glibc
import Testing
import SwitchyardTestSupport

/// SIGHUP: what a reload keeps, what it changes, and what a failed one leaves alone.
@Suite struct ReloadTests {
    /// Broken configurations an operator might save; the line of `nginx.conf` the error must name (the
    /// `http` body starts at line 8 of `nginxConf`).
    static let broken: [(name: String, body: String, line: Int, message: String)] = [
        ("unknown directive", "upstream app { server BACKEND; }\nserver { listen 127.0.0.1:PORT;\nbogus_directive on;\nlocation / { proxy_pass http://app; } }",
         10, "unknown directive \"bogus_directive\""),
        ("missing semicolon", "upstream app { server BACKEND; }\nserver { listen 127.0.0.1:PORT;\nlocation / { proxy_pass http://app }\n}",
         10, "unexpected \"}\""),
        ("bad regex", "upstream app { server BACKEND; }\nserver { listen 127.0.0.1:PORT;\nlocation / { proxy_pass http://app; }\nlocation ~ \"(\" { return 404; } }",
         11, "pcre2_compile() failed"),
    ]

    @Test(arguments: broken.indices)
    func brokenConfigOnReloadKeepsTheOldOneServing(_ row: Int) throws {
        let blue = try MockBackend(name: "blue") { _ in MockResponse(text: "blue") }
        let green = try MockBackend(name: "green") { _ in MockResponse(text: "green") }
        defer { blue.stop(); green.stop() }
        let port = freePort()
        func good(_ b: MockBackend) -> String {
            nginxConf(port: port, http: """
                upstream app { server \(b.address); }
                server { listen 127.0.0.1:PORT; location / { proxy_pass http://app; } }
                """)
        }
        let proxy = try LiveProxy(port: port, config: good(blue))
        defer { proxy.process.stop() }
        let keptAlive = try TestClient(port: port)
        try keptAlive.send("GET /1 HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try keptAlive.readResponse().header("X-Backend") == "blue")

        let c = Self.broken[row]
        try proxy.rewrite(nginxConf(port: port, http: c.body.replacingAll("BACKEND", with: green.address)))
        proxy.signal(SIGHUP)
        #expect(waitFor { proxy.errorLog.contains("reload failed") }, "\(proxy.errorLog)")
        let emerg = proxy.errorLog.split(separator: "\n").first { $0.contains("[emerg]") }.map(String.init) ?? ""
        #expect(emerg.contains(c.message), "\(c.name): \(emerg)")
        #expect(emerg.hasSuffix(" in \(proxy.prefix)/conf/nginx.conf:\(c.line)"), "\(c.name): \(emerg)")

        // Old configuration still serves, on new and kept-alive connections alike.
        #expect(proxy.backendOnNewConnection() == "blue")
        try keptAlive.send("GET /2 HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try keptAlive.readResponse().header("X-Backend") == "blue")

        // Fixing the file and reloading again works.
        try proxy.rewrite(good(green))
        proxy.signal(SIGHUP)
        #expect(proxy.waitForReloads(1), "\(proxy.errorLog)")
        #expect(proxy.backendOnNewConnection() == "green")
    }

    @Test func inFlightRequestFinishesOnItsConfigurationAndTheConnectionMovesOn() throws {
        let gate = Gate()
        let old = try MockBackend(name: "old") { req in
            if req.target == "/slow" { _ = gate.wait() }
            return MockResponse(text: "old")
        }
        let new = try MockBackend(name: "new") { _ in MockResponse(text: "new") }
        defer { gate.open(); old.stop(); new.stop() }
        let port = freePort()
        func conf(_ b: MockBackend, log: String) -> String {
            nginxConf(port: port, http: """
                upstream app { server \(b.address); }
                server { listen 127.0.0.1:PORT; access_log logs/\(log).log; location / { proxy_pass http://app; } }
                """)
        }
        let proxy = try LiveProxy(port: port, config: conf(old, log: "old"))
        defer { proxy.process.stop() }

        let c = try TestClient(port: port)
        try c.send("GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(waitFor { old.requests == 1 })
        try proxy.rewrite(conf(new, log: "new"))
        proxy.signal(SIGHUP)
        #expect(proxy.waitForReloads(1))
        #expect(proxy.backendOnNewConnection() == "new")
        // The old configuration is still in use: nginx's old worker would not have exited either.
        let retired = "configuration 1 exited with code 0"
        #expect(!proxy.errorLog.contains(retired))

        gate.open()
        let slow = try c.readResponse()
        #expect(slow.status == 200 && slow.header("X-Backend") == "old")
        try c.send("GET /next HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try c.readResponse().header("X-Backend") == "new")
        // Its last request is done and the connection moved on: it is freed, and the log says so once.
        #expect(waitFor { proxy.errorLog.contains(retired) }, "\(proxy.errorLog)")
        #expect(proxy.errorLog.split(separator: "\n").filter { $0.contains(retired) }.count == 1)

        #expect(waitFor { proxy.file("logs/new.log").contains("GET /next ") })
        #expect(proxy.file("logs/old.log").contains("GET /slow "))
        #expect(!proxy.file("logs/new.log").contains("GET /slow "))
    }

    @Test func peerHealthSurvivesAReload() throws {
        let live = try MockBackend(name: "live") { _ in MockResponse(text: "live") }
        defer { live.stop() }
        let dead = deadPort()   // bound, never listening: connect() is refused
        let port = freePort()
        func conf(_ extra: String) -> String {
            nginxConf(port: port, http: """
                upstream app {
                    server 127.0.0.1:\(dead) max_fails=1 fail_timeout=30s;
                    server \(live.address);
                }
                server { listen 127.0.0.1:PORT; location / { proxy_pass http://app; } \(extra) }
                """)
        }
        let proxy = try LiveProxy(port: port, config: conf(""))
        defer { proxy.process.stop() }
        let refused = "connect() failed (111: Connection refused)"

        // The first request tries the dead server first (round-robin starts at the first one), then the live one.
        #expect(try proxy.get("/first").header("X-Backend") == "live")
        #expect(waitFor { proxy.count(refused) == 1 }, "\(proxy.errorLog)")
        for i in 0..<8 { #expect(try proxy.get("/before/\(i)").header("X-Backend") == "live") }
        #expect(proxy.count(refused) == 1)

        try proxy.rewrite(conf("location = /extra { return 204; }"))
        proxy.signal(SIGHUP)
        #expect(proxy.waitForReloads(1), "\(proxy.errorLog)")
        #expect(try proxy.get("/extra").status == 204)
        for i in 0..<8 { #expect(try proxy.get("/after/\(i)").header("X-Backend") == "live") }
        // A fresh nginx cycle would try the dead server again; switchyard remembers it failed.
        #expect(proxy.count(refused) == 1, "\(proxy.errorLog)")
    }

    @Test func reloadKeepsOpensAndClosesListenersAndLogsOneSummary() throws {
        let blue = try MockBackend(name: "blue") { _ in MockResponse(text: "blue") }
        let green = try MockBackend(name: "green") { _ in MockResponse(text: "green") }
        defer { blue.stop(); green.stop() }
        let (kept, removed, added) = (freePort(), freePort(), freePort())
        func conf(_ b: MockBackend, _ second: UInt16, servers: Int) -> String {
            nginxConf(port: kept, http: """
                upstream app { server \(b.address); }
                server { listen 127.0.0.1:PORT; listen 127.0.0.1:\(second); location / { proxy_pass http://app; } }
                \(servers > 1 ? "server { listen 127.0.0.1:PORT; server_name other; return 204; }" : "")
                """)
        }
        let proxy = try LiveProxy(port: kept, config: conf(blue, removed, servers: 1))
        defer { proxy.process.stop() }
        #expect(try TestClient.get(port: removed, "/").header("X-Backend") == "blue")
        let keptAlive = try TestClient(port: kept)
        try keptAlive.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try keptAlive.readResponse().header("X-Backend") == "blue")

        try proxy.rewrite(conf(green, added, servers: 2))
        proxy.signal(SIGHUP)
        #expect(proxy.waitForReloads(1), "\(proxy.errorLog)")

        #expect(try TestClient.get(port: added, "/").header("X-Backend") == "green")
        #expect(try TestClient.get(port: kept, "/").header("X-Backend") == "green")
        #expect(try TestClient.get(port: kept, "/", host: "other").status == 204)
        #expect((try? TestClient(port: removed)) == nil, "the removed listener still accepts")
        try keptAlive.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try keptAlive.readResponse().header("X-Backend") == "green")

        let summary = proxy.errorLog.split(separator: "\n").first { $0.contains("reconfigured in") }.map(String.init) ?? ""
        #expect(summary.contains("[notice]"))
        #expect(summary.hasSuffix(
            "listen added 127.0.0.1:\(added); listen removed 127.0.0.1:\(removed); "
            + "upstream app: +\(green.address) -\(blue.address); 2 server(s), 1 upstream(s)"), "\(summary)")
    }
}
