import Glibc
import SwitchyardTestSupport
import Testing

/// The balancing methods and server parameters through the real binary: an inline config, mock backends that
/// say who answered (`X-Backend`), and what a client sees. Each test is built so that the plain round-robin
/// (or an always-first balancer) would fail it.
@Suite(.serialized) struct BalancingEndToEndTests {
    /// Backends named a, b, c … answering their name, and a gate that holds `/slow` half-sent until opened.
    static func backends(_ names: [String], gate: MockGate? = nil) throws -> [MockBackend] {
        try names.map { name in
            try MockBackend(name: name) { req in
                if let gate, req.target == "/slow" {
                    return MockResponse(body: Array("slow ".utf8), hold: MockHold(gate: gate, rest: Array(name.utf8)))
                }
                return MockResponse(text: name)
            }
        }
    }

    /// One worker: the per-worker counts (`max_conns` without a zone, as in nginx) are then the whole proxy's.
    static func fixture(_ upstream: String) throws -> Fixture {
        try Fixture(http: """
            upstream pool { \(upstream) }
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://pool; } }
            """, main: "worker_processes 1;")
    }

    static func servers(_ backends: [MockBackend], _ params: [String: String] = [:]) -> String {
        backends.map { "server \($0.address) \(params[$0.name] ?? "");" }.joined(separator: " ")
    }

    /// Who answers a request on a new connection.
    static func who(_ f: Fixture, _ path: String = "/", headers: [String: String] = [:]) throws -> String {
        let r = try f.get(path, headers: headers)
        #expect(r.status == 200, "\(path): \(r.status) \(r.text)")
        return r.header("X-Backend") ?? "-"
    }

    /// Starts `/slow` requests (one connection each) until one is held on `target`; returns the clients.
    static func holdSlowRequest(on target: MockBackend, of all: [MockBackend], _ f: Fixture) throws -> [TestClient] {
        var clients: [TestClient] = []
        for _ in 0..<all.count * 2 {
            let before = all.map { $0.requests }
            let c = try f.client()
            try c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            clients.append(c)
            var landed: Int?
            #expect(eventually { landed = all.indices.first { all[$0].requests > before[$0] }; return landed != nil })
            if let i = landed, all[i] === target { return clients }
        }
        Issue.record("no /slow request reached \(target.name)")
        return clients
    }

    // MARK: - hash … consistent

    /// ketama: taking a server out moves only the keys it owned; every other key keeps its server. (Without
    /// `consistent`, nginx's modulo hash would move about two thirds of them.)
    @Test func hashConsistentMovesOnlyTheRemovedServersKeys() throws {
        let nodes = try Self.backends(["a", "b", "c"])
        defer { nodes.forEach { $0.stop() } }
        let keys = (0..<60).map { "user\($0)" }
        var before: [String: String] = [:]
        do {
            let f = try Self.fixture("hash $arg_k consistent; " + Self.servers(nodes))
            defer { f.proxy.stop() }
            for k in keys { before[k] = try Self.who(f, "/?k=\(k)") }
            for k in keys.prefix(20) { #expect(try Self.who(f, "/?k=\(k)") == before[k], "key \(k) moved") }
        }
        #expect(Set(before.values) == ["a", "b", "c"], "60 keys did not spread: \(before)")
        let f = try Self.fixture("hash $arg_k consistent; " + Self.servers([nodes[0], nodes[2]]))
        defer { f.proxy.stop() }
        var moved = 0
        for k in keys {
            let now = try Self.who(f, "/?k=\(k)")
            if before[k] == "b" { moved += 1 } else { #expect(now == before[k], "key \(k) moved from \(before[k]!) to \(now)") }
        }
        #expect(moved > 0 && moved < keys.count)
    }

    /// Holds `/slow` on one server, checks that six new requests all go to the other, then lets it finish.
    static func newRequestsAvoidABusyServer(_ f: Fixture, _ nodes: [MockBackend], gate: MockGate) throws {
        let slow = try f.client()
        try slow.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        var busy: MockBackend?
        #expect(eventually { busy = nodes.first { $0.requests == 1 }; return busy != nil })
        let idle = try #require(nodes.first { $0 !== busy })
        for i in 0..<6 { #expect(try who(f, "/fast/\(i)") == idle.name, "request \(i) went to the busy server") }
        gate.open()
        #expect(try slow.readResponse().text == "slow " + busy!.name)
    }

    // MARK: - least_conn

    /// A server busy with a long response gets no new request while the other is idle; once it is free, both
    /// serve again (ties rotate). Round-robin would alternate regardless.
    @Test func leastConnSendsNewRequestsAwayFromABusyServer() throws {
        let gate = MockGate()
        let nodes = try Self.backends(["a", "b"], gate: gate)
        defer { gate.open(); nodes.forEach { $0.stop() } }
        let f = try Self.fixture("least_conn; " + Self.servers(nodes))
        defer { f.proxy.stop() }
        try Self.newRequestsAvoidABusyServer(f, nodes, gate: gate)
        var seen: Set<String> = []
        for i in 0..<4 { seen.insert(try Self.who(f, "/after/\(i)")) }
        #expect(seen == ["a", "b"])
    }

    // MARK: - random

    /// `random two least_conn`: of its two draws (with two servers, both), the idle one; plain `random` spreads
    /// by weight. Round-robin would alternate in the first case and split 1:1 in the second.
    @Test func randomTwoAvoidsABusyServerAndRandomFollowsWeights() throws {
        let gate = MockGate()
        let nodes = try Self.backends(["a", "b"], gate: gate)
        defer { gate.open(); nodes.forEach { $0.stop() } }
        let f = try Self.fixture("random two least_conn; " + Self.servers(nodes))
        defer { f.proxy.stop() }
        try Self.newRequestsAvoidABusyServer(f, nodes, gate: gate)

        let g = try Self.fixture("random; " + Self.servers(nodes, ["a": "weight=9"]))
        defer { g.proxy.stop() }
        var a = 0
        for i in 0..<100 where try Self.who(g, "/w/\(i)") == "a" { a += 1 }
        #expect(a >= 75, "weight 9:1 gave a \(a) of 100")   // 90 expected; below 75 is over 5 standard deviations
    }

    // MARK: - max_conns

    /// `max_conns=1`: while its one request is in flight, the server is skipped; after, it serves again.
    @Test func maxConnsSkipsAFullServerUntilItsRequestEnds() throws {
        let gate = MockGate()
        let nodes = try Self.backends(["a", "b"], gate: gate)
        defer { gate.open(); nodes.forEach { $0.stop() } }
        let a = nodes[0]
        let f = try Self.fixture(Self.servers(nodes, ["a": "max_conns=1"]))
        defer { f.proxy.stop() }
        let held = try Self.holdSlowRequest(on: a, of: nodes, f)
        let aBefore = a.requests
        for i in 0..<6 { #expect(try Self.who(f, "/fast/\(i)") == "b", "request \(i) went to the full server") }
        #expect(a.requests == aBefore)
        gate.open()
        for c in held { #expect(try c.readResponse().text.hasPrefix("slow ")) }
        var seen: Set<String> = []
        for i in 0..<4 { seen.insert(try Self.who(f, "/after/\(i)")) }
        #expect(seen == ["a", "b"], "the server stayed out after its request ended")
    }

    // MARK: - down

    /// A `down` server never gets a request, and the others share the load.
    @Test func downServerGetsNoRequest() throws {
        let nodes = try Self.backends(["a", "b", "c"])
        defer { nodes.forEach { $0.stop() } }
        let f = try Self.fixture(Self.servers(nodes, ["a": "down"]))
        defer { f.proxy.stop() }
        var counts: [String: Int] = [:]
        for i in 0..<10 { counts[try Self.who(f, "/\(i)"), default: 0] += 1 }
        #expect(counts == ["b": 5, "c": 5])
        #expect(nodes[0].connections == 0)
    }

    /// `down` under a hash: the down server's keys go elsewhere, and no request reaches it.
    @Test func downServerUnderHashGetsNoRequest() throws {
        let nodes = try Self.backends(["a", "b", "c"])
        defer { nodes.forEach { $0.stop() } }
        let f = try Self.fixture("hash $arg_k; " + Self.servers(nodes, ["b": "down"]))
        defer { f.proxy.stop() }
        var seen: Set<String> = []
        for k in 0..<30 { seen.insert(try Self.who(f, "/?k=key\(k)")) }
        #expect(seen == ["a", "c"])
        #expect(nodes[1].connections == 0)
    }

    // MARK: - sticky route

    /// `sticky route $cookie_route $arg_route`: the first non-empty value picks the server whose `route=` it
    /// is, exactly; no value or an unknown one is balanced as usual.
    @Test func stickyRouteFollowsTheFirstNonEmptyValue() throws {
        let nodes = try Self.backends(["a", "b", "c"])
        defer { nodes.forEach { $0.stop() } }
        let f = try Self.fixture("sticky route $cookie_route $arg_route; "
                                 + Self.servers(nodes, ["a": "route=ra", "b": "route=rb", "c": "route=rc"]))
        defer { f.proxy.stop() }
        for i in 0..<5 {
            #expect(try Self.who(f, "/\(i)", headers: ["Cookie": "route=rb"]) == "b")
            #expect(try Self.who(f, "/\(i)?route=rc") == "c")
            #expect(try Self.who(f, "/\(i)?route=rc", headers: ["Cookie": "route=ra"]) == "a")   // the cookie comes first
        }
        var balanced: Set<String> = []
        for i in 0..<6 {
            balanced.insert(try Self.who(f, "/none/\(i)"))
            balanced.insert(try Self.who(f, "/unknown/\(i)", headers: ["Cookie": "route=r"]))   // a prefix of every route
        }
        #expect(balanced == ["a", "b", "c"])
    }

    /// A backup sharing a primary's route serves it once the primary is dead (nginx Plus lets servers share
    /// routes; switchyard refused the config as a duplicate).
    @Test func stickyRouteSharedWithABackup() throws {
        let nodes = try Self.backends(["a", "b"])
        defer { nodes.forEach { $0.stop() } }
        let f = try Self.fixture("sticky route $cookie_route; server 127.0.0.1:1 route=r1; "
                                 + Self.servers(nodes, ["a": "backup route=r1", "b": "backup route=r2"]))
        defer { f.proxy.stop() }
        for _ in 0..<4 { #expect(try Self.who(f, headers: ["Cookie": "route=r1"]) == "a") }
    }

    // MARK: - sticky learn

    /// `sticky learn` learns a session when its response is complete (nginx Plus): until then a request with
    /// that session is balanced. With `header`, the response head teaches it at once.
    @Test(arguments: [false, true]) func stickyLearnLearnsWhenTheResponseEnds(header: Bool) throws {
        let gate = MockGate()
        let nodes = try ["a", "b"].map { name in
            try MockBackend(name: name) { req in
                let cookie = [("Set-Cookie", "sid=s1")]
                if req.target == "/slow" {
                    return MockResponse(headers: cookie, body: Array("slow ".utf8), hold: MockHold(gate: gate, rest: Array(name.utf8)))
                }
                return MockResponse(text: name)
            }
        }
        defer { nodes.forEach { $0.stop() } }
        let f = try Self.fixture(Self.servers(nodes) + " sticky learn create=$upstream_cookie_sid lookup=$cookie_sid"
                                 + " zone=z:1m\(header ? " header" : "");")
        defer { f.proxy.stop() }
        let session = ["Cookie": "sid=s1"]
        let slow = try f.client()
        try slow.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(eventually { nodes[0].requests == 1 })
        if header {
            // Round-robin alone alternates: two answers from a in a row mean the session is bound.
            #expect(eventually { (try? Self.who(f, headers: session)) == "a" && (try? Self.who(f, headers: session)) == "a" })
        } else {
            let answers = try (0..<4).map { _ in try Self.who(f, headers: session) }
            #expect(answers.contains("b"), "\(answers)")
        }
        gate.open()
        #expect(try slow.readResponse().text == "slow a")
        for _ in 0..<4 { #expect(try Self.who(f, headers: session) == "a") }
    }

    // MARK: - jvm_route overlap warning

    /// srun_ids where one is a prefix of another start with a `[warn]` naming both servers and the file:line
    /// (at `-t` and at start), and sessions still route by the whole id.
    @Test func jvmRouteOverlapIsWarnedAndRoutesByTheWholeID() throws {
        let one = try TomcatNode.start(name: "tomcat1", route: "tomcat1")
        let ten = try TomcatNode.start(name: "tomcat10", route: "tomcat10")
        defer { one.stop(); ten.stop() }
        let f = try Fixture(http: """
            upstream tomcat-lb {
                jvm_route $cookie_JSESSIONID reverse;
                server \(one.address) srun_id=tomcat1;
                server \(ten.address) srun_id=tomcat10;
            }
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://tomcat-lb; } }
            """)
        defer { f.proxy.stop() }
        let conf = f.proxy.prefix + "/conf/nginx.conf"
        let warning = "[warn] srun_id \"tomcat1\" of server \"\(one.address)\" is a prefix of srun_id \"tomcat10\" "
            + "of server \"\(ten.address)\"; switchyard matches whole routes, nginx-upstream-jvm-route would confuse them "
            + "in \(conf):"
        #expect(f.proxy.stderr().contains(warning), "start: \(f.proxy.stderr())")
        let test = try ProxyProcess.run(arguments: ["-t", "-p", f.proxy.prefix, "-c", conf], prefix: f.proxy.prefix)
        #expect(test.status == 0)
        #expect(test.stderr.contains(warning), "-t: \(test.stderr)")
        #expect(test.stderr.occurrences(of: "[warn]") == 1, "one overlap, one warning: \(test.stderr)")

        for route in ["tomcat1", "tomcat10"] {
            for i in 0..<5 {
                let r = try f.get("/\(i)", headers: ["Cookie": "JSESSIONID=00AA\(i).\(route)"])
                #expect(r.header("X-Backend") == route, "session 00AA\(i).\(route) went to \(r.header("X-Backend") ?? "-")")
            }
        }
    }
}

extension String {
    /// How many times `needle` occurs (Foundation-free).
    fileprivate func occurrences(of needle: String) -> Int {
        split(separator: needle, omittingEmptySubsequences: false).count - 1
    }
}
