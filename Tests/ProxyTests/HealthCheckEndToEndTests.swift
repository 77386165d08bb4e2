import Glibc
@testable import Proxy
import Synchronization
import SwitchyardTestSupport
import Testing

/// Active health checks through the real binary: a backend whose check starts failing leaves rotation for every
/// worker before any user request meets it, comes back after `passes`, and its sessions go to their stand-in.
@Suite(.serialized) struct HealthCheckEndToEndTests {
    /// A backend whose `/health` answers 200 or 503 as `healthy` says, and which counts the other requests.
    final class Flags: Sendable {
        let healthy = Atomic<Bool>(true)
        let userRequests = Atomic<Int>(0)
    }

    final class Node: Sendable {
        let flags = Flags()
        let backend: MockBackend
        init(_ name: String) throws {
            let flags = self.flags
            backend = try MockBackend(name: name) { r in
                if r.target.hasPrefix("/health") {
                    return flags.healthy.load(ordering: .relaxed) ? MockResponse(headers: [("Content-Type", "text/plain")],
                                                                                  text: "ok \(r.header("Host") ?? "-")")
                                                                   : MockResponse(status: 503, text: "down")
                }
                flags.userRequests.add(1, ordering: .relaxed)
                return MockResponse(text: name)
            }
        }
        func setHealthy(_ on: Bool) { flags.healthy.store(on, ordering: .relaxed) }
        var address: String { backend.address }
        var users: Int { flags.userRequests.load(ordering: .relaxed) }
    }

    static func http(_ nodes: [Node], check: String, upstream: String = "", extra: String = "") -> String {
        var servers = ""
        for (i, n) in nodes.enumerated() { servers += "server \(n.address) srun_id=t\(i + 1);\n" }
        return """
            upstream pool { zone pool 64k; \(upstream) \(servers) }
            \(extra)
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://pool; \(check) }
                location /api { api; }
                location /metrics { metrics; }
            }
            """
    }

    static func peer(_ f: Fixture, _ i: Int) throws -> JSON {
        let c = try f.client()
        try c.send("GET /api/9/http/upstreams/pool HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let body = try c.readResponse().body
        return try #require(try JSON.parse(body)["peers"]?.array?[i])
    }

    static func state(_ f: Fixture, _ i: Int) -> String? { try? peer(f, i)["state"]?.string }
    static func checks(_ f: Fixture, _ i: Int) -> Int { (try? peer(f, i)["health_checks"]?["checks"]?.int) ?? 0 }

    static func who(_ f: Fixture, cookie: String? = nil) throws -> String {
        let r = try f.get("/", headers: cookie.map { ["Cookie": $0] } ?? [:])
        #expect(r.status == 200)
        return r.header("X-Backend") ?? "-"
    }

    @Test func aFailingCheckTakesTheServerOutBeforeAUserMeetsItAndPassesBringItBack() throws {
        let nodes = try [Node("a"), Node("b")]
        let f = try Fixture(http: Self.http(nodes, check: "health_check interval=50ms fails=2 passes=2 uri=/health;"),
                            main: "worker_processes 4;")
        defer { f.proxy.stop() }
        #expect(eventually { Self.checks(f, 0) >= 1 && Self.checks(f, 1) >= 1 })
        #expect(try Self.peer(f, 1)["health_checks"]?["last_passed"] == .bool(true))

        nodes[1].setHealthy(false)
        #expect(eventually { Self.state(f, 1) == "unhealthy" })
        let usersBefore = nodes[1].users
        for _ in 0..<40 { #expect(try Self.who(f) == "a") }   // new connections, spread over the four workers
        #expect(nodes[1].users == usersBefore)
        let log = f.logFile("logs/error.log", containing: "peer is unhealthy")
        #expect(log.contains("[warn]") && log.contains(
            "peer is unhealthy while checking status code, health check \"\" of peer \(nodes[1].address) in upstream \"pool\""))
        // One prober for the process, not one per worker: the change is logged once.
        #expect(log.split(separator: "\n").filter { $0.contains("peer is unhealthy") }.count == 1)
        let hc = try #require(try Self.peer(f, 1)["health_checks"])
        #expect(hc["unhealthy"] == .int(1) && (hc["fails"]?.int ?? 0) >= 2 && hc["last_passed"] == .bool(false))
        let metrics = try f.get("/metrics").text
        let labels = "upstream=\"pool\",server=\"\(nodes[1].address)\""
        #expect(MetricsTests.value(metrics, "switchyard_server_status{\(labels),state=\"unhealthy\"}") == 1)
        #expect(MetricsTests.value(metrics, "switchyard_server_status{\(labels),state=\"up\"}") == 0)
        #expect((MetricsTests.value(metrics, "switchyard_server_check_failures_total{\(labels)}") ?? 0) >= 2)
        #expect(MetricsTests.value(metrics, "switchyard_server_check_up_down_total{\(labels)}") == 1)

        nodes[1].setHealthy(true)
        #expect(eventually { Self.state(f, 1) == "up" })
        #expect(f.logFile("logs/error.log", containing: "peer is healthy").contains(
            "peer is healthy while checking status code, health check \"\" of peer \(nodes[1].address) in upstream \"pool\""))
        #expect(eventually { (try? Self.who(f)) == "b" })   // back in rotation (each worker's round robin has its own turn)
    }

    @Test func aSessionBoundToAnUnhealthyServerGoesToItsStandInAndBack() throws {
        let nodes = try [Node("a"), Node("b"), Node("c")]
        let f = try Fixture(http: Self.http(nodes, check: "health_check interval=50ms uri=/health;",
                                            upstream: "jvm_route $cookie_JSESSIONID reverse;"))
        defer { f.proxy.stop() }
        #expect(eventually { Self.checks(f, 1) >= 1 })
        #expect(try Self.who(f, cookie: "JSESSIONID=S1.t2") == "b")
        nodes[1].setHealthy(false)
        #expect(eventually { Self.state(f, 1) == "unhealthy" })
        let standIn = try Self.who(f, cookie: "JSESSIONID=S1.t2")
        #expect(standIn == "a" || standIn == "c")
        for _ in 0..<10 { #expect(try Self.who(f, cookie: "JSESSIONID=S1.t2") == standIn) }   // deterministic
        nodes[1].setHealthy(true)
        #expect(eventually { Self.state(f, 1) == "up" })
        // jvm_route's default failback=stay keeps the moved session on its stand-in; a session of b's goes to b.
        #expect(try Self.who(f, cookie: "JSESSIONID=S1.t2") == standIn)
        #expect(try Self.who(f, cookie: "JSESSIONID=S2.t2") == "b")
    }

    @Test func aMatchBlockAPortAndTheHostProxyPassSends() throws {
        let nodes = try [Node("a"), Node("b")]
        let probe = try Node("probe")   // the check's port: answers for both servers' checks
        let port = probe.address.split(separator: ":").last!
        let check = "health_check interval=50ms uri=/health port=\(port) match=welcome;"
        let f = try Fixture(http: Self.http(nodes, check: check,
                                            extra: "match welcome { status 200; header Content-Type ~ text; body ~ \"^ok pool$\"; }"))
        defer { f.proxy.stop() }
        // The servers' own ports are never checked; the probe's answer names the Host proxy_pass sends ("pool").
        #expect(eventually { Self.checks(f, 0) >= 2 && Self.checks(f, 1) >= 2 })
        #expect(Self.state(f, 0) == "up" && Self.state(f, 1) == "up")
        #expect(nodes[0].backend.requests == 0 && nodes[1].backend.requests == 0)
        probe.setHealthy(false)
        #expect(eventually { Self.state(f, 0) == "unhealthy" && Self.state(f, 1) == "unhealthy" })
        #expect(f.logFile("logs/error.log", containing: "health check \"welcome\"").contains(
            "peer is unhealthy while checking status code, health check \"welcome\" of peer"))
        #expect(try f.get("/").status == 502)
    }

    @Test func aMandatoryCheckKeepsAFailingServerOutFromTheStart() throws {
        let nodes = try [Node("a"), Node("b")]
        nodes[1].setHealthy(false)
        let f = try Fixture(http: Self.http(nodes, check: "health_check interval=50ms uri=/health mandatory;"))
        defer { f.proxy.stop() }
        #expect(Self.state(f, 1) == "unhealthy")   // "checking" until its first pass: out from the first request
        #expect(eventually { Self.state(f, 0) == "up" })
        for _ in 0..<10 { #expect(try Self.who(f) == "a") }
        #expect(nodes[1].users == 0)
        nodes[1].setHealthy(true)
        #expect(eventually { Self.state(f, 1) == "up" })
    }

    @Test func anUnreachableServerIsLoggedWithTheConnectError() throws {
        let nodes = try [Node("a")]
        let closed = deadPort()
        let f = try Fixture(http: """
            upstream pool { zone pool 64k; server \(nodes[0].address); server 127.0.0.1:\(closed); }
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://pool; health_check interval=50ms; }
                location /api { api; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(eventually { Self.state(f, 1) == "unhealthy" })
        let log = f.logFile("logs/error.log", containing: "peer is unhealthy")
        #expect(log.contains("[error]") && log.contains(
            "connect() failed (111: Connection refused) while connecting to upstream, health check \"\" of peer 127.0.0.1:\(closed) in upstream \"pool\""))
        #expect(log.contains("peer is unhealthy while connecting to upstream, health check \"\" of peer 127.0.0.1:\(closed)"))
        for _ in 0..<6 { #expect(try Self.who(f) == "a") }
    }

    /// A reload keeps an unhealthy server out (its standing carries over to the new configuration's prober); a
    /// reload that drops the `health_check` puts it back.
    @Test func aReloadKeepsTheStandingAndDroppingTheCheckEndsIt() throws {
        let nodes = try [Node("a"), Node("b")]
        let f = try Fixture(http: Self.http(nodes, check: "health_check interval=50ms uri=/health;"))
        defer { f.proxy.stop() }
        nodes[1].setHealthy(false)
        #expect(eventually { Self.state(f, 1) == "unhealthy" })
        func reloads() -> Int { f.errorLog().split(separator: "\n").filter { $0.contains("reconfigured") }.count }
        f.proxy.signal(SIGHUP)
        #expect(eventually { reloads() == 1 })
        #expect(Self.state(f, 1) == "unhealthy")
        for _ in 0..<6 { #expect(try Self.who(f) == "a") }
        let conf = f.proxy.file("conf/nginx.conf")
        try TempDir.write(f.proxy.prefix + "/conf/nginx.conf",
                          conf.replacingOccurrences(of: "health_check interval=50ms uri=/health;", with: ""))
        f.proxy.signal(SIGHUP)
        #expect(eventually { reloads() == 2 })
        #expect(Self.state(f, 1) == "up")
        #expect(eventually { (try? Self.who(f)) == "b" })
    }

    /// An https upstream: the check makes the handshake a proxied request makes (SNI, verification); a server that
    /// does not speak TLS fails it.
    @Test func anHTTPSUpstreamIsCheckedOverTLS() throws {
        let kit = try TLSTestKit()
        defer { kit.remove() }
        let tlsBackend = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT ssl;
                ssl_certificate \(kit.path("rsa.crt")); ssl_certificate_key \(kit.path("rsa.key"));
                location /health { return 200 "healthy [$ssl_server_name]"; }
            }
            """)
        defer { tlsBackend.proxy.stop() }
        let plain = try Node("plain")
        let f = try Fixture(http: """
            upstream pool { zone pool 64k; server 127.0.0.1:\(tlsBackend.port); server \(plain.address); }
            match sni { status 200; body ~ "^healthy \\[localhost\\]$"; }
            server {
                listen 127.0.0.1:PORT;
                location / {
                    proxy_pass https://pool;
                    proxy_ssl_server_name on; proxy_ssl_name localhost;
                    proxy_ssl_verify on; proxy_ssl_trusted_certificate \(kit.path("ca.crt"));
                    health_check interval=50ms uri=/health match=sni;
                }
                location /api { api; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(eventually { Self.checks(f, 0) >= 2 && Self.state(f, 1) == "unhealthy" })
        #expect(Self.state(f, 0) == "up")
        #expect(try Self.peer(f, 0)["health_checks"]?["last_passed"] == .bool(true))
        let log = f.logFile("logs/error.log", containing: "peer is unhealthy")
        #expect(log.contains("peer is unhealthy while SSL handshaking to upstream, health check \"sni\" of peer \(plain.address)"))
    }
}
