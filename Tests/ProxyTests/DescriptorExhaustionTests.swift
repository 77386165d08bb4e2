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

    /// No socket for the upstream (out of descriptors) is this machine's shortage, not the servers' fault: as
    /// nginx, a 500 with `[alert] socket() failed`, and no server counted as failed; marked failed (the old
    /// behaviour, a 502), both servers of the upstream stayed out for fail_timeout after descriptors came back.
    @Test func noSocketForTheUpstreamIsA500AndNoServerIsMarkedDown() throws {
        let backend = try MockBackend(name: "app") { _ in MockResponse(text: "app") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            upstream app { server 127.0.0.1:\(backend.port); server 127.0.0.1:\(backend.port) max_fails=1; }
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://app; } }
            """, main: "worker_rlimit_nofile 64;")
        defer { f.proxy.stop() }
        var held: [TestClient] = []
        defer { for c in held { c.close() } }
        for _ in 0..<120 { held.append(try f.client()) }
        #expect(eventually(seconds: 5) { f.errorLog().contains("accept4() failed (24: Too many open files)") })
        try held[0].send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try held[0].readResponse().status == 500)
        #expect(f.errorLog().contains("[alert]") && f.errorLog().contains("socket() failed (24: Too many open files) while connecting to upstream"))
        for c in held { c.close() }
        held.removeAll()
        // Both servers are still in: the next request goes through once descriptors are back.
        #expect(eventually(seconds: 5) { (try? f.get("/").text) == "app" })
        #expect(!f.errorLog().contains("no live upstreams"))
    }

    /// A health check that cannot make its socket gives no verdict: the server stays in (an alert says why).
    @Test func aHealthCheckWithoutASocketGivesNoVerdict() throws {
        let backend = try MockBackend(name: "app") { _ in MockResponse(text: "app") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            upstream app { zone app 64k; server 127.0.0.1:\(backend.port); }
            server { listen 127.0.0.1:PORT; location / { proxy_pass http://app; health_check interval=50ms fails=1; } }
            """, main: "worker_rlimit_nofile 64;")
        defer { f.proxy.stop() }
        var held: [TestClient] = []
        defer { for c in held { c.close() } }
        for _ in 0..<120 { held.append(try f.client()) }
        #expect(eventually(seconds: 5) { f.errorLog().contains("socket() failed (24: Too many open files) while connecting to upstream, health check") })
        #expect(!f.errorLog().contains("peer is unhealthy"), "\(f.errorLog())")
        for c in held { c.close() }
        held.removeAll()
        #expect(eventually(seconds: 5) { (try? f.get("/").text) == "app" })
        #expect(!f.errorLog().contains("peer is unhealthy"))
    }

    /// A file that is there but cannot be opened for want of descriptors is this server's failure: nginx's
    /// `[crit] open() … failed (24: …)` and a 500, never a 404 (which a cache in front would keep).
    @Test func aFileThatCannotBeOpenedForWantOfDescriptorsIsA500() throws {
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; root html; }
            """, main: "worker_rlimit_nofile 64;", files: ["html/f.txt": "file\n"])
        defer { f.proxy.stop() }
        var held: [TestClient] = []
        defer { for c in held { c.close() } }
        for _ in 0..<120 { held.append(try f.client()) }
        #expect(eventually(seconds: 5) { f.errorLog().contains("accept4() failed (24: Too many open files)") })
        try held[0].send("GET /f.txt HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try held[0].readResponse().status == 500)
        #expect(f.errorLog().contains("[crit]") && f.errorLog().contains("f.txt\" failed (24: Too many open files)"))
        for c in held { c.close() }
        held.removeAll()
        #expect(eventually(seconds: 5) { (try? f.get("/f.txt").text) == "file\n" })
    }

    /// A cached entry that cannot be opened for want of descriptors is logged in nginx's words and the request
    /// goes upstream (the kept-alive connection is there already), answered whole.
    @Test func aCacheEntryThatCannotBeOpenedGoesUpstream() throws {
        let backend = try MockBackend(name: "app") { _ in MockResponse(text: "fresh") }
        defer { backend.stop() }
        let f = try Fixture(http: """
            proxy_cache_path cache levels=1:2 keys_zone=c:1m;
            upstream app { server 127.0.0.1:\(backend.port); keepalive 4; }
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_cache c; proxy_cache_valid 200 1h; proxy_http_version 1.1;
                             proxy_set_header Connection ""; proxy_pass http://app; }
            }
            """, main: "worker_rlimit_nofile 64;")
        defer { f.proxy.stop() }
        #expect(try f.get("/a").text == "fresh")   // stored, and a kept-alive upstream connection
        var held: [TestClient] = []
        defer { for c in held { c.close() } }
        for _ in 0..<120 { held.append(try f.client()) }
        #expect(eventually(seconds: 5) { f.errorLog().contains("accept4() failed (24: Too many open files)") })
        try held[0].send("GET /a HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try held[0].readResponse().text == "fresh")
        let log = f.errorLog()
        #expect(log.contains("open() on cache file \"") && log.contains("\" failed (24: Too many open files)")
                && !log.contains("could not be read"), "\(log)")
    }
}
