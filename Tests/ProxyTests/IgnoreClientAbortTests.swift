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
        let f = try Fixture(http: """
            log_format status '$uri $status';
            server {
                listen 127.0.0.1:PORT;
                access_log \(dir)/access.log status;
                location /ignore { proxy_ignore_client_abort on; proxy_pass http://\(backend.address); }
                location /plain { proxy_pass http://\(other.address); }
            }
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
}
