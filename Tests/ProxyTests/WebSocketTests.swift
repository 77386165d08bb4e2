import Glibc
import HTTP1
import SwitchyardTestSupport
import Testing

/// WebSocket through switchyard with nginx's usual lines, a real client and server on both ends (Python's
/// `websockets`): echo, 10 MiB each way, ping/pong, closes from either side, affinity, reload, graceful stop.
struct WebSocketTests {
    /// nginx's idiom: forward Upgrade and `Connection: upgrade` only when the client asked.
    static let upgradeLines = """
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        """

    static func config(_ nodes: [WebSocketNode], upstream: String = "", location: String = upgradeLines,
                       extra: String = "") -> String {
        let servers = nodes.enumerated().map { "server \($1.address) srun_id=\($1.name);" }.joined(separator: " ")
        return """
            map $http_upgrade $connection_upgrade { default upgrade; '' close; }
            log_format ws '$status $bytes_sent $request_length $body_bytes_sent $upstream_bytes_sent $upstream_bytes_received $upstream_response_time';
            upstream wsapp { \(upstream) \(servers) }
            \(extra)
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://wsapp; access_log logs/ws.log ws; \(location) }
                location /status { stub_status; }
            }
            """
    }

    static func url(_ f: Fixture, _ path: String = "/chat") -> String { "ws://127.0.0.1:\(f.port)\(path)" }

    func requirePython() throws { try #require(WebSocketPython.available, Comment(rawValue: WebSocketPython.missing)) }

    /// The first tunnel's line of logs/ws.log: the `ws` format's fields, in its order.
    struct Logged {
        let line: Substring
        var fields: [Substring] { line.split(separator: " ") }
        func int(_ i: Int) -> Int { i < fields.count ? Int(fields[i]) ?? -1 : -1 }
        var status: Int { int(0) }
        var bytesSent: Int { int(1) }
        var requestLength: Int { int(2) }
        var bodyBytesSent: Int { int(3) }
        var upstreamBytesSent: Int { int(4) }
        var upstreamBytesReceived: Int { int(5) }
        var upstreamResponseTime: Double { fields.count > 6 ? Double(fields[6]) ?? -1 : -1 }
        init(_ f: Fixture) { line = f.logFile("logs/ws.log", containing: "101 ").split(separator: "\n").first ?? "" }
    }

    @Test func textBinaryAndPingPongCrossTheTunnel() throws {
        try requirePython()
        let node = try WebSocketNode("node1")
        defer { node.stop() }
        let f = try Fixture(http: Self.config([node]))
        defer { f.proxy.stop() }
        let r = try PythonProcess.client(Self.url(f, "/chat?room=1"), "echo", cookie: "a=b")
        #expect(r.status == 0, "\(r.output)\n\(f.errorLog())")
        #expect(r.output.contains("greeting node1 /chat?room=1 a=b"))
        #expect(r.output.contains("echo ok"))
        // Logged on close: status 101, bytes both ways beyond the heads (the client's in $upstream_bytes_sent).
        let log = Logged(f)
        #expect(log.status == 101 && log.bytesSent > 1024 && log.upstreamBytesSent > 1024, "\(log.line)")
    }

    @Test func tenMebibytesEachWay() throws {
        try requirePython()
        let node = try WebSocketNode("node1")
        defer { node.stop() }
        let f = try Fixture(http: Self.config([node]))
        defer { f.proxy.stop() }
        let r = try PythonProcess.client(Self.url(f), "bulk", ["10"], seconds: 120)
        #expect(r.status == 0, "\(r.output)\n\(f.errorLog())")
        #expect(r.output.contains("bulk ok \(10 * 1024 * 1024)"))
        let log = Logged(f)
        #expect(log.bytesSent > 10 * 1024 * 1024 && log.upstreamBytesSent > 10 * 1024 * 1024
                && log.upstreamBytesReceived > 10 * 1024 * 1024, "\(log.line)")
    }

    /// nginx's log of a tunnel: what the client sent through it counts in `$upstream_bytes_sent` (not in
    /// `$request_length`, which is the request alone), what the server sent in `$upstream_bytes_received`, and
    /// `$upstream_response_time` is the tunnel's lifetime. They stopped at the handshake (the client's bytes went
    /// to `$request_length`, the response time was the handshake's, 0.000).
    @Test func theLogCountsTunnelBytesAsUpstreamTrafficAndItsLifetimeAsResponseTime() throws {
        try requirePython()
        let node = try WebSocketNode("node1")
        defer { node.stop() }
        let f = try Fixture(http: Self.config([node]))
        defer { f.proxy.stop() }
        // 1 MiB of random bytes each way, then the tunnel held open 1 s before the client closes it.
        let r = try PythonProcess.client(Self.url(f), "bulk", ["1", "1"])
        #expect(r.status == 0, "\(r.output)\n\(f.errorLog())")
        #expect(r.output.contains("bulk ok \(1024 * 1024)"))
        let log = Logged(f)
        #expect(log.status == 101, "\(log.line)")
        #expect(log.upstreamBytesSent >= 1024 * 1024, "\(log.line)")
        #expect(log.upstreamBytesReceived >= 1024 * 1024, "\(log.line)")
        #expect(log.requestLength > 0 && log.requestLength < 1024, "\(log.line)")
        #expect(log.bytesSent >= 1024 * 1024 && log.bodyBytesSent < log.bytesSent, "\(log.line)")
        #expect(log.upstreamResponseTime >= 0.9, "\(log.line)")
    }

    @Test func eitherSideMayClose() throws {
        try requirePython()
        let node = try WebSocketNode("node1")
        defer { node.stop() }
        let f = try Fixture(http: Self.config([node]))
        defer { f.proxy.stop() }
        let byClient = try PythonProcess.client(Self.url(f), "close-client")
        #expect(byClient.status == 0 && byClient.output.contains("closed 1000"), "\(byClient.output)")
        let byServer = try PythonProcess.client(Self.url(f), "close-server")
        #expect(byServer.status == 0 && byServer.output.contains("closed 4000 server bye"), "\(byServer.output)")
        // Both tunnels ended: only the stub_status request itself is left active.
        #expect(eventually { (try? f.get("/status").text.hasPrefix("Active connections: 1 ")) == true },
                "\((try? f.get("/status").text) ?? "")")
    }

    @Test func upgradeHeadersAreForwardedOnlyWhenConfigured() throws {
        try requirePython()
        let node = try WebSocketNode("node1")
        defer { node.stop() }
        // Without the lines, nginx drops the hop-by-hop Upgrade: the backend answers an ordinary 200.
        let plain = try Fixture(http: Self.config([node], location: "proxy_http_version 1.1;"))
        defer { plain.proxy.stop() }
        let r = try plain.get("/chat", headers: ["Upgrade": "websocket", "Connection": "Upgrade",
                                                 "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
                                                 "Sec-WebSocket-Version": "13"])
        #expect(r.status == 200 && r.text == "node1")
        // `proxy_set_header Connection $http_connection` passes the client's own Connection header.
        let passed = try Fixture(http: Self.config([node], location: """
            proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $http_connection;
            """))
        defer { passed.proxy.stop() }
        let e = try PythonProcess.client(Self.url(passed), "echo")
        #expect(e.status == 0 && e.output.contains("echo ok"), "\(e.output)\n\(passed.errorLog())")
    }

    @Test func aNon101AnswerIsAnOrdinaryResponseOnAKeptAliveConnection() throws {
        try requirePython()
        let node = try WebSocketNode("node1")
        defer { node.stop() }
        let f = try Fixture(http: Self.config([node]))
        defer { f.proxy.stop() }
        // The upgrade lines forward `Connection: close` for a request without Upgrade: a plain 200.
        let c = try f.client()
        for _ in 0..<2 {
            try c.send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
            let r = try c.readResponse()
            #expect(r.status == 200 && r.text == "node1")
        }
    }

    @Test func aJSESSIONIDCookieRoutesTheTunnelToTheOwningNode() throws {
        try requirePython()
        let nodes = try (1...3).map { try WebSocketNode("tomcat\($0)") }
        defer { nodes.forEach { $0.stop() } }
        let f = try Fixture(http: Self.config(nodes, upstream: "jvm_route $cookie_JSESSIONID reverse;"))
        defer { f.proxy.stop() }
        for owner in ["tomcat2", "tomcat3", "tomcat1", "tomcat2"] {
            let r = try PythonProcess.client(Self.url(f), "greet", cookie: "JSESSIONID=ABC123.\(owner)")
            #expect(r.status == 0 && r.output.contains("greeting \(owner) "), "\(r.output)")
        }
        // Tomcat's URL form of the session, for clients without the cookie.
        for owner in ["tomcat3", "tomcat2", "tomcat3"] {
            let r = try PythonProcess.client(Self.url(f, "/chat;jsessionid=XYZ.\(owner)"), "greet")
            #expect(r.status == 0 && r.output.contains("greeting \(owner) "), "\(r.output)")
        }
    }

    @Test func anOpenTunnelKeepsItsPeerBusyForLeastConn() throws {
        try requirePython()
        let nodes = try ["a", "b"].map { try WebSocketNode($0) }
        defer { nodes.forEach { $0.stop() } }
        let f = try Fixture(http: Self.config(nodes, upstream: "least_conn;"))
        defer { f.proxy.stop() }
        let flag = try TempDir.make() + "/go"
        let holder = try PythonProcess("ws_client.py", [Self.url(f), "hold", "1", flag])
        defer { holder.stop() }
        #expect(eventually(seconds: 20) { holder.stdout().contains("open 1") }, "\(holder.stderr())")
        // The tunnel holds one node; every plain request now goes to the other.
        let answers = try (0..<4).map { _ in try f.get("/plain").text }
        #expect(Set(answers).count == 1, "\(answers)")
        try TempDir.write(flag, "")
        #expect(holder.wait() == 0, "\(holder.stdout())")
        // Closed: the peer is free again and least_conn alternates.
        #expect(eventually { (try? f.get("/status").text.hasPrefix("Active connections: 1 ")) == true })
        let after = try (0..<4).map { _ in try f.get("/plain").text }
        #expect(Set(after).count == 2, "\(after)")
    }

    @Test func aTunnelOnACachingLocationHoldsNoCacheLock() throws {
        try requirePython()
        let node = try WebSocketNode("node1")
        defer { node.stop() }
        let caching = Self.upgradeLines
            + " proxy_cache ws; proxy_cache_valid 200 1m; proxy_cache_lock on; proxy_cache_lock_timeout 60s;"
        let f = try Fixture(http: Self.config([node], location: caching, extra: "proxy_cache_path cache keys_zone=ws:1m;"))
        defer { f.proxy.stop() }
        let flag = try TempDir.make() + "/go"
        let holder = try PythonProcess("ws_client.py", [Self.url(f), "hold", "1", flag])
        defer { holder.stop() }
        #expect(eventually(seconds: 20) { holder.stdout().contains("open 1") }, "\(holder.stderr())")
        // The same cache key while the tunnel is open: answered now, not after proxy_cache_lock_timeout.
        let r = try TestClient.get(port: f.port, "/chat")
        #expect(r.status == 200 && r.text == "node1")
        try TempDir.write(flag, "")
        #expect(holder.wait() == 0, "\(holder.stdout())")
    }

    @Test func aReloadDropsNoOpenTunnel() throws {
        try requirePython()
        let node = try WebSocketNode("node1")
        defer { node.stop() }
        let f = try Fixture(http: Self.config([node]))
        defer { f.proxy.stop() }
        let flag = try TempDir.make() + "/go"
        let holder = try PythonProcess("ws_client.py", [Self.url(f), "hold", "50", flag])
        defer { holder.stop() }
        #expect(eventually(seconds: 30) { holder.stdout().contains("open 50") }, "\(holder.stderr())")
        // A new configuration (another log format): new requests use it, the tunnels stay on the old one.
        let conf = f.proxy.prefix + "/conf/nginx.conf"
        let text = try TempDir.read(conf)
        try TempDir.write(conf, text.replacingOccurrences(of: "'$status $bytes_sent", with: "'reloaded $status $bytes_sent"))
        f.proxy.signal(SIGHUP)
        #expect(f.logFile("logs/error.log", containing: "reconfigured").contains("reconfigured"))
        try TempDir.write(flag, "")
        #expect(holder.wait() == 0)
        #expect(holder.stdout().contains("held ok 50 dropped 0"), "\(holder.stdout())\n\(f.errorLog())")
        // The tunnels were logged with the configuration they started on.
        let log = f.logFile("logs/ws.log", containing: "101 ")
        #expect(!log.contains("reloaded"), "\(log)")
        // Once they are closed, the old configuration is freed (its maps, zones, open logs): a tunnel's
        // upstream connection still named the exchange as its owner, which held the client, which held the
        // tunnel, so a configuration that ever carried one stayed in memory, its log files open, for good.
        let retired = "configuration 1 exited with code 0"
        #expect(f.logFile("logs/error.log", containing: retired).contains(retired), "\(f.errorLog())")
    }

    @Test func aGracefulStopWaitsForTunnels() throws {
        try requirePython()
        let node = try WebSocketNode("node1")
        defer { node.stop() }
        let f = try Fixture(http: Self.config([node]))
        defer { f.proxy.stop() }
        let flag = try TempDir.make() + "/go"
        let holder = try PythonProcess("ws_client.py", [Self.url(f), "hold", "5", flag])
        defer { holder.stop() }
        #expect(eventually(seconds: 20) { holder.stdout().contains("open 5") }, "\(holder.stderr())")
        f.proxy.signal(SIGQUIT)
        // Listeners close at once; the tunnels keep working until their clients end them.
        #expect(eventually { (try? TestClient(port: f.port)) == nil })
        #expect(f.proxy.waitForExit(seconds: 1) == nil)
        try TempDir.write(flag, "")
        #expect(holder.wait() == 0, "\(holder.stdout())")
        #expect(holder.stdout().contains("held ok 5 dropped 0"))
        #expect(f.proxy.waitForExit(seconds: 20) == 0)
    }

    @Test func workerShutdownTimeoutEndsTunnelsThatStayOpen() throws {
        try requirePython()
        let node = try WebSocketNode("node1")
        defer { node.stop() }
        let f = try Fixture(http: Self.config([node]), main: "worker_shutdown_timeout 1s;")
        defer { f.proxy.stop() }
        let flag = try TempDir.make() + "/go"
        let holder = try PythonProcess("ws_client.py", [Self.url(f), "hold", "3", flag])
        defer { holder.stop() }
        #expect(eventually(seconds: 20) { holder.stdout().contains("open 3") }, "\(holder.stderr())")
        f.proxy.signal(SIGQUIT)
        #expect(f.proxy.waitForExit(seconds: 20) == 0)
        // The tunnels were closed, and logged on the way out.
        #expect(f.proxy.file("logs/ws.log").split(separator: "\n").filter { $0.hasPrefix("101 ") }.count == 3)
        try TempDir.write(flag, "")
        #expect(holder.wait() == 1)
        #expect(holder.stdout().contains("held ok 0 dropped 3"), "\(holder.stdout())")
    }

    @Test func proxyReadTimeoutEndsAnIdleTunnel() throws {
        try requirePython()
        let node = try WebSocketNode("node1")
        defer { node.stop() }
        let f = try Fixture(http: Self.config([node], location: Self.upgradeLines + " proxy_read_timeout 300ms;"))
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("GET /idle HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        let r = try c.readResponse()
        #expect(r.status == 101 && r.header("Upgrade") == "websocket" && r.header("Connection") == "upgrade")
        #expect(r.header("Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        // The greeting frame arrives, then nothing either way: the tunnel closes.
        #expect(eventually(seconds: 10) {
            var bytes = [UInt8](repeating: 0, count: 4096)
            return recv(c.fd, &bytes, bytes.count, Int32(MSG_DONTWAIT)) == 0
        })
        // At info, as nginx logs it (on the client's connection), naming the upstream; it was an error line
        // without one (the exchange had handed the connection to the tunnel).
        #expect(f.logFile("logs/error.log", containing: "while proxying upgraded connection").split(separator: "\n")
            .contains { $0.contains(" [info] ") && $0.contains("upstream timed out (110: Connection timed out) while proxying upgraded connection")
                        && $0.contains(", upstream: \"http://127.0.0.1:") && $0.contains("/idle\", host: \"x\"") })
        // Logged as nginx counts: $body_bytes_sent is what followed the 101 head (the greeting frame, 2 + 13
        // bytes), $bytes_sent that plus the head, once.
        let log = Logged(f)
        #expect(log.bodyBytesSent == 15 && log.bytesSent == log.bodyBytesSent + r.head.bytes.count, "\(log.line)")
    }

    /// 1,000 tunnels open at once, each echoing after all are up; the proxy's resident memory per idle tunnel is
    /// printed for BENCHMARKS.md and bounded loosely (correctness, not timing, is asserted).
    @Test func aThousandConcurrentTunnels() throws {
        try requirePython()
        let node = try WebSocketNode("node1")
        defer { node.stop() }
        let f = try Fixture(http: Self.config([node]), main: "worker_rlimit_nofile 8192;")
        defer { f.proxy.stop() }
        // Warm up (thread stacks, the first buffers) before the baseline.
        let warm = try PythonProcess.client(Self.url(f), "echo")
        #expect(warm.status == 0, "\(warm.output)")
        let before = residentKiB(f.proxy.pid)
        let flag = try TempDir.make() + "/go"
        let holder = try PythonProcess("ws_client.py", [Self.url(f), "hold", "1000", flag])
        defer { holder.stop() }
        #expect(eventually(seconds: 90) { holder.stdout().contains("open 1000") || holder.reap() != nil },
                "\(holder.stdout())\(holder.stderr())")
        let during = residentKiB(f.proxy.pid)
        let status = (try? f.get("/status").text) ?? ""
        try TempDir.write(flag, "")
        #expect(holder.wait(seconds: 90) == 0)
        #expect(holder.stdout().contains("held ok 1000 dropped 0"), "\(holder.stdout())\n\(f.errorLog())")
        // nginx counts an upgraded request as Writing until it ends.
        #expect(status.contains("Writing: 1001 "), "\(status)")
        let perTunnel = Double(during - before) / 1000
        print("websocket: RSS \(before) KiB → \(during) KiB with 1000 idle tunnels: \(perTunnel) KiB per tunnel")
        if ProxyProcess.residentSizeIsMeaningful {
            #expect(during - before < 64 * 1000, "RSS grew \(during - before) KiB for 1000 idle tunnels")
        }
    }
}
