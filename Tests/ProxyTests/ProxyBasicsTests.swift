import Glibc
import HTTP1
import SwitchyardTestSupport
import Testing

/// The proxy path end to end: the real binary, real sockets, backends in the test.
@Suite(.serialized) struct ProxyBasicsTests {
    @Test func forwardsRequestAndResponseAsNginxDoes() throws {
        let backend = try MockBackend(name: "b1") { req in
            MockResponse(headers: [("Content-Type", "text/plain"), ("Server", "tomcat")], text: "hello \(req.target)")
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / {
                    proxy_pass http://\(backend.address);
                    proxy_set_header X-Real-IP $remote_addr;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                }
            }
            """)
        defer { f.proxy.stop() }
        let r = try f.get("/a/b?x=1", headers: ["X-Forwarded-For": "10.0.0.1"])
        #expect(r.status == 200)
        #expect(r.text == "hello /a/b?x=1")
        #expect(r.header("X-Backend") == "b1")
        #expect(r.header("Server")?.hasPrefix("switchyard") == true)   // upstream Server hidden, as nginx
        #expect(r.header("Date") != nil)
        let seen = try #require(backend.received.first)
        #expect(seen.head.version == .http1_0)                     // proxy_http_version default 1.0
        #expect(seen.header("Host") == backend.address)            // Host: $proxy_host
        #expect(seen.header("Connection") == "close")
        #expect(seen.header("X-Real-IP") == "127.0.0.1")
        #expect(seen.header("X-Forwarded-For") == "10.0.0.1, 127.0.0.1")
    }

    @Test func keepAliveClientAndUpstreamKeepalive() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(text: "ok") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            upstream app { server \(backend.address); keepalive 8; }
            server {
                listen 127.0.0.1:PORT;
                location / {
                    proxy_pass http://app;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_set_header X-Fixed "v 1";
                    proxy_set_header X-Empty "";
                }
            }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        for _ in 0..<20 {
            try c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Empty: from-client\r\n\r\n")
            let r = try c.readResponse()
            #expect(r.status == 200 && r.text == "ok")
            #expect(r.header("Connection") == "keep-alive")
        }
        #expect(backend.requests == 20)
        #expect(backend.connections == 1)   // one upstream connection reused for all
        // An empty value sends no field (and hides the client's), a constant one goes as written.
        let seen = try #require(backend.received.last)
        #expect(seen.header("Connection") == nil && seen.header("X-Empty") == nil)
        #expect(seen.header("X-Fixed") == "v 1" && seen.header("Host") == "app")   // $proxy_host: the upstream name
    }

    /// An idle connection hands its request object to the worker, and another connection's next request takes it:
    /// nothing of the first request (arguments, upstream tries, status) shows in the second.
    @Test func aRecycledRequestCarriesNothingOver() throws {
        let backend = try MockBackend(name: "b1") { _ in MockResponse(text: "proxied") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /p { proxy_pass http://\(backend.address); }
                location /r { return 200 "args=$args up=$upstream_addr st=$upstream_status uri=$uri"; }
            }
            """, main: "worker_processes 1;")
        defer { f.proxy.stop() }
        let a = try f.client(), b = try f.client()
        try a.send("GET /p?x=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try a.readResponse().text == "proxied")
        for c in [b, a] {
            try c.send("GET /r HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try c.readResponse().text == "args= up= st= uri=/r")
        }
    }

    @Test func pipelinedRequestsAnswerInOrder() throws {
        let backend = try MockBackend(name: "b1") { req in MockResponse(text: req.target) }
        defer { backend.stop() }
        let f = try Fixture(http: "server { listen 127.0.0.1:PORT; location / { proxy_pass http://\(backend.address); } }")
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try c.readResponse().text == "/1")
        #expect(try c.readResponse().text == "/2")
        #expect(try c.readResponse().text == "/3")
    }

    @Test func roundRobinAlternatesBetweenServers() throws {
        let a = try MockBackend(name: "a") { _ in MockResponse(text: "a") }
        let b = try MockBackend(name: "b") { _ in MockResponse(text: "b") }
        defer { a.stop(); b.stop() }
        let f = try Fixture(http: """
            upstream pool { server \(a.address); server \(b.address); }
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://pool; } }
            """)
        defer { f.proxy.stop() }
        var seen: [String] = []
        for _ in 0..<6 { seen.append(try f.get("/").text) }
        #expect(seen == ["a", "b", "a", "b", "a", "b"])
    }

    @Test func refusedBackendIs502AndSilentBackendIs504() throws {
        let dead = deadPort()
        let silent = try MockBackend(name: "s") { _ in MockResponse(hang: true) }
        defer { silent.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /dead { proxy_pass http://127.0.0.1:\(dead); }
                location /slow { proxy_pass http://\(silent.address); proxy_read_timeout 300ms; }
            }
            """)
        defer { f.proxy.stop() }
        let r1 = try f.get("/dead")
        #expect(r1.status == 502)
        #expect(r1.text.contains("<center><h1>502 Bad Gateway</h1></center>"))
        let r2 = try f.get("/slow")
        #expect(r2.status == 504)
        #expect(f.errorLog().contains("upstream timed out"))
    }

    @Test func failedServerIsSkippedForTheNextTry() throws {
        let dead = deadPort()
        let live = try MockBackend(name: "live") { _ in MockResponse(text: "live") }
        defer { live.stop() }
        let f = try Fixture(http: """
            upstream pool { server 127.0.0.1:\(dead); server \(live.address); }
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://pool; } }
            """)
        defer { f.proxy.stop() }
        for _ in 0..<4 { #expect(try f.get("/").text == "live") }   // proxy_next_upstream error: no error reaches the client
    }

    @Test func chunkedUpstreamBodyIsRechunkedOrCloseDelimited() throws {
        let body = (0..<5000).map { _ in "x" }.joined()
        let backend = try MockBackend(name: "b") { _ in MockResponse(body: Array(body.utf8), chunked: true) }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://\(backend.address); proxy_http_version 1.1; } }
            """)
        defer { f.proxy.stop() }
        let r = try f.get("/")
        #expect(r.header("Transfer-Encoding") == "chunked")
        #expect(r.text == body)
        let c = try f.client()
        try c.send("GET / HTTP/1.0\r\n\r\n")
        let r10 = try c.readResponse()
        #expect(r10.header("Transfer-Encoding") == nil)
        #expect(r10.text == body)
        #expect(c.isClosedByPeer())
    }

    @Test func requestBodiesAreForwardedSmallAndStreamed() throws {
        let backend = try MockBackend(name: "b") { req in MockResponse(text: "\(req.body.count):\(req.header("Content-Length") ?? "-")") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            client_body_buffer_size 16k;
            client_max_body_size 10m;
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://\(backend.address); } }
            """)
        defer { f.proxy.stop() }
        for size in [10, 100_000, 3_000_000] {
            let c = try f.client()
            try c.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: \(size)\r\n\r\n")
            try c.send([UInt8](repeating: 65, count: size))
            #expect(try c.readResponse().text == "\(size):\(size)")
        }
        let c = try f.client()
        try c.send("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        #expect(try c.readResponse().text == "11:11")   // a chunked body goes up with a Content-Length
    }

    /// Interim heads from the application are skipped, not relayed; past `proxy_buffer_size` of them the answer
    /// is a 502, where following them would hold the request (and its worker) for as long as they come.
    @Test func interimHeadsAreSkippedWithinTheHeadBuffer() throws {
        let continueHead = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
        let backend = try MockBackend(name: "b") { req in
            var r = MockResponse(text: "final")
            let heads = req.target == "/many" ? 2_000 : 3
            r.interim = Array([[UInt8]](repeating: continueHead, count: heads).joined())
            return r
        }
        defer { backend.stop() }
        let f = try Fixture(http: "server { listen 127.0.0.1:PORT; location / { proxy_pass http://\(backend.address); } }")
        defer { f.proxy.stop() }
        let few = try f.get("/few")
        #expect(few.status == 200 && few.text == "final")
        #expect(try f.get("/many").status == 502)
        #expect(f.errorLog().contains("upstream sent too big header while reading response header from upstream"))
        #expect(try f.get("/few").status == 200)
    }

    @Test func expectContinueTraceAndHTTP10KeepAliveRules() throws {
        let backend = try MockBackend(name: "b") { req in MockResponse(text: "got \(req.body.count)") }
        defer { backend.stop() }
        let f = try Fixture(http: "server { listen 127.0.0.1:PORT; location / { proxy_pass http://\(backend.address); } }")
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        let interim = try c.readInterim()
        #expect(interim == 100)
        try c.send("hello")
        #expect(try c.readResponse().text == "got 5")

        #expect(try f.get("/").status == 200)
        let t = try f.client()
        try t.send("TRACE / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try t.readResponse().status == 405)

        // HTTP/1.0 without keep-alive: answered, then closed.
        let a = try f.client()
        try a.send("GET / HTTP/1.0\r\n\r\n")
        let r = try a.readResponse()
        #expect(r.header("Connection") == "close")
        #expect(a.isClosedByPeer())
        // HTTP/1.0 asking for keep-alive keeps the connection.
        let k = try f.client()
        for _ in 0..<3 {
            try k.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try k.readResponse().header("Connection") == "keep-alive")
        }
    }
}
