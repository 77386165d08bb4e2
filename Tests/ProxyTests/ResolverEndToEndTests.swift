import Glibc
import SwitchyardTestSupport
import Synchronization
import Testing

/// `resolver`: a `proxy_pass` with variables whose host is a name is asked of the DNS server (TestDNSServer, on
/// 127.0.0.1 in this process) and proxied to the addresses it answers, as nginx does.
struct ResolverEndToEndTests {
    private static let echo: MockBackend.Handler = { req in MockResponse(text: "\(req.target)") }

    /// A config whose `/` proxies to `http://$arg_host:<port>`, asking `dns`.
    private func fixture(_ dns: TestDNSServer, port: UInt16, resolver extra: String = "valid=30s",
                         timeout: String = "5s") throws -> Fixture {
        try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                resolver 127.0.0.1:\(dns.port) \(extra);
                resolver_timeout \(timeout);
                location / { proxy_pass http://$arg_host:\(port); }
            }
            """)
    }

    @Test func resolvedNameIsProxiedAndCachedWithinValid() throws {
        let a = try MockBackend(name: "a", handler: Self.echo)
        let dns = try TestDNSServer(["app.test": .addresses([[127, 0, 0, 1]], ttl: 0)])
        defer { a.stop(); dns.stop() }
        let f = try fixture(dns, port: a.port)
        defer { f.proxy.stop() }
        let first = try f.get("/x?host=app.test")
        #expect(first.status == 200)
        #expect(first.header("X-Backend") == "a")
        #expect(dns.count("app.test") == 1)
        #expect(dns.count("app.test", type: 28) == 1)   // nginx 1.22 asks AAAA too
        // valid=30s keeps the answer although its TTL is 0: no second query.
        #expect(try f.get("/y?host=APP.test").status == 200)
        #expect(dns.count("app.test") == 1)
        #expect(a.requests == 2)
    }

    @Test func twoAddressesAreUsedRoundRobin() throws {
        let a = try MockBackend(name: "a", handler: Self.echo)
        let b = try MockBackend(name: "b", loopback: 2, port: a.port, handler: Self.echo)
        let dns = try TestDNSServer(["pair.test": .addresses([[127, 0, 0, 1], [127, 0, 0, 2]], ttl: 300)])
        defer { a.stop(); b.stop(); dns.stop() }
        let f = try fixture(dns, port: a.port, resolver: "ipv6=off")
        defer { f.proxy.stop() }
        var seen: [String] = []
        for _ in 0..<4 { seen.append(try f.get("/?host=pair.test").header("X-Backend") ?? "-") }
        #expect(seen.sorted() == ["a", "a", "b", "b"])
        #expect(seen[0] != seen[1] && seen[1] != seen[2])
        #expect(dns.count("pair.test") == 1)
        #expect(dns.count("pair.test", type: 28) == 0)   // ipv6=off
    }

    /// proxy_next_upstream walks over the addresses: the first refuses, the second answers.
    @Test func nextUpstreamWalksTheAddresses() throws {
        let a = try MockBackend(name: "a", handler: Self.echo)
        let dns = try TestDNSServer(["half.test": .addresses([[127, 0, 0, 3], [127, 0, 0, 1]], ttl: 300)])
        defer { a.stop(); dns.stop() }
        let f = try fixture(dns, port: a.port, resolver: "ipv6=off")
        defer { f.proxy.stop() }
        for _ in 0..<2 {
            let r = try f.get("/?host=half.test")
            #expect(r.status == 200)
            #expect(r.header("X-Backend") == "a")
        }
        #expect(f.logFile("logs/error.log", containing: "127.0.0.3").contains("connect() failed (111"))
    }

    @Test func nxdomainIs502WithNginxLine() throws {
        let dns = try TestDNSServer(["gone.test": .nxdomain])
        defer { dns.stop() }
        let f = try fixture(dns, port: 9)
        defer { f.proxy.stop() }
        #expect(try f.get("/?host=gone.test").status == 502)
        #expect(f.logFile("logs/error.log", containing: "could not be resolved")
                    .contains("gone.test could not be resolved (3: Host not found)"))
        // Errors are not cached (as in nginx): the next request asks again.
        #expect(try f.get("/?host=gone.test").status == 502)
        #expect(dns.count("gone.test") == 2)
    }

    /// Silent servers: the query goes again after 5 s (nginx's resend_timeout) to the next server, then 502
    /// after resolver_timeout with nginx's 110 line.
    @Test func timeoutIs502WithNginxLineAfterAResendToTheNextServer() throws {
        let dns = try TestDNSServer(["quiet.test": .silent]), other = try TestDNSServer(["quiet.test": .silent])
        defer { dns.stop(); other.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                resolver 127.0.0.1:\(dns.port) 127.0.0.1:\(other.port) ipv6=off;
                resolver_timeout 6500ms;   # 1.5 s after the resend at 5 s: a late timer still sees it go
                location / { proxy_pass http://$arg_host:9; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/?host=quiet.test").status == 502)
        #expect(f.logFile("logs/error.log", containing: "could not be resolved")
                    .contains("quiet.test could not be resolved (110: Operation timed out)"))
        #expect(dns.count("quiet.test") == 1)   // sent at 0 to the first server,
        #expect(other.count("quiet.test") == 1)   // and at 5 s to the second
    }

    /// Requests that arrive while a name is being asked share the query; one whose client closes meanwhile
    /// costs nothing else.
    @Test func concurrentRequestsShareOneQueryAndAClosedClientIsHarmless() throws {
        let a = try MockBackend(name: "a", handler: Self.echo)
        let dns = try TestDNSServer(["slow.test": .slow([[127, 0, 0, 1]], millis: 400)])
        defer { a.stop(); dns.stop() }
        let f = try fixture(dns, port: a.port, resolver: "ipv6=off")
        defer { f.proxy.stop() }
        let gone = try f.client()
        try gone.send("GET /?host=slow.test HTTP/1.1\r\nHost: x\r\n\r\n")
        let c1 = try f.client(), c2 = try f.client()
        try c1.send("GET /1?host=slow.test HTTP/1.1\r\nHost: x\r\n\r\n")
        try c2.send("GET /2?host=slow.test HTTP/1.1\r\nHost: x\r\n\r\n")
        shutdown(gone.fd, Int32(SHUT_RDWR))   // the client goes away while its request waits
        #expect(try c1.readResponse().status == 200)
        #expect(try c2.readResponse().status == 200)
        #expect(dns.count("slow.test") == 1)
        #expect(a.received.map(\.target).sorted() == ["/1?host=slow.test", "/2?host=slow.test"])
        #expect(try f.get("/3?host=slow.test").status == 200)
    }

    /// A truncated UDP answer is asked again over TCP (nginx 1.22 does the same).
    @Test func truncatedAnswerIsAskedOverTCP() throws {
        let a = try MockBackend(name: "a", handler: Self.echo)
        let dns = try TestDNSServer(["big.test": .truncated([[127, 0, 0, 1]])])
        defer { a.stop(); dns.stop() }
        let f = try fixture(dns, port: a.port, resolver: "ipv6=off")
        defer { f.proxy.stop() }
        #expect(try f.get("/?host=big.test").header("X-Backend") == "a")
        #expect(dns.questions.contains("big.test 1 tcp"))
    }

    /// A reload while a name is being asked: the old request fails by its own timeout, the new configuration
    /// (another resolver) serves.
    @Test func reloadWhileAQueryIsPending() throws {
        let a = try MockBackend(name: "a", handler: Self.echo)
        let dns = try TestDNSServer(["quiet.test": .silent, "app.test": .addresses([[127, 0, 0, 1]], ttl: 60)])
        defer { a.stop(); dns.stop() }
        let f = try fixture(dns, port: a.port, resolver: "ipv6=off", timeout: "1500ms")
        defer { f.proxy.stop() }
        let waiting = try f.client()
        try waiting.send("GET /?host=quiet.test HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(eventually { dns.count("quiet.test") >= 1 })
        f.proxy.signal(SIGHUP)
        #expect(eventually { f.errorLog().contains("reconfiguring") || f.errorLog().contains("reload") })
        #expect(try waiting.readResponse().status == 502)
        #expect(try f.get("/?host=app.test").status == 200)
    }

    /// proxy_cache_background_update to a name: the update asks the resolver as a request would (here the
    /// answer's TTL is 0, so it is not cached and the update asks again).
    @Test func backgroundCacheUpdateResolvesTheName() throws {
        let calls = Atomic<Int>(0)
        let a = try MockBackend(name: "a") { _ in
            let n = calls.add(1, ordering: .relaxed).newValue
            return MockResponse(headers: [("X-Accel-Expires", n == 1 ? "@1" : "60")], text: "v\(n)")
        }
        let dns = try TestDNSServer(["app.test": .addresses([[127, 0, 0, 1]], ttl: 0)])
        defer { a.stop(); dns.stop() }
        let dir = try TempDir.make()
        let f = try Fixture(http: """
            proxy_cache_path \(dir) levels=1:2 keys_zone=one:1m;
            server {
                listen 127.0.0.1:PORT;
                resolver 127.0.0.1:\(dns.port) ipv6=off;
                location / {
                    proxy_pass http://$arg_host:\(a.port);
                    proxy_cache one;
                    proxy_cache_key $uri;
                    proxy_cache_use_stale updating;
                    proxy_cache_background_update on;
                    add_header X-Cache $upstream_cache_status;
                }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/bg?host=app.test").text == "v1")
        _ = ProxyCacheTests.entries(dir, count: 1)
        let stale = try f.get("/bg?host=app.test")
        #expect(stale.text == "v1" && stale.header("X-Cache") == "STALE")
        var last = try f.get("/bg?host=app.test")
        for _ in 0..<500 where last.header("X-Cache") != "HIT" {
            usleep(10_000)
            last = try f.get("/bg?host=app.test")
        }
        #expect(last.header("X-Cache") == "HIT" && last.text == "v2")
        #expect(a.requests == 2)
        #expect(dns.count("app.test") == 2)   // the first request's, and the update's
    }
}
