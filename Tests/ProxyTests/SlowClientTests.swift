import Glibc
import SwitchyardTestSupport
import Testing

/// Slow clients (slowloris) must not starve everyone: a worker out of connection slots closes idle keep-alive
/// connections, then the oldest incomplete request heads; `client_header_timeout` bounds a whole head.
@Suite(.serialized) struct SlowClientTests {
    /// One worker with `slots` connection slots; `error_log … debug` logs each accept, so the test can let the
    /// server take each connection before the next (settling only: the backlog hands them over in order).
    static func proxy(slots: Int, extra: String = "") throws -> (ProxyProcess, UInt16) {
        let port = freePort()
        let p = try ProxyProcess(config: """
            worker_processes 1;
            error_log logs/error.log debug;
            pid logs/switchyard.pid;
            events { worker_connections \(slots); }
            http {
                access_log off;
                \(extra)
                server { listen 127.0.0.1:\(port); location / { return 200 "served"; } }
            }
            """, waitForPort: port)
        return (p, port)
    }

    static func accepts(_ p: ProxyProcess) -> Int { p.file("logs/error.log").components("accept: ") }

    @Test func fullSlotsOfHalfHeadsStillServeANewRequest() throws {
        let (p, port) = try Self.proxy(slots: 4)
        defer { p.stop() }
        var slow: [TestClient] = []
        for _ in 0..<4 {
            let before = Self.accepts(p)
            let c = try TestClient(port: port, timeoutSeconds: 5)
            try c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n")   // a head that never ends
            _ = eventually(seconds: 2) { Self.accepts(p) > before }   // accepted (the backlog is FIFO anyway)
            slow.append(c)
        }
        // Every slot holds a half-sent head. Before the fix the new connection was closed at once
        // ("worker_connections are not enough") and this read failed.
        let r = try TestClient.get(port: port, "/")
        #expect(r.status == 200)
        #expect(r.text == "served")
        // The slot came from the oldest half-head; the newest are still open.
        #expect(slow[0].closedByServer())
        #expect(p.file("logs/error.log").contains("without a complete request head"))
        try slow[3].send("\r\n")
        #expect(try slow[3].readResponse().status == 200)
    }

    @Test func idleKeepAliveGoesBeforeHalfHeads() throws {
        let (p, port) = try Self.proxy(slots: 3)
        defer { p.stop() }
        var before = Self.accepts(p)
        let head = try TestClient(port: port, timeoutSeconds: 5)
        try head.send("GET / HTTP/1.1\r\nHost: x\r\n")   // half a head, older than the keep-alive one
        _ = eventually(seconds: 2) { Self.accepts(p) > before }
        let idle = try TestClient(port: port, timeoutSeconds: 5)
        try idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try idle.readResponse().status == 200)   // now idle between requests
        before = Self.accepts(p)
        let third = try TestClient(port: port, timeoutSeconds: 5)
        try third.send("GET / HTTP/1.1\r\nHost: x\r\n")
        _ = eventually(seconds: 2) { Self.accepts(p) > before }
        let r = try TestClient.get(port: port, "/")
        #expect(r.status == 200)
        #expect(idle.closedByServer())
        // nginx's warning that the slots are too few (at most once a second).
        #expect(p.file("logs/error.log").contains("[warn]") && p.file("logs/error.log").components("3 worker_connections are not enough, reusing connections") == 1)
        try head.send("\r\n")
        #expect(try head.readResponse().status == 200)
    }

    @Test func aTrickledHeadTimesOutAfterClientHeaderTimeoutInAll() throws {
        let (p, port) = try Self.proxy(slots: 64, extra: "client_header_timeout 1s;")
        defer { p.stop() }
        let c = try TestClient(port: port, timeoutSeconds: 5)
        let start = nowMillis()
        // One byte every 100 ms: every read used to re-arm the timeout, so the head never timed out while
        // bytes kept coming (this loop then ran its 40 bytes, 4 s, and the read below found the connection open).
        let bytes = Array("GET / HTTP/1.1\r\nHost: x\r\nX-Trickle: abcdefghijklmnopqrstuvwxyz".utf8)
        var sent = 0
        while sent < bytes.count && !c.hasInput() {
            try? c.send([bytes[sent]])
            sent += 1
            usleep(100_000)
        }
        let elapsed = nowMillis() - start
        #expect(c.closedByServer())   // nothing sent, as nginx
        // What shows the whole head is timed: the trickle was cut off before its 40 bytes (4 s) were out. An
        // upper bound on the time would measure the machine's load instead (2,774 ms once at load 13).
        #expect(sent < bytes.count, "the whole head was trickled without a timeout")
        #expect(elapsed >= 900, "timed out after \(elapsed) ms, before client_header_timeout's 1 s")
    }

    /// Each address reads its heads with its default server's `client_header_timeout`, as nginx does, also a
    /// shorter one behind a longer one that is due first (the slowloris guard an operator sets per server). It
    /// was the `http` level's for every address.
    @Test func aServersClientHeaderTimeoutBoundsHeadsOnItsAddress() throws {
        let (short, long) = (freePort(), freePort())
        let p = try ProxyProcess(config: """
            worker_processes 1;
            events { worker_connections 64; }
            http {
                access_log off;
                client_header_timeout 10s;
                server { listen 127.0.0.1:\(long); location / { return 200 "long"; } }
                server { listen 127.0.0.1:\(short); client_header_timeout 500ms; location / { return 200 "short"; } }
            }
            """, waitForPort: short)
        defer { p.stop() }
        let first = try TestClient(port: long, timeoutSeconds: 5)
        try first.send("GET / HTTP/1.1\r\nHost: x\r\n")   // due first, for 10 s
        usleep(100_000)
        let second = try TestClient(port: short, timeoutSeconds: 5)
        try second.send("GET / HTTP/1.1\r\nHost: x\r\n")
        #expect(second.closedByServer(), "the 500 ms head was not timed out within the client's 5 s")
        #expect(!first.hasInput())   // its 10 s are not up
        try first.send("\r\n")
        let r = try first.readResponse()
        #expect(r.status == 200 && r.text == "long")
    }
}

extension TestClient {
    /// Whether the server has sent something (or closed) that a read would return now.
    func hasInput() -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) > 0
    }

    /// Whether the server closed this connection with nothing to read: end of stream, or a reset (a server
    /// closing with unread bytes of ours sends one). Waits up to the client's read timeout.
    func closedByServer() -> Bool {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)
        return n == 0 || (n < 0 && errno == ECONNRESET)
    }

    /// Closed with nothing sent: by a FIN (a read of 0), or by a RST when `reset` (ECONNRESET).
    func closedByServer(reset: Bool) -> Bool {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)
        return reset ? n < 0 && errno == ECONNRESET : n == 0
    }
}

func nowMillis() -> Int {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return ts.tv_sec * 1000 + ts.tv_nsec / 1_000_000
}
