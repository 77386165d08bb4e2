import EventLoop
import Glibc
@testable import session_app
import SwitchyardTestSupport
import Testing

/// Issue 19, part 3: two switchyard instances with the same configuration share `sticky learn`'s table and
/// jvm_route's failback table through two memcached nodes (`share=memcached://…`).
@Suite(.serialized) struct SharedRoutesTests {
    /// Two memcached nodes on free ports (started or not), stopped by PID.
    final class MemcachedPair {
        let directory: String
        let ports: [UInt16]
        private var processes: [ChildProcess?] = [nil, nil]
        private var starts = 0

        init(start: Bool = true) throws {
            directory = try TempDir.make()
            ports = [freePort(), freePort()]
            if start { for i in 0..<2 { try self.start(i) } }
        }

        func start(_ i: Int) throws {
            starts += 1
            var args = [ClusterFixture.memcachedBinary, "-l", "127.0.0.1", "-p", String(ports[i]), "-U", "0", "-m", "64"]
            if getuid() == 0 { args += ["-u", "nobody"] }   // memcached refuses to run as root without -u
            let m = try ChildProcess(name: "memcached-\(i + 1)-\(starts)", args, logDirectory: directory)
            processes[i] = m
            try m.waitUntilListening(ports[i])
        }

        func stop(_ i: Int) {
            processes[i]?.stop(SIGKILL)
            processes[i] = nil
        }

        func stopAll() { for i in 0..<2 { stop(i) } }

        var url: String { "memcached://" + ports.map { "127.0.0.1:\($0)" }.joined(separator: ",") }

        /// The value under `key` on node `i`, read directly (session-app's blocking client).
        func get(_ i: Int, _ key: String) -> [UInt8]? {
            let c = MemcachedConnection(address: SocketAddress.parse("127.0.0.1:\(ports[i])")!, timeoutMillis: 1000)
            defer { c.close() }
            return try? c.get(key)
        }

        deinit { stopAll() }
    }

    typealias Page = (node: String, session: String, hits: Int)

    static func config(port: UInt16, nodes: [MockBackend], upstream: String, serverParameters: String = "") -> String {
        let servers = nodes.enumerated().map { "server \($1.address) srun_id=tomcat\($0 + 1) \(serverParameters);" }
        return """
            error_log logs/error.log info;
            pid logs/switchyard.pid;
            events { worker_connections 1024; }
            http {
                access_log off;
                keepalive_requests 100000;
                upstream tomcat-lb {
                    \(upstream)
                    \(servers.joined(separator: "\n        "))
                }
                server {
                    listen 127.0.0.1:\(port);
                    location / { proxy_pass http://tomcat-lb; }
                    location = /jvm { jvm_route_status tomcat-lb; }
                }
            }
            """
    }

    /// One request on `c`, with the session's cookie if any; a status other than 200 throws.
    static func get(_ c: TestClient, session: String?) throws -> Page {
        var request = "GET /app HTTP/1.1\r\nHost: x\r\n"
        if let session { request += "Cookie: JSESSIONID=\(session)\r\n" }
        try c.send(request + "\r\n")
        let r = try c.readResponse()
        guard r.status == 200 else { throw TestClientError("status \(r.status): \(r.text)") }
        var page: Page = ("", "", 0)
        for field in r.text.split(separator: " ") {
            if field.hasPrefix("node=") { page.node = String(field.dropFirst(5)) }
            if field.hasPrefix("session=") { page.session = String(field.dropFirst(8)) }
            if field.hasPrefix("hits=") { page.hits = Int(field.dropFirst(5)) ?? 0 }
        }
        return page
    }

    /// How many of `sessions` the proxy on `port` sends to the node that holds them (the node still knows the
    /// session: no new one was created).
    static func agreement(_ port: UInt16, _ sessions: [Page]) throws -> Int {
        let c = try TestClient(port: port)
        var same = 0
        for s in sessions {
            let r = try get(c, session: s.session)
            if r.node == s.node && r.session == s.session { same += 1 }
        }
        return same
    }

    static func lines(_ log: String, containing needle: String) -> Int {
        log.split(separator: "\n").filter { $0.contains(needle) }.count
    }

    static let learnZone = "sticky learn create=$upstream_cookie_JSESSIONID lookup=$cookie_JSESSIONID zone=client_sessions:4m timeout=1h"

    /// 10,000 sessions learnt through A route alike through B; again after A restarts (its local table empty);
    /// again through a fresh B while one memcached node is down; and while a backend is down, the sessions it
    /// held have the same stand-in through both.
    @Test func tenThousandLearnedSessionsRouteAlikeThroughEveryInstance() throws {
        let memcached = try MemcachedPair()
        defer { memcached.stopAll() }
        let nodes = try (1...3).map { try TomcatNode.start(name: "tomcat\($0)", route: "tomcat\($0)") }
        defer { nodes.forEach { $0.stop() } }
        // A generous share_timeout: this checks agreement on a loaded test machine, not speed (BENCHMARKS.md has that).
        let upstream = "\(Self.learnZone) share=\(memcached.url) share_timeout=2s;"
        let portA = freePort()
        let portB = freePort()
        let config = { (port: UInt16) in Self.config(port: port, nodes: nodes, upstream: upstream) }
        var a = try ProxyProcess(config: config(portA), waitForPort: portA)
        var b = try ProxyProcess(config: config(portB), waitForPort: portB)
        defer { a.stop(); b.stop() }

        let ca = try TestClient(port: portA)
        let sessions = try (0..<10_000).map { _ in try Self.get(ca, session: nil) }
        #expect(Set(sessions.map { $0.node }) == ["tomcat1", "tomcat2", "tomcat3"])
        // Writes are asynchronous and batched: wait until the last one is on both nodes (one connection per node
        // keeps the writes in order, so every earlier one is there too).
        let lastKey = "sy:l:client_sessions:" + sessions[sessions.count - 1].session
        #expect(eventually { memcached.get(0, lastKey) != nil && memcached.get(1, lastKey) != nil })

        #expect(try Self.agreement(portB, sessions) == 10_000, "through B: \(b.file("logs/error.log"))")

        // The next two checks take every fifth session (2,000), to keep the test under two minutes on a busy machine.
        let sample = stride(from: 0, to: sessions.count, by: 5).map { sessions[$0] }
        a.stop()
        a = try ProxyProcess(config: config(portA), waitForPort: portA)
        #expect(try Self.agreement(portA, sample) == sample.count, "through A restarted: \(a.file("logs/error.log"))")

        memcached.stop(0)
        b.stop()
        b = try ProxyProcess(config: config(portB), waitForPort: portB)
        #expect(try Self.agreement(portB, sample) == sample.count, "through a new B, node 1 down: \(b.file("logs/error.log"))")
        let downLine = "memcached 127.0.0.1:\(memcached.ports[0]) is unreachable"
        #expect(Self.lines(b.file("logs/error.log"), containing: downLine) == 1, "logged once: \(b.file("logs/error.log"))")

        // tomcat3 fails (it drops every connection): its sessions each go to one stand-in, the same through A and B.
        nodes[2].setHandler { _ in MockResponse(dropConnection: true) }
        let orphans = sessions.filter { $0.node == "tomcat3" }.prefix(300)
        let viaA = try TestClient(port: portA)
        let viaB = try TestClient(port: portB)
        var sameStandIn = 0
        for s in orphans {
            let x = try Self.get(viaA, session: s.session)
            let y = try Self.get(viaB, session: s.session)
            if x.node == y.node && x.node != "tomcat3" { sameStandIn += 1 }
        }
        #expect(sameStandIn == orphans.count)
    }

    /// jvm_route's failback table is shared: sessions A moved to stand-ins while tomcat1 was down stay there when
    /// tomcat1 is back, through B too, which never saw tomcat1 fail (without sharing, B would send all of them
    /// back to tomcat1).
    @Test func movedSessionsStayOnTheirStandInThroughTheOtherInstance() throws {
        let memcached = try MemcachedPair()
        defer { memcached.stopAll() }
        let store = ReplicatedSessions()
        var nodes = try (1...3).map { try TomcatNode.startReplicated(name: "tomcat\($0)", route: "tomcat\($0)", sessions: store) }
        defer { nodes.forEach { $0.stop() } }
        let upstream = "jvm_route $cookie_JSESSIONID reverse share=\(memcached.url) share_timeout=2s;"
        let portA = freePort()
        let portB = freePort()
        let config = { (port: UInt16) in
            Self.config(port: port, nodes: nodes, upstream: upstream, serverParameters: "max_fails=1 fail_timeout=1s")
        }
        let a = try ProxyProcess(config: config(portA), waitForPort: portA)
        let b = try ProxyProcess(config: config(portB), waitForPort: portB)
        defer { a.stop(); b.stop() }

        let ca = try TestClient(port: portA)
        var owned: [Page] = []
        for _ in 0..<1000 where owned.count < 100 {
            let page = try Self.get(ca, session: nil)
            if page.node == "tomcat1" { owned.append(page) }
        }
        try #require(owned.count == 100)
        let others = try (0..<30).map { _ in try Self.get(ca, session: nil) }.filter { $0.node != "tomcat1" }

        let tomcat1Port = nodes[0].port
        nodes[0].stop()
        var standIns: [String] = []
        for s in owned {
            let page = try Self.get(ca, session: s.session)
            #expect(page.node != "tomcat1" && page.session == s.session, "the stand-in serves the replicated session")
            standIns.append(page.node)
        }
        #expect(Set(standIns).count == 2, "the moved sessions spread over both other nodes")
        let lastKey = "sy:f:tomcat-lb:" + owned[owned.count - 1].session
        #expect(eventually { memcached.get(0, lastKey) != nil && memcached.get(1, lastKey) != nil })

        nodes[0] = try TomcatNode.startReplicated(name: "tomcat1", route: "tomcat1", sessions: store, port: tomcat1Port)
        let cb = try TestClient(port: portB)
        #expect(try Self.get(cb, session: nil).node != "", "B serves")
        var stayed = 0
        for (s, standIn) in zip(owned, standIns) {
            if try Self.get(cb, session: s.session).node == standIn { stayed += 1 }
        }
        #expect(stayed == 100, "\(b.file("logs/error.log"))")
        for s in others { #expect(try Self.get(cb, session: s.session).node == s.node, "a session that never moved stays home") }
        #expect(!b.file("logs/error.log").contains("unreachable"), "no memcached trouble to report")
    }

    /// jvm_route asks memcached about a session that never moved once per `share_recheck` window (1 s by default),
    /// not on every request; `share_recheck=0` asks every time. Counted by memcached itself (`stats`: cmd_get).
    @Test func anUnmovedSessionIsAskedAboutOncePerRecheck() throws {
        let memcached = try MemcachedPair()
        defer { memcached.stopAll() }
        let nodes = try (1...2).map { try TomcatNode.start(name: "tomcat\($0)", route: "tomcat\($0)") }
        defer { nodes.forEach { $0.stop() } }
        func lookups() -> Int { memcached.ports.map { Self.memcachedGets($0) }.reduce(0, +) }
        // A miss asks both of the key's nodes: two gets a lookup. An hour's window keeps the count free of timing.
        for (recheck, expected) in [("share_recheck=1h", 2), ("share_recheck=0", 40)] {
            let port = freePort()
            let upstream = "jvm_route $cookie_JSESSIONID reverse share=\(memcached.url) share_timeout=2s \(recheck);"
            let p = try ProxyProcess(config: Self.config(port: port, nodes: nodes, upstream: upstream), waitForPort: port)
            defer { p.stop() }
            let c = try TestClient(port: port)
            let session = try Self.get(c, session: nil).session
            let before = lookups()
            for _ in 0..<20 { _ = try Self.get(c, session: session) }
            let asked = lookups() - before
            #expect(asked == expected, "\(recheck): \(asked) gets for 20 requests")
        }
    }

    /// memcached's own count of get commands.
    static func memcachedGets(_ port: UInt16) -> Int {
        guard let c = try? TestClient(port: port) else { return -1 }
        try? c.send("stats\r\n")
        var text = ""
        var chunk = [UInt8](repeating: 0, count: 8192)
        while !text.contains("END\r\n") {
            let n = read(c.fd, &chunk, chunk.count)
            if n <= 0 { break }
            text += String(decoding: chunk[0..<n], as: UTF8.self)
        }
        for line in text.split(separator: "\r\n") where line.hasPrefix("STAT cmd_get ") {
            return Int(line.dropFirst(13)) ?? -1
        }
        return -1
    }

    /// memcached down from the start: every request is served from the local table, the outage is logged once
    /// per node, and when memcached comes up it is logged once and used again.
    @Test func memcachedDownNeverFailsARequestAndIsLoggedOnceEachWay() throws {
        let memcached = try MemcachedPair(start: false)
        defer { memcached.stopAll() }
        let nodes = try (1...2).map { try TomcatNode.start(name: "tomcat\($0)", route: "tomcat\($0)") }
        defer { nodes.forEach { $0.stop() } }
        let port = freePort()
        let proxy = try ProxyProcess(
            config: Self.config(port: port, nodes: nodes, upstream: "\(Self.learnZone) share=\(memcached.url) share_timeout=2s;"),
            waitForPort: port)
        defer { proxy.stop() }
        let c = try TestClient(port: port)
        let sessions = try (0..<20).map { _ in try Self.get(c, session: nil) }
        for s in sessions {
            for _ in 0..<3 { #expect(try Self.get(c, session: s.session).node == s.node) }
        }
        for n in 0..<20 { _ = try Self.get(c, session: "UNKNOWN\(n)") }   // each a lookup nobody can answer
        let log = proxy.file("logs/error.log")
        for p in memcached.ports {
            #expect(Self.lines(log, containing: "memcached 127.0.0.1:\(p) is unreachable") == 1, "\(log)")
        }

        try memcached.start(0)
        try memcached.start(1)
        var probe = 0
        let back = eventually(seconds: 20) {
            probe += 1
            _ = try? Self.get(c, session: "PROBE\(probe)")   // a lookup: a node down for over a second is tried again
            let text = proxy.file("logs/error.log")
            return memcached.ports.allSatisfy { Self.lines(text, containing: "memcached 127.0.0.1:\($0) is reachable again") == 1 }
        }
        #expect(back, "\(proxy.file("logs/error.log"))")
        let fresh = try Self.get(c, session: nil)
        let key = "sy:l:client_sessions:" + fresh.session
        #expect(eventually { memcached.get(0, key) != nil && memcached.get(1, key) != nil }, "written again")
        let after = proxy.file("logs/error.log")
        for p in memcached.ports {
            #expect(Self.lines(after, containing: "memcached 127.0.0.1:\(p) is unreachable") == 1)
        }
    }
}
