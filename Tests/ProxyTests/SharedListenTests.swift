import Config
import EventLoop
import Glibc
@testable import Proxy
import SwitchyardTestSupport
import Testing

/// Addresses of one port beside a wildcard one (`listen 80; listen 127.0.0.1:80;`), as nginx serves them: one
/// socket on `*:port` carries the specific addresses without `bind`, and each connection gets the servers
/// (default server, names, ssl, proxy_protocol) of the local address it came to, else the wildcard's. `bind`, or
/// any socket option, gives an address its own socket. 127.0.0.2 is a loopback address on Linux: a connection to
/// it reaches the wildcard socket as "another local address".
@Suite(.serialized) struct SharedListenTests {
    /// The runtime of `http` (its listens only: nothing is bound).
    static func runtime(_ http: String) throws -> Runtime {
        let text = "events {} http { \(http) }"
        let config = try ConfigLoader(options: LoadOptions(prefix: "/tmp"),
                                      source: InMemoryConfigSource(["/c/nginx.conf": text])).load(file: "/c/nginx.conf")
        return try RuntimeBuilder.build(config, prefix: "/tmp", generation: 1, previous: nil, openFiles: false)
    }

    /// Each socket's address and the addresses it carries: `["0.0.0.0:80 127.0.0.1:80", "127.0.0.2:80"]`.
    static func sockets(_ http: String) throws -> [String] {
        try runtime(http).listens.map { ([$0.address] + $0.sharers.map(\.address)).map(\.description).joined(separator: " ") }
    }

    @Test func theSocketsAreTheWildcardsAndTheBoundAddresses() throws {
        #expect(try Self.sockets("""
            server { listen 8090; }
            server { listen 127.0.0.1:8090; server_name status; }
            """) == ["0.0.0.0:8090 127.0.0.1:8090"])
        // `bind` and every socket option (nginx's lsopt.bind) give the address its own socket, opened before the
        // wildcard's as nginx opens them.
        for option in ["bind", "backlog=10", "rcvbuf=8k", "sndbuf=8k", "deferred", "reuseport", "so_keepalive=on",
                       "fastopen=10"] {
            #expect(try Self.sockets("""
                server { listen 8090; listen 127.0.0.2:8090; }
                server { listen 127.0.0.1:8090 \(option); }
                """) == ["127.0.0.1:8090", "0.0.0.0:8090 127.0.0.2:8090"], "\(option)")
        }
        // Without a wildcard on the port, or on another port, every address has its socket.
        #expect(try Self.sockets("""
            server { listen 127.0.0.1:8090; listen 127.0.0.2:8090; listen 8091; }
            """) == ["127.0.0.1:8090", "127.0.0.2:8090", "0.0.0.0:8091"])
        // The wildcard written after the specific address carries it all the same; `0.0.0.0` is `*`.
        #expect(try Self.sockets("""
            server { listen 127.0.0.1:8090 proxy_protocol; }
            server { listen 0.0.0.0:8090; }
            """) == ["0.0.0.0:8090 127.0.0.1:8090"])
        // IPv6 addresses share `[::]:port`, IPv4 ones `*:port`, as nginx groups them by family.
        #expect(try Self.sockets("""
            server { listen [::]:8090; listen [::1]:8090; listen 127.0.0.1:8090; }
            """) == ["[::]:8090 [::1]:8090", "127.0.0.1:8090"])
        #expect(try Self.sockets("""
            server { listen [::]:8090 ipv6only=off; listen 8090; listen [::1]:8090; listen 127.0.0.1:8090; }
            """) == ["[::]:8090 [::1]:8090", "0.0.0.0:8090 127.0.0.1:8090"])
        // A UNIX-domain socket is never shared.
        #expect(try Self.sockets("server { listen unix:/tmp/switchyard-shared-test.sock; listen 8090; }")
                == ["unix:/tmp/switchyard-shared-test.sock", "0.0.0.0:8090"])
    }

    @Test func aCarriedAddressKeepsItsDefaultServerAndItsChecks() throws {
        let rt = try Self.runtime("""
            server { listen 8090; return 200; }
            server { listen 127.0.0.1:8090 proxy_protocol; server_name b; return 200; }
            server { listen 127.0.0.1:8090 default_server; server_name c; return 200; }
            """)
        let wildcard = try #require(rt.listens.first)
        let specific = wildcard.serving(local: SocketAddress.parse("127.0.0.1:8090")!)
        #expect(specific !== wildcard && specific.proxyProtocol && !wildcard.proxyProtocol)
        #expect(specific.hosts.defaultServer.name == Array("c".utf8))
        #expect(wildcard.serving(local: SocketAddress.parse("127.0.0.3:8090")!) === wildcard)
        // A carried address with `ssl` still needs its default server's certificate.
        #expect(throws: ConfigError.self) {
            try Self.runtime("server { listen 8090; } server { listen 127.0.0.1:8090 ssl; }")
        }
        // nginx's check of one default server per address holds for carried addresses too.
        #expect(throws: ConfigError.self) {
            try Self.runtime("""
                server { listen 8090; } server { listen 127.0.0.1:8090 default_server; }
                server { listen 127.0.0.1:8090 default_server; server_name x; }
                """)
        }
    }

    static let servers = """
        server { listen PORT; return 200 "wildcard $server_addr:$server_port\\n"; }
        server { listen 127.0.0.1:PORT; server_name status; return 200 "specific $server_addr:$server_port\\n"; }
        """

    /// 0.0.0.0:`port` as /proc/net/tcp writes it.
    static func wildcard(_ port: UInt16) -> String {
        TCPTable.loopback(port).replacingOccurrences(of: "0100007F", with: "00000000")
    }

    static func get(_ port: UInt16, host: String, name: String = "other") throws -> String {
        let c = try TestClient(port: port, host: host)
        try c.send("GET / HTTP/1.1\r\nHost: \(name)\r\nConnection: close\r\n\r\n")
        return try c.readResponse().text
    }

    @Test func theConfigurationStartsWithOneSocketAndEachAddressGetsItsServers() throws {
        let f = try Fixture(http: Self.servers)
        defer { f.proxy.stop() }
        // One listening socket on the port: the wildcard's.
        #expect(try TCPTable.listening(port: f.port) == [Self.wildcard(f.port)])
        // 127.0.0.1's default server is its own (the Host names neither server), with the real local address.
        #expect(try Self.get(f.port, host: "127.0.0.1") == "specific 127.0.0.1:\(f.port)\n")
        #expect(try Self.get(f.port, host: "127.0.0.1", name: "status") == "specific 127.0.0.1:\(f.port)\n")
        // Another local address gets the wildcard's servers, and `status` is no name of them.
        #expect(try Self.get(f.port, host: "127.0.0.2") == "wildcard 127.0.0.2:\(f.port)\n")
        #expect(try Self.get(f.port, host: "127.0.0.2", name: "status") == "wildcard 127.0.0.2:\(f.port)\n")
    }

    /// `[::]:port` carries the IPv6 addresses of its port (here `[::1]`), `*:port` the IPv4 ones.
    @Test func theIPv6WildcardCarriesIPv6Addresses() throws {
        let f = try Fixture(http: """
            server { listen PORT; listen [::]:PORT; return 200 "wildcard $server_addr\\n"; }
            server { listen [::1]:PORT; return 200 "specific $server_addr\\n"; }
            """)
        defer { f.proxy.stop() }
        #expect(try Self.get(f.port, host: "::1") == "specific ::1\n")
        #expect(try Self.get(f.port, host: "127.0.0.1") == "wildcard 127.0.0.1\n")
    }

    /// On Linux a listening `*:port` and a listening `127.0.0.1:port` exclude each other unless both have
    /// reuseport: nginx fails to start on `listen 80; listen 127.0.0.1:80 bind;` (it binds the specific address
    /// first, then `bind() to 0.0.0.0:80 failed (98: Address already in use)`), and so does switchyard.
    @Test func bindGivesTheAddressItsOwnSocket() throws {
        let f = try Fixture(http: """
            server { listen PORT reuseport; return 200 "wildcard\\n"; }
            server { listen 127.0.0.1:PORT reuseport bind; return 200 "specific\\n"; }
            """)
        defer { f.proxy.stop() }
        #expect(try TCPTable.listening(port: f.port) == [Self.wildcard(f.port), TCPTable.loopback(f.port)])
        #expect(try Self.get(f.port, host: "127.0.0.1") == "specific\n")
        #expect(try Self.get(f.port, host: "127.0.0.2") == "wildcard\n")

        let port = freePort()
        let p = try ProxyProcess(config: """
            error_log logs/error.log;
            pid logs/switchyard.pid;
            events {}
            http { server { listen \(port); } server { listen 127.0.0.1:\(port) bind; } }
            """)
        defer { p.stop() }
        #expect(p.waitForExit(seconds: 10) == 1)
        #expect(p.file("logs/error.log").contains("bind() to 0.0.0.0:\(port) failed (98: Address already in use)"))
    }

    /// proxy_protocol and ssl are the carried address's, decided before the connection's first read.
    @Test func proxyProtocolAndSSLAreTheAddresses() throws {
        let f = try Fixture(http: """
            server { listen PORT; return 200 "plain $proxy_protocol_addr\\n"; }
            server { listen 127.0.0.1:PORT proxy_protocol; return 200 "proxied $proxy_protocol_addr\\n"; }
            """)
        defer { f.proxy.stop() }
        let c = try TestClient(port: f.port)
        try c.send("PROXY TCP4 192.0.2.7 127.0.0.1 4000 \(f.port)\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(try c.readResponse().text == "proxied 192.0.2.7\n")
        #expect(try Self.get(f.port, host: "127.0.0.2") == "plain \n")

        let kit = try TLSTestKit()
        defer { kit.remove() }
        let t = try Fixture(http: """
            server { listen PORT; return 200 "plain\\n"; }
            server {
                listen 127.0.0.1:PORT ssl;
                ssl_certificate \(kit.path("rsa.crt")); ssl_certificate_key \(kit.path("rsa.key"));
                return 200 "tls $ssl_protocol\\n";
            }
            """)
        defer { t.proxy.stop() }
        let tls = try kit.connect(port: t.port)
        #expect(tls.first?.error == "" && tls.first?.body.hasPrefix("tls TLSv1.") == true, "\(tls)")
        #expect(try Self.get(t.port, host: "127.0.0.2") == "plain\n")
    }

    @Test func aReloadKeepsTheSocketAndMovesTheCarriedAddresses() throws {
        let port = freePort()
        func config(_ http: String) -> String {
            """
            worker_processes 2;
            error_log logs/error.log info;
            pid logs/switchyard.pid;
            events { worker_connections 256; }
            http { access_log off; \(http.replacingOccurrences(of: "PORT", with: String(port))) }
            """
        }
        let p = try ProxyProcess(config: config(Self.servers), waitForPort: port)
        defer { p.stop() }
        #expect(eventually { p.file("logs/error.log").contains("started") })
        // A kept-alive connection to the carried address, moved to the new configuration at its next request.
        let kept = try TestClient(port: port)
        try kept.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try kept.readResponse().text == "specific 127.0.0.1:\(port)\n")

        func reload(_ http: String, _ n: Int) throws {
            try TempDir.write(p.prefix + "/conf/nginx.conf", config(http))
            p.signal(SIGHUP)
            #expect(eventually {
                p.file("logs/error.log").split(separator: "\n").filter { $0.contains("reconfigured in") }.count == n
            })
        }
        try reload(Self.servers.replacingOccurrences(of: "specific", with: "renamed"), 1)
        #expect(try Self.get(port, host: "127.0.0.1") == "renamed 127.0.0.1:\(port)\n")
        #expect(try Self.get(port, host: "127.0.0.2") == "wildcard 127.0.0.2:\(port)\n")
        try kept.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try kept.readResponse().text == "renamed 127.0.0.1:\(port)\n")

        // Dropping the carried address needs no socket: 127.0.0.1 falls to the wildcard's servers, for new
        // connections and for the kept-alive one.
        try reload("server { listen PORT; return 200 \"only $server_addr\\n\"; }", 2)
        #expect(try Self.get(port, host: "127.0.0.1") == "only 127.0.0.1\n")
        try kept.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try kept.readResponse().text == "only 127.0.0.1\n")
        // And adding one back neither; the kept-alive connection, which came in when the wildcard carried
        // nothing, gets its address's servers again.
        try reload(Self.servers, 3)
        #expect(try Self.get(port, host: "127.0.0.1") == "specific 127.0.0.1:\(port)\n")
        #expect(try Self.get(port, host: "127.0.0.2") == "wildcard 127.0.0.2:\(port)\n")
        try kept.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(try kept.readResponse().text == "specific 127.0.0.1:\(port)\n")
        #expect(!p.file("logs/error.log").contains("[emerg]"))
        #expect(try TCPTable.listening(port: port) == [Self.wildcard(port)])
    }

    /// `-t` probe-binds the sockets a start opens: the wildcard's, not the addresses it carries.
    @Test func theTestProbesTheSocketsOnly() throws {
        let rt = try Self.runtime("""
            server { listen 8090; }
            server { listen 192.0.2.1:8090; }
            """)
        #expect(rt.listens.map(\.address.description) == ["0.0.0.0:8090"])
        #expect(rt.probeListens() == nil)
        // 192.0.2.1 is no address of this machine: bound alone it fails, carried by the wildcard it is never bound.
        let alone = try Self.runtime("server { listen 192.0.2.1:8090; }")
        #expect(alone.probeListens()?.contains("99: Cannot assign requested address") == true)
    }
}
