import SwitchyardTestSupport
import Testing

/// Upstream keep-alive decided as nginx does (by what the upstream answers, and by `keepalive_time`), the pool's
/// bound of `keepalive N` idle connections, and what `$upstream_addr` says when no server is live.
@Suite(.serialized) struct UpstreamKeepaliveTests {
    /// `proxy_set_header Connection $args`: an empty value sends no header, so the connection is kept; a request
    /// that sends `Connection: close` gets a close from the upstream and a new connection follows.
    @Test func aConnectionHeaderWithVariablesIsDecidedPerRequest() throws {
        let backend = try MockBackend(name: "b1") { req in
            MockResponse(headers: req.header("Connection") == "close" ? [("Connection", "close")] : [], text: "ok")
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            upstream app { server \(backend.address); keepalive 1; }
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection $args; }
            }
            """)
        defer { f.proxy.stop() }
        for _ in 0..<3 { #expect(try f.get("/").text == "ok") }
        #expect(backend.connections == 1)
        #expect(try f.get("/?close").text == "ok")
        #expect(try f.get("/").text == "ok")
        #expect(backend.connections == 2)
    }

    /// `keepalive_time`: a connection older than that serves no further request.
    @Test func keepaliveTimeRetiresOldConnections() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(text: "ok") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            upstream app { server \(backend.address); keepalive 1; keepalive_time 50ms; }
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; }
            }
            """)
        defer { f.proxy.stop() }
        // Requests one after another: within three seconds the first connection is past 50 ms and replaced.
        #expect(eventually(seconds: 3) { ((try? f.get("/").text) == "ok") && backend.connections >= 2 })
    }

    /// `keepalive 2` bounds the idle upstream connections: five responses in flight at once use five
    /// connections; once they have been idle a trim period the proxy keeps two and has closed three, and the next
    /// request reuses one.
    @Test func upstreamKeepaliveKeepsAtMostNIdleConnections() throws {
        let gate = MockGate()
        let backend = try MockBackend(name: "b1") { _ in
            MockResponse(body: Array("o".utf8), hold: MockHold(gate: gate, rest: Array("k".utf8)))
        }
        defer { backend.stop() }
        let f = try keptAliveProxy(to: backend, limit: 2)
        defer { f.proxy.stop() }
        let clients = try (0..<5).map { _ in try f.client() }
        for c in clients { try c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n") }
        #expect(eventually { backend.requests == 5 })   // all five held upstream at once
        #expect(backend.connections == 5)
        gate.open()
        for c in clients { #expect(try c.readResponse().text == "ok") }
        #expect(eventually { backend.openConnections == 2 })
        try clients[0].send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try clients[0].readResponse().text == "ok")
        #expect(backend.connections == 5)
    }

    /// `keepalive 1` after a burst of three requests at once: the two connections beyond the limit are kept for
    /// the trim period (a second burst right after reuses all three, where nginx would open two new ones), then
    /// closed, leaving one (README's differences table).
    @Test func idleConnectionsBeyondTheLimitOutliveABurstThenClose() throws {
        let gates = [MockGate(), MockGate()]
        let backend = try MockBackend(name: "b1") { req in
            let gate = gates[req.target.hasPrefix("/burst1") ? 0 : 1]
            return MockResponse(body: Array("held ".utf8), hold: MockHold(gate: gate, rest: Array("done".utf8)))
        }
        defer { gates.forEach { $0.open() }; backend.stop() }
        let f = try keptAliveProxy(to: backend, limit: 1)
        defer { f.proxy.stop() }
        for (n, gate) in gates.enumerated() {
            let before = backend.requests
            var clients: [TestClient] = []
            for _ in 0..<3 {
                let c = try f.client()
                try c.send("GET /burst\(n + 1) HTTP/1.1\r\nHost: x\r\n\r\n")
                clients.append(c)
            }
            #expect(eventually { backend.requests == before + 3 })
            gate.open()
            for c in clients { #expect(try c.readResponse().text == "held done"); c.close() }
            #expect(backend.connections == 3, "burst \(n + 1) opened new connections")
        }
        #expect(eventually(seconds: 6) { backend.openConnections == 1 })
        #expect(backend.connections == 3)
    }

    /// Once every server of a group has failed, nginx's pick is "busy": the try is listed under the group's name.
    @Test func noLiveUpstreamsNamesTheGroupInUpstreamAddr() throws {
        let (a, b) = (deadPort(), deadPort())
        let f = try Fixture(http: """
            upstream grp { server 127.0.0.1:\(a) max_fails=1 fail_timeout=60s; server 127.0.0.1:\(b) max_fails=1 fail_timeout=60s; }
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://grp; add_header X-A $upstream_addr always;
                             add_header X-T "$upstream_response_time|$upstream_connect_time" always; }
            }
            """)
        defer { f.proxy.stop() }
        let first = try f.get("/")
        #expect(first.status == 502)
        #expect(first.header("X-A") == "127.0.0.1:\(a), 127.0.0.1:\(b)" || first.header("X-A") == "127.0.0.1:\(b), 127.0.0.1:\(a)")
        let second = try f.get("/")
        #expect(second.status == 502)
        #expect(second.header("X-A") == "grp")
        #expect(second.header("X-T") == "0.000|-")   // as nginx's: the try "took" nothing, and connected to nothing
        #expect(f.errorLog().contains("no live upstreams while connecting to upstream"))
    }

    /// `$upstream_*_time` list "-" for what a try did not reach: a refused connection has no connect or header
    /// time, and the try still running (add_header reads it before the body) has no response time yet.
    @Test func upstreamTimesShowADashForWhatATryDidNotReach() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(text: "ok") }
        defer { backend.stop() }
        let dead = deadPort()
        let f = try Fixture(http: """
            upstream grp { server 127.0.0.1:\(dead); server \(backend.address); }
            server {
                listen 127.0.0.1:PORT;
                location / {
                    proxy_pass http://grp;
                    add_header X-C $upstream_connect_time; add_header X-H $upstream_header_time;
                    add_header X-R $upstream_response_time;
                }
            }
            """)
        defer { f.proxy.stop() }
        // Round-robin: within two requests one goes to the dead server first.
        var seen = false
        for _ in 0..<2 {
            let r = try f.get("/")
            #expect(r.text == "ok")
            guard let c = r.header("X-C"), c.hasPrefix("-, ") else { continue }
            seen = true
            #expect(r.header("X-H")?.hasPrefix("-, 0.") == true)
            #expect(r.header("X-R")?.hasSuffix(", -") == true)
        }
        #expect(seen)
    }

    /// One worker proxying to `backend` over kept-alive connections, `limit` of them idle at most.
    private func keptAliveProxy(to backend: MockBackend, limit: Int) throws -> Fixture {
        try Fixture(http: """
            upstream app { server \(backend.address); keepalive \(limit); }
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; }
            }
            """, main: "worker_processes 1;")
    }
}
