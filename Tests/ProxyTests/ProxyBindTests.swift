import EventLoop
import Glibc
import SwitchyardTestSupport
import Testing

/// `proxy_bind` and `proxy_socket_keepalive`: the socket an upstream connection is made from. The upstream here
/// is a server of the same switchyard answering with `$remote_addr`, the address the connection came from.
@Suite struct ProxyBindTests {
    @Test func bindSetsTheSourceAddress() throws {
        let b = freePort()
        let f = try Fixture(http: """
            server { listen 127.0.0.1:\(b); return 200 "$remote_addr"; }
            server {
                listen 127.0.0.1:PORT;
                location /bound { proxy_bind 127.0.0.2; proxy_pass http://127.0.0.1:\(b); }
                location /var { proxy_bind $arg_from; proxy_pass http://127.0.0.1:\(b); }
                location /plain { proxy_pass http://127.0.0.1:\(b); }
                location /off { proxy_bind off; proxy_pass http://127.0.0.1:\(b); }
                location /nonlocal { proxy_bind 192.0.2.1; proxy_pass http://127.0.0.1:\(b); }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/bound").text == "127.0.0.2")
        #expect(try f.get("/var?from=127.0.0.3").text == "127.0.0.3")
        #expect(try f.get("/var").text == "127.0.0.1")   // evaluated empty: no bind
        #expect(try f.get("/plain").text == "127.0.0.1")
        #expect(try f.get("/off").text == "127.0.0.1")
        // Not an address: logged, and the connection is made without a bind, as nginx does.
        #expect(try f.get("/var?from=nowhere").text == "127.0.0.1")
        #expect(f.errorLog().contains("invalid local address \"nowhere\""))
        // An address this host does not have: nginx's [crit] and a 500.
        #expect(try f.get("/nonlocal").status == 500)
        #expect(f.errorLog().contains("[crit]"))
        #expect(f.errorLog().contains("bind(192.0.2.1) failed (99: Cannot assign requested address)"))
    }

    /// SO_KEEPALIVE shows as the kernel's keepalive timer (`tr` 2 in /proc/net/tcp) on the kept upstream
    /// connection, and only with the directive.
    @Test func socketKeepaliveTurnsOnTheTimer() throws {
        let b = freePort(), p = freePort()
        let f = try Fixture(http: """
            upstream up { server 127.0.0.1:\(b); keepalive 4; }
            server { listen 127.0.0.1:\(b); return 200 "ok"; }
            upstream plain { server 127.0.0.1:\(p); keepalive 4; }
            server { listen 127.0.0.1:\(p); return 200 "ok"; }
            server {
                listen 127.0.0.1:PORT;
                proxy_http_version 1.1; proxy_set_header Connection "";
                location / { proxy_socket_keepalive on; proxy_pass http://up; }
                location /plain { proxy_pass http://plain; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/").text == "ok")
        #expect(try f.get("/plain").text == "ok")
        let table = try TempDir.read("/proc/net/tcp")
        #expect(try Self.timers(toPort: b) == ["02"], "\(table)")
        #expect(try Self.timers(toPort: p) == ["00"])
    }

    /// proxy_limit_rate: the body is read from the upstream at the rate (nginx's allowance: a second's worth at
    /// once, then the rate; what came with the head counts), so 300 KiB at 100 KiB a second take two seconds.
    /// Each read takes no more than the allowance, however much room the buffer has: reads that filled the
    /// buffer once made the body arrive a third early.
    @Test func limitRateSlowsTheUpstreamRead() throws {
        let body = String(repeating: "r", count: 300 * 1024)
        let small = String(repeating: "s", count: 40_000)
        let backend = try MockBackend(name: "b") { req in MockResponse(text: req.target == "/small" ? small : body) }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /slow { proxy_limit_rate 100k; proxy_pass http://\(backend.address); }
                location /small { proxy_limit_rate 20000; proxy_buffer_size 4k; proxy_pass http://\(backend.address); }
            }
            """)
        defer { f.proxy.stop() }
        var start = Clock.monotonicNanos()
        let slow = try f.get("/slow")
        #expect(slow.text == body)
        #expect(Clock.monotonicNanos() - start >= 1_950_000_000)
        // 40,000 bytes at 20,000 a second: a second (nginx's proxy_limit_rate.t); 0.64 s when a read overshot.
        start = Clock.monotonicNanos()
        #expect(try f.get("/small").text == small)
        #expect(Clock.monotonicNanos() - start >= 950_000_000)
    }

    /// The active timer of each established IPv4 connection to 127.0.0.1:`port`.
    static func timers(toPort port: UInt16) throws -> [String] {
        try TCPTable.established().filter { $0.remote == TCPTable.loopback(port) }.map(\.timer)
    }
}
