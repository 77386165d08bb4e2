import Glibc
import SwitchyardTestSupport
import Testing

/// Session routing end to end: jvm_route, sticky, ip_hash, drain, backup, the deterministic fallback.
@Suite(.serialized) struct SessionRoutingTests {
    /// `node=tomcat1 session=ID hits=N` → (node, session, hits).
    static func parse(_ text: String) -> (node: String, session: String, hits: Int) {
        var node = "", session = "", hits = 0
        for field in text.split(separator: " ") {
            if field.hasPrefix("node=") { node = String(field.dropFirst(5)) }
            if field.hasPrefix("session=") { session = String(field.dropFirst(8)) }
            if field.hasPrefix("hits=") { hits = Int(field.dropFirst(5)) ?? 0 }
        }
        return (node, session, hits)
    }

    static func cluster(_ extra: String = "", params: [String] = ["", "", ""], upstreamExtra: String = "jvm_route $cookie_JSESSIONID reverse;",
                        nodes: [MockBackend], location: String = "") -> String {
        var servers = ""
        for (i, n) in nodes.enumerated() { servers += "server \(n.address) srun_id=tomcat\(i + 1) \(params[i]);\n" }
        return """
            upstream tomcat-lb { \(upstreamExtra) \(servers) }
            \(extra)
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://tomcat-lb; \(location) }
                location /status { upstream_status; }
                location /jvm { jvm_route_status tomcat-lb; }
            }
            """
    }

    func request(_ c: TestClient, _ path: String = "/app", session: String? = nil) throws -> TestResponse {
        var req = "GET \(path) HTTP/1.1\r\nHost: x\r\n"
        if let s = session { req += "Cookie: JSESSIONID=\(s)\r\n" }
        try c.send(req + "\r\n")
        return try c.readResponse()
    }

    @Test func aSessionStaysOnItsServerFor1000Requests() throws {
        let nodes = try (1...3).map { try TomcatNode.start(name: "tomcat\($0)", route: "tomcat\($0)") }
        defer { nodes.forEach { $0.stop() } }
        let f = try Fixture(http: Self.cluster(nodes: nodes))
        defer { f.proxy.stop() }
        let c = try f.client()
        let first = Self.parse(try request(c).text)
        for i in 2...1000 {
            let r = Self.parse(try request(c, session: first.session).text)
            guard r.node == first.node, r.hits == i else {
                Issue.record("request \(i) went to \(r.node) hits \(r.hits), expected \(first.node); error log: \(f.errorLog())"); return
            }
        }
        #expect(first.session.hasSuffix("." + first.node))
    }

    @Test func newSessionsSpreadByWeight() throws {
        let nodes = try (1...3).map { try TomcatNode.start(name: "tomcat\($0)", route: "tomcat\($0)") }
        defer { nodes.forEach { $0.stop() } }
        let f = try Fixture(http: Self.cluster(params: ["weight=2", "", ""], nodes: nodes))
        defer { f.proxy.stop() }
        let c = try f.client()
        var counts: [String: Int] = [:]
        for _ in 0..<100 { counts[Self.parse(try request(c).text).node, default: 0] += 1 }
        #expect(counts == ["tomcat1": 50, "tomcat2": 25, "tomcat3": 25])
    }

    @Test func deadOwnerFallsBackDeterministicallyAndTheSessionReturns() throws {
        var nodes = try (1...3).map { try TomcatNode.start(name: "tomcat\($0)", route: "tomcat\($0)") }
        defer { nodes.forEach { $0.stop() } }
        let f = try Fixture(http: Self.cluster(params: Array(repeating: "max_fails=1 fail_timeout=1s", count: 3), nodes: nodes))
        defer { f.proxy.stop() }
        let c = try f.client()
        // Sessions owned by tomcat1, created on it. Each one's stand-in is a rendezvous hash of its id, and the ids
        // and ports are new in every run: with 12 sessions all twelve landed on one survivor once in about 2,000
        // runs (2 × 2^-12), which failed the spread check below; with 40 that is 2 × 2^-40.
        var owned: [String] = []
        for _ in 0..<400 where owned.count < 40 {
            let r = Self.parse(try request(c).text)
            if r.node == "tomcat1" { owned.append(r.session) }
        }
        try #require(owned.count == 40, "new sessions never reached tomcat1: \(f.errorLog())")
        let port = nodes[0].port
        nodes[0].stop()
        // Every request of one session reaches the same stand-in, and no error reaches the client.
        var standIns: Set<String> = []
        for s in owned {
            var seen: Set<String> = []
            for _ in 0..<5 {
                let r = try request(c, session: s)
                #expect(r.status == 200)
                seen.insert(Self.parse(r.text).node)
            }
            #expect(seen.count == 1, "session \(s) scattered over \(seen)")
            standIns.formUnion(seen)
        }
        #expect(!standIns.contains("tomcat1"))
        #expect(standIns == ["tomcat2", "tomcat3"])   // the dead node's sessions spread over the survivors
        // Bring tomcat1 back on its address: after fail_timeout, its sessions go home.
        nodes[0] = try TomcatNode.start(name: "tomcat1", route: "tomcat1", port: port)
        var home = false
        for _ in 0..<300 where !home {
            home = Self.parse(try request(c, session: owned[0]).text).node == "tomcat1"
            if !home { usleep(10_000) }
        }
        #expect(home)
    }

    @Test func jsessionidInTheURLRoutesToo() throws {
        let nodes = try (1...2).map { try TomcatNode.start(name: "tomcat\($0)", route: "tomcat\($0)") }
        defer { nodes.forEach { $0.stop() } }
        let f = try Fixture(http: Self.cluster(nodes: nodes))
        defer { f.proxy.stop() }
        let c = try f.client()
        var s2 = ""
        for _ in 0..<20 where s2.isEmpty { let r = Self.parse(try request(c).text); if r.node == "tomcat2" { s2 = r.session } }
        try #require(!s2.isEmpty, "no new session reached tomcat2")
        for _ in 0..<10 {
            #expect(Self.parse(try request(c, "/app;jsessionid=\(s2)?x=1").text).node == "tomcat2")
            #expect(Self.parse(try request(c, "/app?jsessionid=\(s2)").text).node == "tomcat2")
        }
    }

    @Test func drainKeepsBoundSessionsAndTakesNoNewOnes() throws {
        let nodes = try (1...2).map { try TomcatNode.start(name: "tomcat\($0)", route: "tomcat\($0)") }
        defer { nodes.forEach { $0.stop() } }
        // First learn a session on tomcat1, then reload-free: a second proxy with tomcat1 draining.
        let f1 = try Fixture(http: Self.cluster(nodes: nodes))
        let c1 = try f1.client()
        var s1 = ""
        for _ in 0..<20 where s1.isEmpty { let r = Self.parse(try request(c1).text); if r.node == "tomcat1" { s1 = r.session } }
        f1.proxy.stop()
        try #require(!s1.isEmpty, "no new session reached tomcat1")
        let f = try Fixture(http: Self.cluster(params: ["drain", ""], nodes: nodes))
        defer { f.proxy.stop() }
        let c = try f.client()
        for _ in 0..<20 { #expect(Self.parse(try request(c).text).node == "tomcat2") }
        for _ in 0..<5 { #expect(Self.parse(try request(c, session: s1).text).node == "tomcat1") }
    }

    /// The dropper reads each request whole and closes without answering. `max_fails=0` keeps it in the
    /// rotation, so the GETs reach it too (with the default max_fails=1 the first POST's failure would take it
    /// out for 10 s, and the GET half would prove nothing).
    @Test func postIsNotRetriedOnceSentButGetIs() throws {
        let dropper = try MockBackend(name: "dropper") { _ in MockResponse(dropConnection: true) }
        let good = try MockBackend(name: "good") { req in MockResponse(text: "good \(req.method)") }
        defer { dropper.stop(); good.stop() }
        let f = try Fixture(http: """
            upstream pool { server \(dropper.address) max_fails=0; server \(good.address); }
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://pool; } }
            """)
        defer { f.proxy.stop() }
        var posts502 = 0, posts200 = 0
        for _ in 0..<4 {
            let c = try f.client()
            try c.send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
            let r = try c.readResponse()
            if r.status == 502 { posts502 += 1 } else if r.text == "good POST" { posts200 += 1 }
        }
        func count(_ b: MockBackend, _ method: String) -> Int { b.received.filter { $0.method == method }.count }
        #expect(posts502 >= 1)            // the POST that reached the dropper is not resent
        #expect(posts502 + posts200 == 4)
        #expect(count(dropper, "POST") == posts502 && count(good, "POST") == posts200,
                "dropper saw \(count(dropper, "POST")) POSTs, good \(count(good, "POST")), clients got \(posts502) 502s")
        for _ in 0..<4 { #expect(try f.get("/g").text == "good GET") }   // a GET is retried on the next server
        #expect(count(dropper, "GET") >= 2, "the GETs never reached the failing server")
        #expect(count(good, "GET") == 4)
    }

    @Test func backupServesOnlyWhenAllPrimariesAreDown() throws {
        let primary = try MockBackend(name: "primary") { _ in MockResponse(text: "primary") }
        let backup = try MockBackend(name: "backup") { _ in MockResponse(text: "backup") }
        defer { backup.stop() }
        let f = try Fixture(http: """
            upstream pool { server \(primary.address); server \(backup.address) backup; }
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://pool; } }
            """)
        defer { f.proxy.stop() }
        for _ in 0..<5 { #expect(try f.get("/").text == "primary") }
        primary.stop()
        for _ in 0..<5 { #expect(try f.get("/").text == "backup") }
    }

    /// Clients on several networks (loopback answers all of 127/8): each keeps its server, a /24 shares one,
    /// and they land where nginx's ip_hash puts them. For 127.0.X.*, nginx hashes 127, 0, X from 89 by
    /// `h = (h * 113 + byte) % 6271`, giving 4040 + X; over three servers of weight 1 that is server
    /// (2 + X) % 3. An always-first or round-robin balancer fails this.
    @Test func ipHashKeepsAClientOnOneServer() throws {
        let nodes = try (1...3).map { try TomcatNode.start(name: "tomcat\($0)", route: "tomcat\($0)") }
        defer { nodes.forEach { $0.stop() } }
        let f = try Fixture(http: Self.cluster(upstreamExtra: "ip_hash;", nodes: nodes))
        defer { f.proxy.stop() }
        func node(from source: String) throws -> String {
            let c = try TestClient(port: f.port, from: source)
            try c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return Self.parse(try c.readResponse().text).node
        }
        var seen: Set<String> = []
        for x in 1...6 {
            let expected = "tomcat\((2 + x) % 3 + 1)"
            for host in [1, 2, 200] {
                for _ in 0..<3 {
                    let got = try node(from: "127.0.\(x).\(host)")
                    #expect(got == expected, "client 127.0.\(x).\(host) went to \(got), nginx sends it to \(expected)")
                    seen.insert(got)
                }
            }
        }
        #expect(seen.count == 3)
    }

    /// The cookie comes back on every response, as nginx sends it, naming the same server.
    @Test func stickyCookieIsFollowedAndSentAgain() throws {
        let nodes = try (1...3).map { try TomcatNode.start(name: "tomcat\($0)", route: "tomcat\($0)") }
        defer { nodes.forEach { $0.stop() } }
        let f = try Fixture(http: Self.cluster(upstreamExtra: "sticky cookie srv path=/;", nodes: nodes))
        defer { f.proxy.stop() }
        let first = try f.get("/")
        let setCookie = try #require(first.headers("Set-Cookie").first { $0.hasPrefix("srv=") })
        let value = String(setCookie.dropFirst(4).prefix { $0 != ";" })
        let node = Self.parse(first.text).node
        for _ in 0..<10 {
            let r = try f.get("/", headers: ["Cookie": "srv=\(value)"])
            #expect(Self.parse(r.text).node == node)
            #expect(r.headers("Set-Cookie").filter { $0.hasPrefix("srv=") } == [setCookie])
        }
    }

    @Test func statusPagesShowEveryServer() throws {
        let nodes = try (1...2).map { try TomcatNode.start(name: "tomcat\($0)", route: "tomcat\($0)") }
        defer { nodes.forEach { $0.stop() } }
        let f = try Fixture(http: Self.cluster(nodes: nodes))
        defer { f.proxy.stop() }
        for _ in 0..<4 { _ = try f.get("/") }
        let json = try f.get("/status").text
        #expect(json.hasPrefix("{\"upstreams\":{\"tomcat-lb\":{\"servers\":[{\"server\":\"\(nodes[0].address)\",\"state\":\"up\""))
        #expect(json.contains("\"route\":\"tomcat2\""))
        #expect(json.contains("\"sessions_last_minute\":2"))
        let text = try f.get("/jvm").text
        #expect(text.contains(nodes[0].address) && text.contains("tomcat1"))
    }

    static let learn = "sticky learn create=$upstream_cookie_JSESSIONID lookup=$cookie_JSESSIONID zone=client_sessions:1m;"

    /// `sticky learn`: the backend's Set-Cookie teaches the table, and every later request with that cookie goes
    /// to the server that created the session (round-robin alone would move it on each request).
    @Test func stickyLearnFollowsTheSessionTheBackendCreated() throws {
        let nodes = try (1...3).map { try TomcatNode.start(name: "tomcat\($0)", route: "tomcat\($0)") }
        defer { nodes.forEach { $0.stop() } }
        let f = try Fixture(http: Self.cluster(upstreamExtra: Self.learn, nodes: nodes))
        defer { f.proxy.stop() }
        let c = try f.client()
        // Three new sessions, one per node (round-robin), each learnt from its Set-Cookie.
        let sessions = try (0..<3).map { _ in Self.parse(try request(c).text) }
        #expect(Set(sessions.map(\.node)) == ["tomcat1", "tomcat2", "tomcat3"])
        for round in 2...200 {
            for s in sessions {
                let r = Self.parse(try request(c, session: s.session).text)
                guard r.node == s.node, r.hits == round else {
                    Issue.record("round \(round): \(s.session) went to \(r.node) hits \(r.hits), expected \(s.node)"); return
                }
            }
        }
    }

    /// A cookie the table never learnt is balanced as usual (and the new session it gets is learnt in turn).
    @Test func stickyLearnBalancesUnknownSessions() throws {
        let nodes = try (1...3).map { try TomcatNode.start(name: "tomcat\($0)", route: "tomcat\($0)") }
        defer { nodes.forEach { $0.stop() } }
        let f = try Fixture(http: Self.cluster(upstreamExtra: Self.learn, nodes: nodes))
        defer { f.proxy.stop() }
        let c = try f.client()
        let unknown = try (0..<3).map { i in Self.parse(try request(c, session: "NOPE\(i).tomcat1").text) }
        #expect(Set(unknown.map(\.node)) == ["tomcat1", "tomcat2", "tomcat3"])
        #expect(unknown.allSatisfy { $0.hits == 1 && !$0.session.hasPrefix("NOPE") })
        for s in unknown {
            #expect(Self.parse(try request(c, session: s.session).text).node == s.node)
        }
    }

    /// The learnt table is kept across `-s reload`, even when the reloaded upstream lists its servers in another
    /// order (the table stores addresses, not positions) and has another name (the zone is found by its name).
    @Test func stickyLearnTableSurvivesAReload() throws {
        let nodes = try (1...3).map { try TomcatNode.start(name: "tomcat\($0)", route: "tomcat\($0)") }
        defer { nodes.forEach { $0.stop() } }
        let f = try Fixture(http: Self.cluster(upstreamExtra: Self.learn, nodes: nodes))
        defer { f.proxy.stop() }
        let c = try f.client()
        let sessions = try (0..<3).map { _ in Self.parse(try request(c).text) }
        // The reloaded configuration lists the first and last servers the other way round.
        let path = f.proxy.prefix + "/conf/nginx.conf"
        let swapped = try TempDir.read(path).replacingOccurrences(of: nodes[0].address, with: "SWAP")
            .replacingOccurrences(of: nodes[2].address, with: nodes[0].address).replacingOccurrences(of: "SWAP", with: nodes[2].address)
            .replacingOccurrences(of: "tomcat-lb", with: "renamed-lb")
        try TempDir.write(path, swapped)
        f.proxy.signal(SIGHUP)
        #expect(f.logFile("logs/error.log", containing: "reconfigured").contains("reconfigured"))
        #expect(try TempDir.read(path).contains("server \(nodes[2].address) srun_id=tomcat1"))
        let fresh = try f.client()
        for s in sessions {
            for _ in 0..<5 {
                let r = Self.parse(try request(fresh, session: s.session).text)
                #expect(r.node == s.node, "\(s.session) went to \(r.node) after the reload")
            }
        }
    }

    /// A learnt session whose server died goes to one stand-in, every time, with no error reaching the client.
    @Test func stickyLearnDeadOwnerHasOneStandIn() throws {
        let nodes = try (1...3).map { try TomcatNode.start(name: "tomcat\($0)", route: "tomcat\($0)") }
        defer { nodes.forEach { $0.stop() } }
        let f = try Fixture(http: Self.cluster(params: Array(repeating: "max_fails=1 fail_timeout=10s", count: 3),
                                               upstreamExtra: Self.learn, nodes: nodes))
        defer { f.proxy.stop() }
        let c = try f.client()
        var owned: [String] = []
        for _ in 0..<60 where owned.count < 6 {
            let r = Self.parse(try request(c).text)
            if r.node == "tomcat1" { owned.append(r.session) }
        }
        try #require(owned.count == 6, "new sessions never reached tomcat1: \(f.errorLog())")
        nodes[0].stop()
        for s in owned {
            var seen: Set<String> = []
            for _ in 0..<5 {
                let r = try request(c, session: s)
                #expect(r.status == 200)
                seen.insert(Self.parse(r.text).node)
            }
            #expect(seen.count == 1 && !seen.contains("tomcat1"), "session \(s) went to \(seen)")
        }
    }
}
