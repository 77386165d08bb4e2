import Glibc
import SwitchyardTestSupport
import Testing

/// A client that opens more connections than the process has descriptors for (EMFILE): the listener stays
/// readable, and accepting again at once spun a core and wrote hundreds of thousands of `accept4() failed`
/// lines a second. As nginx does, the worker stops accepting for 500 ms each time, and serves again once
/// descriptors are free.
@Suite(.serialized) struct DescriptorExhaustionTests {
    @Test func runningOutOfDescriptorsPausesAcceptingInsteadOfSpinning() throws {
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; location / { return 200 "ok"; } }
            """, main: "worker_rlimit_nofile 64;")
        defer { f.proxy.stop() }
        var held: [TestClient] = []
        defer { for c in held { c.close() } }
        for _ in 0..<120 { held.append(try f.client()) }   // the backlog takes what the worker cannot accept
        // A connection accepted before the limit was reached is served meanwhile.
        try held[0].send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try held[0].readResponse().text == "ok")
        #expect(eventually(seconds: 5) { f.errorLog().contains("accept4() failed (24: Too many open files)") })
        usleep(1_200_000)   // two to three pauses
        let failures = f.errorLog().split(separator: "\n").filter { $0.contains("accept4() failed") }.count
        #expect(failures >= 1 && failures <= 8, "\(failures) accept4() failures logged in about a second")
        for c in held { c.close() }
        held.removeAll()
        let c = try f.client()
        defer { c.close() }
        try c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try c.readResponse().text == "ok")
    }
}
