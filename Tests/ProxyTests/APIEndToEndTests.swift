import Glibc
@testable import Proxy
import SwitchyardTestSupport
import Testing

/// The runtime API through the real binary: GET, PATCH, POST and DELETE in nginx Plus's shape, the 400s and
/// 405s that change nothing, and edits that survive a reload and (with `state`) a restart.
@Suite(.serialized) struct APIEndToEndTests {
    static func backends(_ names: [String]) throws -> [MockBackend] {
        try names.map { name in try MockBackend(name: name) { _ in MockResponse(text: name) } }
    }

    static func http(_ backends: [MockBackend], upstream extra: String = "zone pool 64k;") -> String {
        let servers = backends.map { "server \($0.address);" }.joined(separator: " ")
        return """
            upstream pool { \(extra) \(servers) }
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://pool; }
                location /api { api write=on; allow 127.0.0.1; deny all; }
                location /ro/api { api; }
                location /closed/api { api write=on; deny all; }
            }
            """
    }

    /// One API request on its own connection: the status and the parsed JSON body.
    static func call(_ f: Fixture, _ method: String, _ path: String, _ body: String? = nil) throws -> (Int, JSON) {
        let c = try f.client()
        var request = "\(method) \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        if let body { request += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)" } else { request += "\r\n" }
        try c.send(request)
        let r = try c.readResponse()
        #expect(r.header("Content-Type") == "application/json")
        return (r.status, try JSON.parse(r.body))
    }

    static func who(_ f: Fixture) throws -> String {
        let r = try f.get("/")
        #expect(r.status == 200)
        return r.header("X-Backend") ?? "-"
    }

    @Test func getShowsUpstreamsAndServers() throws {
        let b = try Self.backends(["a", "b"])
        let f = try Fixture(http: Self.http(b))
        defer { f.proxy.stop() }
        _ = try Self.who(f)
        let (status, all) = try Self.call(f, "GET", "/api/9/http/upstreams")
        #expect(status == 200)
        let peers = try #require(all["pool"]?["peers"]?.array)
        #expect(peers.map { $0["server"] } == b.map { .string($0.address) })
        #expect(peers.map { $0["id"] } == [.int(0), .int(1)])
        #expect(peers[0]["state"] == .string("up") && peers[0]["drained"] == .bool(false) && peers[0]["sessions"] == .int(0))
        #expect(peers.compactMap { $0["requests"]?.int }.reduce(0, +) == 1)
        let (_, servers) = try Self.call(f, "GET", "/api/9/http/upstreams/pool/servers")
        #expect(servers.array?.first?["weight"] == .int(1) && servers.array?.first?["fail_timeout"] == .string("10s"))
        #expect(try Self.call(f, "GET", "/api/9/http/upstreams/pool/servers/1").1["server"] == .string(b[1].address))
        #expect(try Self.call(f, "GET", "/api/").1 == .array((1...9).map { .int($0) }))
        #expect(try Self.call(f, "GET", "/api/9/http/upstreams/nope").0 == 404)
        #expect(try Self.call(f, "GET", "/api/9/http/upstreams/pool/servers/7").0 == 404)
        #expect(try Self.call(f, "GET", "/api/42/http/upstreams").0 == 404)
    }

    @Test func patchDrainsAndPostAndDeleteChangeTheServers() throws {
        let b = try Self.backends(["a", "b", "c"])
        let f = try Fixture(http: Self.http(Array(b[0..<2])))
        defer { f.proxy.stop() }
        let (status, patched) = try Self.call(f, "PATCH", "/api/9/http/upstreams/pool/servers/0", #"{"drain": true}"#)
        #expect(status == 200 && patched["drain"] == .bool(true))
        // Every worker's next request sees it: nothing new goes to a.
        for _ in 0..<8 { #expect(try Self.who(f) == "b") }
        let peer = try #require(try Self.call(f, "GET", "/api/9/http/upstreams/pool").1["peers"]?.array?.first)
        #expect(peer["state"] == .string("draining"))

        let (created, added) = try Self.call(f, "POST", "/api/9/http/upstreams/pool/servers", #"{"server": "\#(b[2].address)", "weight": 3}"#)
        #expect(created == 201 && added["id"] == .int(2) && added["weight"] == .int(3))
        var seen: [String: Int] = [:]
        for _ in 0..<8 { seen[try Self.who(f), default: 0] += 1 }
        #expect(seen["c"] == 6 && seen["b"] == 2 && seen["a"] == nil)   // weights 1:3, a draining

        let (deleted, left) = try Self.call(f, "DELETE", "/api/9/http/upstreams/pool/servers/2")
        #expect(deleted == 200 && left.array?.count == 2)
        for _ in 0..<4 { #expect(try Self.who(f) == "b") }
        _ = try Self.call(f, "PATCH", "/api/9/http/upstreams/pool/servers/0", #"{"drain": false}"#)
        var back: Set<String> = []
        for _ in 0..<4 { back.insert(try Self.who(f)) }
        #expect(back == ["a", "b"])
    }

    /// Four worker threads: after the PATCH returns, no worker sends a new request to the drained server.
    @Test func anEditReachesEveryWorker() throws {
        let b = try Self.backends(["a", "b"])
        let f = try Fixture(http: Self.http(b), main: "worker_processes 4;")
        defer { f.proxy.stop() }
        var seen: Set<String> = []
        for _ in 0..<16 { seen.insert(try Self.who(f)) }
        #expect(seen == ["a", "b"])
        #expect(try Self.call(f, "PATCH", "/api/9/http/upstreams/pool/servers/1", #"{"down": true}"#).0 == 200)
        for _ in 0..<40 { #expect(try Self.who(f) == "a") }   // each on a new connection, spread over the workers
    }

    @Test(arguments: [
        ("PATCH", "/api/9/http/upstreams/pool/servers/0", #"{"weight": 0}"#, 400, "UpstreamConfFormatError"),
        ("PATCH", "/api/9/http/upstreams/pool/servers/0", #"{"weight": 2, "colour": "red"}"#, 400, "UpstreamConfFormatError"),
        ("PATCH", "/api/9/http/upstreams/pool/servers/0", #"{"weight": 2"#, 400, "UpstreamConfFormatError"),
        ("PATCH", "/api/9/http/upstreams/pool/servers/0", #"{"max_fails": -3}"#, 400, "UpstreamConfFormatError"),
        ("POST", "/api/9/http/upstreams/pool/servers", #"{"server": "backend.example:80"}"#, 400, "UpstreamConfFormatError"),
        ("PATCH", "/api/9/http/upstreams/pool/servers/9", #"{"weight": 2}"#, 404, "UpstreamServerNotFound"),
        ("PUT", "/api/9/http/upstreams/pool/servers/0", #"{"weight": 2}"#, 405, "MethodNotSupported"),
        ("POST", "/api/9/http/upstreams/pool/servers/0", #"{"weight": 2}"#, 405, "MethodNotSupported"),
        ("PATCH", "/ro/api/9/http/upstreams/pool/servers/0", #"{"weight": 2}"#, 405, "MethodDisabled"),
        ("DELETE", "/ro/api/9/http/upstreams/pool/servers/0", nil, 405, "MethodDisabled"),
    ] as [(String, String, String?, Int, String)])
    func refusalsAreJSONAndChangeNothing(_ method: String, _ path: String, _ body: String?, _ status: Int, _ code: String) throws {
        let b = try Self.backends(["a", "b"])
        let f = try Fixture(http: Self.http(b))
        defer { f.proxy.stop() }
        let before = try Self.call(f, "GET", "/api/9/http/upstreams/pool/servers").1
        let (got, error) = try Self.call(f, method, path, body)
        #expect(got == status)
        #expect(error["error"]?["code"] == .string(code) && error["error"]?["status"] == .int(status))
        #expect(try Self.call(f, "GET", "/api/9/http/upstreams/pool/servers").1 == before)
    }

    /// A body that arrives after its head, and one sent after `Expect: 100-continue` is granted.
    @Test func bodiesThatComeLaterAndAfterContinue() throws {
        let b = try Self.backends(["a", "b"])
        let f = try Fixture(http: Self.http(b))
        defer { f.proxy.stop() }
        let body = #"{"weight": 4}"#
        let c = try f.client()
        try c.send("PATCH /api/9/http/upstreams/pool/servers/0 HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n{\"wei")
        usleep(50_000)   // the rest in a later read
        try c.send(String(body.dropFirst(5)))
        let r = try c.readResponse()
        #expect(r.status == 200)
        #expect(try JSON.parse(r.body)["weight"] == .int(4))
        // The same connection stays usable (the body was consumed exactly).
        try c.send("GET /api/9/http/upstreams/pool/servers/0 HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try JSON.parse(try c.readResponse().body)["weight"] == .int(4))

        let e = try f.client()
        try e.send("PATCH /api/9/http/upstreams/pool/servers/1 HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 14\r\n\r\n")
        #expect(try e.readInterim() == 100)
        try e.send(#"{"weight": 6} "#)
        #expect(try e.readResponse().status == 200)
        #expect(try Self.call(f, "GET", "/api/9/http/upstreams/pool/servers/1").1["weight"] == .int(6))
    }

    @Test func accessControlRunsFirst() throws {
        let b = try Self.backends(["a"])
        let f = try Fixture(http: Self.http(b))
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("PATCH /closed/api/9/http/upstreams/pool/servers/0 HTTP/1.1\r\nHost: x\r\nContent-Length: 13\r\n\r\n{\"down\": true}")
        #expect(try c.readResponse().status == 403)
        #expect(try Self.call(f, "GET", "/api/9/http/upstreams/pool/servers/0").1["down"] == .bool(false))
    }

    /// The metrics' session picks, per session-routed upstream, for the dashboard's rates; none elsewhere.
    @Test func sessionPicksOfASessionRoutedUpstream() throws {
        let b = try Self.backends(["t1", "t2"])
        let f = try Fixture(http: """
            upstream tomcats {
                jvm_route $cookie_JSESSIONID reverse;
                server \(b[0].address) srun_id=tomcat1;
                server \(b[1].address) srun_id=tomcat2 down;
            }
            upstream pool { server \(b[0].address); }
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://tomcats; }
                location /api { api; }
            }
            """)
        defer { f.proxy.stop() }
        for _ in 0..<3 { _ = try f.get("/", headers: ["Cookie": "JSESSIONID=A1.tomcat1"]) }   // its owner
        for _ in 0..<2 { _ = try f.get("/", headers: ["Cookie": "JSESSIONID=B2.tomcat2"]) }   // owner down: stand-in
        _ = try f.get("/")                                                                      // no session
        let (_, all) = try Self.call(f, "GET", "/api/9/http/upstreams")
        #expect(all["tomcats"]?["session_picks"] == .object([("hit", .int(3)), ("miss", .int(1)), ("failover", .int(2))]))
        #expect(all["pool"] != nil && all["pool"]?["session_picks"] == nil)
    }

    @Test func addAndDeleteNeedAZone() throws {
        let b = try Self.backends(["a", "b"])
        let f = try Fixture(http: Self.http(b, upstream: ""))
        defer { f.proxy.stop() }
        #expect(try Self.call(f, "DELETE", "/api/9/http/upstreams/pool/servers/0").1["error"]?["code"] == .string("UpstreamStatic"))
        #expect(try Self.call(f, "PATCH", "/api/9/http/upstreams/pool/servers/0", #"{"weight": 4}"#).0 == 200)
    }

    @Test func editsSurviveAReload() throws {
        let b = try Self.backends(["a", "b"])
        let f = try Fixture(http: Self.http(b))
        defer { f.proxy.stop() }
        #expect(eventually { f.errorLog().contains("started") })
        _ = try Self.call(f, "PATCH", "/api/9/http/upstreams/pool/servers/1", #"{"weight": 5, "drain": true}"#)
        f.proxy.signal(SIGHUP)
        #expect(f.logFile("logs/error.log", containing: "reconfigured").contains("reconfigured"))
        let server = try Self.call(f, "GET", "/api/9/http/upstreams/pool/servers/1").1
        #expect(server["weight"] == .int(5) && server["drain"] == .bool(true))
        for _ in 0..<4 { #expect(try Self.who(f) == "a") }
    }

    /// Servers added while reloads come one after another are all there afterwards: an edit that a worker still
    /// on the old configuration takes while the new one is applied is carried over, not lost.
    @Test func editsDuringReloadsAreAllKept() throws {
        let b = try Self.backends(["a", "b"])
        let f = try Fixture(http: Self.http(b))
        defer { f.proxy.stop() }
        #expect(eventually { f.errorLog().contains("started") })
        let added = 30
        for i in 0..<added {
            f.proxy.signal(SIGHUP)
            let (status, _) = try Self.call(f, "POST", "/api/9/http/upstreams/pool/servers",
                                            #"{"server": "127.0.0.\#(i + 10):9", "down": true}"#)
            #expect(status == 201)
        }
        func servers() throws -> [String] {
            try #require(try Self.call(f, "GET", "/api/9/http/upstreams/pool/servers").1.array).compactMap { $0["server"]?.string }
        }
        #expect(Set(try servers()).count == 2 + added)
        // And once more after every reload is through: each one the master began ("reconfiguring") has logged
        // its summary, which comes once every worker runs the new configuration.
        func count(_ text: String) -> Int { f.errorLog().split(separator: "\n").filter { $0.contains(text) }.count }
        let begun = count("reconfiguring")
        f.proxy.signal(SIGHUP)
        #expect(eventually { let n = count("reconfiguring"); return n > begun && count("reconfigured in") == n })
        let after = try servers()
        #expect(after.count == 2 + added && Set(after).count == 2 + added)
    }

    /// `state FILE`: the edits are in the file, and a new process reads them back.
    @Test func editsSurviveARestartThroughTheStateFile() throws {
        let b = try Self.backends(["a", "b"])
        let dir = try TempDir.make()
        _ = chmod(dir, 0o777)   // started as root, the proxy writes as `nobody`
        let http = Self.http(b, upstream: "zone pool 64k; state \(dir)/pool.state;")
        let first = try Fixture(http: http)
        _ = try Self.call(first, "PATCH", "/api/9/http/upstreams/pool/servers/0", #"{"drain": true, "max_fails": 3}"#)
        _ = try Self.call(first, "POST", "/api/9/http/upstreams/pool/servers", #"{"server": "127.0.0.1:9", "down": true}"#)
        first.proxy.stop()
        let text = try TempDir.read(dir + "/pool.state")
        #expect(text.contains("server \(b[0].address) weight=1 max_fails=3 fail_timeout=10s drain;"))
        #expect(text.contains("server 127.0.0.1:9 weight=1 max_fails=1 fail_timeout=10s down;"))

        let second = try Fixture(http: http)
        defer { second.proxy.stop() }
        let servers = try #require(try Self.call(second, "GET", "/api/9/http/upstreams/pool/servers").1.array)
        #expect(servers.map { $0["server"] } == [.string(b[0].address), .string(b[1].address), .string("127.0.0.1:9")])
        #expect(servers[0]["drain"] == .bool(true) && servers[0]["max_fails"] == .int(3) && servers[2]["down"] == .bool(true))
        for _ in 0..<4 { #expect(try Self.who(second) == "b") }
    }
}
