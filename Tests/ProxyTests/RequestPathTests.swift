import EventLoop
import Glibc
import HTTP1
import Synchronization
import SwitchyardTestSupport
import Testing

/// Issue 13 items 2, 6, 9, 10, 11 end to end: what a client and a backend see.
@Suite(.serialized) struct RequestPathTests {
    /// Item 2: the response that uses up `keepalive_requests` says `Connection: close`, then the server closes.
    @Test func lastKeepAliveResponseSaysClose() throws {
        let backend = try MockBackend(name: "b") { _ in MockResponse(text: "ok") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            keepalive_requests 3;
            server { listen 127.0.0.1:PORT;
                     location / { proxy_pass http://\(backend.address); }
                     location /own { return 200 "own"; } }
            """)
        defer { f.proxy.stop() }
        for path in ["/", "/own"] {
            let c = try f.client()
            for i in 1...3 {
                try c.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
                let r = try c.readResponse()
                #expect(r.status == 200)
                #expect(r.header("Connection") == (i < 3 ? "keep-alive" : "close"), "\(path) request \(i)")
            }
            #expect(c.isClosedByPeer(), "\(path)")
        }
    }

    /// Item 2 for HTTP/1.0 keep-alive and `keepalive_timeout 0`: no response promises a reuse that won't come.
    @Test func keepaliveTimeoutZeroSaysClose() throws {
        let f = try Fixture(http: """
            keepalive_timeout 0;
            server { listen 127.0.0.1:PORT; location / { return 200 "ok"; } }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let r = try c.readResponse()
        #expect(r.header("Connection") == "close")
        #expect(c.isClosedByPeer())
    }

    /// Item 9: absolute-form targets go upstream in origin form; their host picks the server and is `$host`.
    @Test func absoluteFormIsSentInOriginFormAndPicksTheServer() throws {
        let backend = try MockBackend(name: "b") { _ in MockResponse(text: "ok") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT default_server; server_name public;
                     location / { proxy_set_header X-Host $host; proxy_set_header X-URI $request_uri;
                                  proxy_pass http://\(backend.address); } }
            server { listen 127.0.0.1:PORT; server_name internal-admin; location / { return 403 "admin"; } }
            """)
        defer { f.proxy.stop() }
        let cases: [(target: String, upstream: String)] = [
            ("http://public/x?y=1", "/x?y=1"), ("http://public", "/"), ("http://public:81/a/../b", "/a/../b"),
            ("HTTP://PUBLIC?q", "/?q"),
        ]
        for (i, (target, upstream)) in cases.enumerated() {
            let c = try f.client()
            try c.send("GET \(target) HTTP/1.1\r\nHost: internal-admin\r\n\r\n")
            let r = try c.readResponse()
            #expect(r.status == 200, "\(target)")
            #expect(backend.requests == i + 1)
            let seen = try #require(backend.received.last)
            #expect(seen.target == upstream, "\(target)")
            #expect(seen.header("X-Host") == "public", "\(target)")
            #expect(seen.header("X-URI") == upstream, "\(target)")
        }
        // The request line's host wins over Host: the admin server answers only when the target names it.
        let c = try f.client()
        try c.send("GET http://internal-admin/x HTTP/1.1\r\nHost: public\r\n\r\n")
        #expect(try c.readResponse().text == "admin")
    }

    /// Item 9: an absolute-form host nginx's parser refuses is a 400 at the proxy, never forwarded.
    @Test func invalidAbsoluteFormHostIs400() throws {
        let backend = try MockBackend(name: "b") { _ in MockResponse(text: "must not be reached") }
        defer { backend.stop() }
        let f = try Fixture(http: "server { listen 127.0.0.1:PORT; location / { proxy_pass http://\(backend.address); } }")
        defer { f.proxy.stop() }
        for target: [UInt8] in [Array("http://a\u{0}b/x".utf8), Array("http://a_b/x".utf8), Array("http://a%2fb/x".utf8),
                                Array("http://a@b/x".utf8), [104, 116, 116, 112, 58, 47, 47, 0xff, 47]] {
            let c = try f.client()
            try c.send(Array("GET ".utf8) + target + Array(" HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            #expect(try c.readResponse().status == 400, "\(target)")
        }
        #expect(backend.requests == 0)
    }

    /// Item 10: names nginx drops by default (`_`, `.`, other bytes than letters, digits, `-`) never reach the
    /// backend and are not seen by variables; the rest of the request is served.
    @Test func invalidHeaderNamesAreNotForwarded() throws {
        let backend = try MockBackend(name: "b") { _ in MockResponse(text: "ok") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT;
                     location / { proxy_pass http://\(backend.address); }
                     location /var { return 200 "[$http_x_forwarded_for][$http_x_real_ip]"; } }
            """)
        defer { f.proxy.stop() }
        let spoof = "X_Forwarded_For: 6.6.6.6\r\nX.Real.IP: 6.6.6.6\r\nX~A: 1\r\nX-Kept: yes\r\n"
        let c = try f.client()
        try c.send("GET / HTTP/1.1\r\nHost: x\r\n\(spoof)\r\n")
        #expect(try c.readResponse().status == 200)
        let seen = try #require(backend.received.last)
        let raw = String(decoding: seen.head.bytes, as: UTF8.self)   // the bytes as sent, not the mock's parse
        #expect(!raw.contains("6.6.6.6") && !raw.contains("X~A"), "\(raw)")
        #expect(seen.header("X-Kept") == "yes")
        try c.send("GET /var HTTP/1.1\r\nHost: x\r\nX-Real-IP: 1.1.1.1\r\n\(spoof)\r\n")
        #expect(try c.readResponse().text == "[][1.1.1.1]")
        #expect(eventually { f.errorLog().contains("client sent invalid header line: \"X_Forwarded_For: 6.6.6.6\"") })
    }

    /// Item 11: a chunk-size line already over client_max_body_size is a 413 at once (buffered and streamed).
    @Test(arguments: ["on", "off"])
    func oversizedChunkSizeLineIs413AtOnce(buffering: String) throws {
        let backend = try MockBackend(name: "b") { _ in MockResponse(text: "must not be reached") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            client_max_body_size 1k; client_body_timeout 60s;
            server { listen 127.0.0.1:PORT; location / { proxy_request_buffering \(buffering); proxy_http_version 1.1;
                                                         proxy_pass http://\(backend.address); } }
            """)
        defer { f.proxy.stop() }
        let c = try TestClient(port: f.port, timeoutSeconds: 5)   // the old code waited 60 s for the body
        try c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n100000000000003\r\n")
        let r = try c.readResponse()
        #expect(r.status == 413)
        #expect(r.header("Connection") == "close")
        #expect(c.isClosedByPeer())
        #expect(f.errorLog().contains("client intended to send too large chunked body: 5+72057594037927939 bytes"))
        if buffering == "on" { #expect(backend.requests == 0) }
    }

    /// A declared length over client_max_body_size is refused as the location is found (nginx's find-config
    /// phase), so a location that answers with `return` refuses it too; it was answered 200, the body skipped.
    @Test func aDeclaredLengthOverTheLimitIs413BeforeReturn() throws {
        let f = try Fixture(http: """
            client_max_body_size 1k;
            server { listen 127.0.0.1:PORT; location /ret { return 200 "ret ok"; } }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("POST /ret HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n" + String(repeating: "x", count: 2000))
        let r = try c.readResponse()
        #expect(r.status == 413)
        #expect(r.header("Connection") == "close")
        #expect(f.errorLog().contains("client intended to send too large body: 2000 bytes"))
        #expect(try f.get("/ret").text == "ret ok")
    }

    /// A chunked body that grows over client_max_body_size while it streams: the 413 goes out and the rest of the
    /// body is drained (a lingering close), so a client that writes it all before reading gets the 413. The
    /// connection was closed on unread bytes, and the client's kernel took the reset for the answer.
    @Test func aChunkedBodyOverTheLimitIsDrainedSoThe413Arrives() throws {
        let backend = try MockBackend(name: "b") { _ in MockResponse(text: "must not be reached") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            client_max_body_size 1m;
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://\(backend.address); } }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = Array("10000\r\n".utf8) + [UInt8](repeating: 0x61, count: 0x10000) + [13, 10]
        for _ in 0..<128 { try c.send(chunk) }   // 8 MiB, all written before anything is read
        try c.send("0\r\n\r\n")
        let r = try c.readResponse()
        #expect(r.status == 413)
        #expect(backend.requests == 0)
    }

    /// An empty chunked body goes up as `Content-Length: 0`, as nginx sends it (a server may want a length on a
    /// POST, 411); it went with no length at all.
    @Test func anEmptyChunkedBodyGoesUpWithLengthZero() throws {
        let backend = try MockBackend(name: "b") { req in MockResponse(text: "length \(req.header("Content-Length") ?? "none")") }
        defer { backend.stop() }
        let f = try Fixture(http: "server { listen 127.0.0.1:PORT; location / { proxy_pass http://\(backend.address); } }")
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        #expect(try c.readResponse().text == "length 0")
    }

    /// Item 11: a request pipelined behind a TRACE (405, which closes in nginx) is never served.
    @Test func requestPipelinedAfterTraceIsNotServed() throws {
        let backend = try MockBackend(name: "b") { _ in MockResponse(text: "served") }
        defer { backend.stop() }
        let f = try Fixture(http: "server { listen 127.0.0.1:PORT; location / { proxy_pass http://\(backend.address); } }")
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("TRACE / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
        let r = try c.readResponse()
        #expect(r.status == 405)
        #expect(r.header("Connection") == "close")
        #expect(c.isClosedByPeer())
        #expect(backend.requests == 0)
    }

    /// TRACE is refused as the head is read, before any phase: a `return` (server or location) never answers it.
    @Test func traceIsRefusedBeforeReturn() throws {
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; location / { return 200 "served"; } }
            server { listen 127.0.0.1:PORT; server_name s; return 200 "served"; }
            """)
        defer { f.proxy.stop() }
        #expect(try f.raw("TRACE / HTTP/1.1\r\nHost: x\r\n\r\n").hasPrefix("HTTP/1.1 405"))
        #expect(try f.raw("TRACE / HTTP/1.1\r\nHost: s\r\n\r\n").hasPrefix("HTTP/1.1 405"))
    }

    /// Item 11: errors after which nginx ends keep-alive (its special response handler: 400, 413, 414, 500,
    /// 501) close here too; a 404 keeps the connection.
    @Test func pipelinedRequestBehindAClosingErrorIsNotServed() throws {
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; location / { return 200 "served"; } location /boom { return 500; }
                     location /gone { return 404; } }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("GET /gone HTTP/1.1\r\nHost: x\r\n\r\nGET /boom HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
        let gone = try c.readResponse()
        #expect(gone.status == 404 && gone.header("Connection") == "keep-alive")
        let boom = try c.readResponse()
        #expect(boom.status == 500 && boom.header("Connection") == "close")
        #expect(c.isClosedByPeer())
    }

    /// Item 11: Expect is never forwarded; the proxy answers 100 Continue itself. A repeated Expect is a 400, as
    /// nginx 1.23 answers it (http_headers_multi.t).
    @Test func duplicatedExpectIsAnsweredAndNotForwarded() throws {
        let backend = try MockBackend(name: "b") { req in MockResponse(body: req.body) }
        defer { backend.stop() }
        let f = try Fixture(http: "server { listen 127.0.0.1:PORT; location / { proxy_pass http://\(backend.address); } }")
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        #expect(try c.readInterim() == 100)
        try c.send("hello")
        let r = try c.readResponse()
        #expect(r.text == "hello")
        let raw = String(decoding: try #require(backend.received.last).head.bytes, as: UTF8.self).lowercased()
        #expect(!raw.contains("expect"), "\(raw)")
        let twice = try f.client()
        try twice.send("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nexpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        #expect(try twice.readResponse().status == 400)
    }

    /// Item 6 for static files: a path through a regular file is ENOTDIR, logged as such (was always "2").
    @Test func staticLookupLogsTheRealErrno() throws {
        let f = try Fixture(http: "server { listen 127.0.0.1:PORT; location / { root html; } }", files: ["html/a.txt": "a"])
        defer { f.proxy.stop() }
        #expect(try f.get("/a.txt").text == "a")
        #expect(try f.get("/a.txt/x").status == 404)
        #expect(eventually { f.errorLog().contains("/html/a.txt/x\" failed (20: Not a directory)") }, "\(f.errorLog())")
    }

    /// Item 6: the error log names the errno the call returned. A backend that resets the connection while the
    /// body streams to it makes send() fail with ECONNRESET, which used to be logged as "(32: Broken pipe)". The
    /// connection is read while the body goes up (an early answer is relayed), so the reset may be recv()'s, as
    /// nginx's read handler meets it first too.
    @Test func sendFailureLogsTheRealErrno() throws {
        let backend = try ResettingBackend()
        defer { backend.stop() }
        let f = try Fixture(http: """
            client_max_body_size 0;
            server { listen 127.0.0.1:PORT; location / { proxy_request_buffering off; proxy_next_upstream off;
                                                         proxy_pass http://127.0.0.1:\(backend.port); } }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        let size = 8 << 20
        try c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \(size)\r\n\r\n")
        #expect(eventually { backend.resets == 1 })
        let piece = [UInt8](repeating: 97, count: 64 * 1024)
        for _ in 0..<(size / piece.count) { if (try? c.send(piece)) == nil { break } }
        #expect(eventually { f.errorLog().contains("(104: Connection reset by peer) while") })
        let log = f.errorLog()
        #expect(log.contains("writev() failed (104: Connection reset by peer) while sending request to upstream")
                || log.contains("recv() failed (104: Connection reset by peer) while reading response header from upstream"), "\(log)")
        #expect(!log.contains("Broken pipe"), "\(log)")
    }

    /// A backend that resets the connection instead of answering is nginx's recv() failure with its errno,
    /// not "prematurely closed" (which is an orderly close), and the client gets its 502.
    @Test func resetWhileWaitingForTheHeadLogsTheErrno() throws {
        let backend = try ResettingBackend()
        defer { backend.stop() }
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://127.0.0.1:\(backend.port); } }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/").status == 502)
        let log = f.errorLog()
        #expect(log.contains("recv() failed (104: Connection reset by peer) while reading response header from upstream"), "\(log)")
    }
}

/// Accepts one connection, reads the request head, then resets the connection (SO_LINGER 0): a backend that
/// crashed while the proxy was still sending.
final class ResettingBackend: @unchecked Sendable {
    let port: UInt16
    private let listenFD: Int32
    private let count = Atomic<Int>(0)
    private let running = Atomic<Bool>(true)
    private var thread: WorkerThread?

    var resets: Int { count.load(ordering: .relaxed) }

    init() throws {
        listenFD = try Socket.listen(SocketAddress.parse("127.0.0.1:0")!, backlog: 8, reusePort: false)
        port = Socket.localAddress(listenFD)!.port
        let me = UncheckedBox(self)
        thread = WorkerThread.spawn { me.value.serve() }
    }

    private func serve() {
        var fd: Int32 = -1
        for _ in 0..<20_000 where running.load(ordering: .relaxed) {   // bounded: 20 s
            if case .accepted(let a, _) = Socket.accept(listenFD) { fd = a; break }
            usleep(1000)
        }
        guard fd >= 0 else { return }
        var seen: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1)
        reading: for _ in 0..<20_000 where running.load(ordering: .relaxed) {
            switch Syscall.read(fd, into: &chunk, count: 1) {
            case .done: seen.append(chunk[0])
            case .wouldBlock: usleep(1000)
            case .eof, .error: break reading
            }
            if seen.count >= 4 && Array(seen.suffix(4)) == [13, 10, 13, 10] { break }
        }
        var l = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
        Syscall.close(fd)
        count.add(1, ordering: .relaxed)
    }

    func stop() {
        running.store(false, ordering: .relaxed)
        thread?.join()
        thread = nil
        Syscall.close(listenFD)
    }
}

private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
