import Glibc
import Synchronization
import SwitchyardTestSupport
import Testing

/// `proxy_ignore_client_abort` (and the CGI family's): a client that closes its sending side after its request
/// (`shutdown(SHUT_WR)`, as some clients and scripts do) does not end the request; without it, nginx's rule
/// holds: the request ends as 499 and the upstream connection is closed.
@Suite struct IgnoreClientAbortTests {
    /// Holds the backend's answers until the test lets them go.
    final class Release: Sendable {
        let open = Atomic<Bool>(false)
        func wait() { for _ in 0..<10_000 where !open.load(ordering: .acquiring) { usleep(1000) } }
    }

    /// A server with `locations`, logging `$uri $status` to `dir`/access.log.
    static func proxy(logIn dir: String, _ locations: String) throws -> Fixture {
        try Fixture(http: """
            log_format status '$uri $status';
            server {
                listen 127.0.0.1:PORT;
                access_log \(dir)/access.log status;
                \(locations)
            }
            """)
    }

    @Test func aHalfClosedClientStillGetsTheAnswer() throws {
        let release = Release()
        func held() throws -> MockBackend {   // one each: a mock answers one request at a time
            try MockBackend(name: "b") { req in
                release.wait()
                return MockResponse(text: "answer for \(req.target)")
            }
        }
        let backend = try held(), other = try held()
        defer { backend.stop(); other.stop() }
        let dir = try TempDir.make()
        let f = try Self.proxy(logIn: dir, """
            location /ignore { proxy_ignore_client_abort on; proxy_pass http://\(backend.address); }
            location /plain { proxy_pass http://\(other.address); }
            """)
        defer { f.proxy.stop() }
        func halfClosed(_ path: String) throws -> TestClient {
            let c = try f.client()
            try c.send("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(eventually(seconds: 10) { (backend.received + other.received).contains { $0.target == path } })
            shutdown(c.fd, Int32(SHUT_WR))
            return c
        }
        let ignoring = try halfClosed("/ignore")
        let plain = try halfClosed("/plain")
        // The plain request ends when its client's FIN is read (after the ignoring one's, sent first).
        #expect(eventually(seconds: 10) { ((try? TempDir.read(dir + "/access.log")) ?? "").contains("/plain 499") })
        release.open.store(true, ordering: .releasing)
        let answer = try ignoring.readResponse()
        #expect(answer.status == 200)
        #expect(answer.text == "answer for /ignore")
        #expect(answer.header("Connection") == "close")
        var byte: UInt8 = 0
        #expect(read(plain.fd, &byte, 1) == 0)   // closed, nothing written
        #expect(eventually(seconds: 10) { ((try? TempDir.read(dir + "/access.log")) ?? "").contains("/ignore 200") })
    }

    /// A client that resets its connection in the middle of a proxied answer (a failed write or read on the
    /// proxy's side, not an orderly close) is logged as nginx logs it, with the status it was sent; it used to
    /// leave no access log line.
    @Test func aClientResetMidAnswerIsLogged() throws {
        let backend = try MockBackend(name: "big") { _ in
            MockResponse(stream: MockStream(length: 50 << 20) { _, piece in
                for i in piece.indices { piece[i] = 120 }
            })
        }
        defer { backend.stop() }
        let dir = try TempDir.make()
        let f = try Self.proxy(logIn: dir, "location / { proxy_pass http://\(backend.address); }")
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n")
        var chunk = [UInt8](repeating: 0, count: 65536)
        var got = 0
        while got < 256 * 1024 { let n = read(c.fd, &chunk, chunk.count); if n <= 0 { break }; got += n }
        var l = linger(l_onoff: 1, l_linger: 0)   // the close sends a RST
        setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
        c.close()
        #expect(eventually(seconds: 10) { ((try? TempDir.read(dir + "/access.log")) ?? "") == "/big 200\n" },
                "\((try? TempDir.read(dir + "/access.log")) ?? "")")
    }

    /// A try the client ended before any answer came has no status: `$upstream_status` prints "-" for it, as
    /// nginx 1.22.1 does (`GET /slow … 499`, `us=-` beside it, when both were run side by side). It printed 0.
    @Test func aTryTheClientEndedHasNoUpstreamStatus() throws {
        let release = Release()
        let backend = try MockBackend(name: "slow") { _ in
            release.wait()
            return MockResponse(text: "late")
        }
        defer { release.open.store(true, ordering: .releasing); backend.stop() }
        let dir = try TempDir.make()
        let f = try Fixture(http: """
            log_format tries '$status [$upstream_addr] [$upstream_status]';
            server {
                listen 127.0.0.1:PORT;
                access_log \(dir)/access.log tries;
                location / { proxy_pass http://\(backend.address); }
            }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(eventually(seconds: 10) { backend.received.count == 1 })
        c.close()
        #expect(eventually(seconds: 10) { ((try? TempDir.read(dir + "/access.log")) ?? "").contains("\n") })
        #expect(try TempDir.read(dir + "/access.log") == "499 [\(backend.address)] [-]\n")
    }
}
