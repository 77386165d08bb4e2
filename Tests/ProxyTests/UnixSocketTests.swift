import EventLoop
import Glibc
import SwitchyardTestSupport
import Testing

/// UNIX-domain sockets on both sides: `listen unix:`, `server unix:` and `proxy_pass http://unix:`, with
/// nginx's lifecycle for the socket file (replaced when stale on start, kept across a reload, removed when a
/// reload drops it and on exit).
@Suite(.serialized) struct UnixSocketTests {
    /// A socket path in a fresh directory of its own.
    func socketPath(_ name: String = "sw.sock") throws -> String { try TempDir.make() + "/" + name }

    func isSocket(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFSOCK
    }

    func inode(_ path: String) -> ino_t? {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_ino : nil
    }

    /// What the variables say about a UNIX-domain client, beside a TCP one on the same server; the file is
    /// made writable by all, as nginx makes it, so any local user's client can connect.
    @Test func aUnixListenerServesAndNamesItsClientUnix() throws {
        let sock = try socketPath()
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                listen unix:\(sock);
                location / { return 200 "[$remote_addr][$remote_port][$server_addr][$server_port]"; }
            }
            """)
        defer { f.proxy.stop() }
        let r = try TestClient.get(client: TestClient(unixPath: sock), "/")
        #expect(r.status == 200)
        #expect(r.text == "[unix:][][unix:\(sock)][]")
        let tcp = try f.get("/").text
        #expect(tcp.hasPrefix("[127.0.0.1][") && tcp.hasSuffix("][127.0.0.1][\(f.port)]") && !tcp.contains("[]"))
        var st = stat()
        #expect(lstat(sock, &st) == 0 && st.st_mode & 0o777 == 0o666)
    }

    /// `allow unix:` lets the local socket in and nothing else; `deny unix:` shuts it out.
    @Test func accessRulesMatchUnixClients() throws {
        let sock = try socketPath()
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                listen unix:\(sock);
                root /nonexistent;
                location /local { allow unix:; deny all; }
                location /remote { deny unix:; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try TestClient.get(client: TestClient(unixPath: sock), "/local").status == 404)
        #expect(try f.get("/local").status == 403)
        #expect(try TestClient.get(client: TestClient(unixPath: sock), "/remote").status == 403)
        #expect(try f.get("/remote").status == 404)
    }

    /// An upstream server on a socket, and proxy_pass straight to one with a URI: the request arrives with the
    /// URI replaced and nginx's `Host: localhost`, and `$upstream_addr` names the socket.
    @Test func upstreamsAndProxyPassReachUnixSockets() throws {
        let dir = try TempDir.make()
        let app = try MockBackend(name: "app", unixPath: dir + "/app.sock") { _ in MockResponse(text: "from app") }
        defer { app.stop() }
        let f = try Fixture(http: """
            upstream app { server \(app.address); }
            server {
                listen 127.0.0.1:PORT;
                add_header X-Upstream $upstream_addr;
                location /pool/ { proxy_pass http://app; }
                location /direct/ { proxy_pass http://\(app.address):/inner/; }
                location /var { proxy_pass http://$arg_to; }
            }
            """)
        defer { f.proxy.stop() }
        let pooled = try f.get("/pool/a")
        #expect(pooled.text == "from app")
        #expect(pooled.header("x-upstream") == "unix:\(dir)/app.sock")
        let direct = try f.get("/direct/b?q=1")
        #expect(direct.text == "from app")
        #expect(direct.header("x-upstream") == "unix:\(dir)/app.sock")
        let variable = try f.get("/var?to=\(app.address):/v")
        #expect(variable.text == "from app")
        #expect(app.received.last?.target == "/v")
        let seen = Array(app.received.prefix(2))
        #expect(app.received.count == 3)
        #expect(seen.last?.target == "/inner/b?q=1")
        #expect(seen.last?.header("host") == "localhost")
        #expect(seen.first?.header("host") == "app")
    }

    /// `set_real_ip_from unix:` trusts local-socket clients only; a host name is resolved at load
    /// (`localhost` is 127.0.0.1 on every test machine). In a location, realip runs after the rewrite phase, as
    /// in nginx, so these are static files, not `return`.
    @Test func realIPTrustsUnixClientsAndResolvedNames() throws {
        let sock = try socketPath()
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                listen unix:\(sock);
                root html;
                add_header X-IP "$remote_addr $realip_remote_addr";
                location /socket { set_real_ip_from unix:; }
                location /name { set_real_ip_from localhost; }
            }
            """, files: ["html/socket": "", "html/name": ""])
        defer { f.proxy.stop() }
        let viaSocket = try TestClient.get(client: TestClient(unixPath: sock), "/socket", headers: ["X-Real-IP": "192.0.2.1"])
        #expect(viaSocket.header("x-ip") == "192.0.2.1 unix:")
        #expect(try f.get("/socket", headers: ["X-Real-IP": "192.0.2.1"]).header("x-ip") == "127.0.0.1 127.0.0.1")
        #expect(try f.get("/name", headers: ["X-Real-IP": "192.0.2.7"]).header("x-ip") == "192.0.2.7 127.0.0.1")
        let viaName = try TestClient.get(client: TestClient(unixPath: sock), "/name", headers: ["X-Real-IP": "192.0.2.7"])
        #expect(viaName.header("x-ip") == "unix: unix:")
        let prefix = try TempDir.make()
        try TempDir.write(prefix + "/conf/nginx.conf",
                          "events {} http { server { listen 127.0.0.1:1; set_real_ip_from no-such-host.invalid; } }")
        let run = try ProxyProcess.run(arguments: ["-p", prefix, "-t"], prefix: prefix)
        #expect(run.status == 1 && run.stderr.contains("host not found in set_real_ip_from \"no-such-host.invalid\""))
    }

    /// A dead upstream socket is a failed try like a refused port: 502, and the error names the socket.
    @Test func aMissingUpstreamSocketIs502() throws {
        let dir = try TempDir.make()
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / { proxy_pass http://unix:\(dir)/gone.sock; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/").status == 502)
        let log = f.logFile("logs/error.log", containing: "gone.sock")
        #expect(log.contains("connect() failed (2: No such file or directory)") && log.contains("upstream: \"http://unix:\(dir)/gone.sock:/\""))
    }

    /// Start replaces a stale socket file (a crash left it: nobody accepts on it); the file is removed on exit.
    @Test func aStaleSocketFileIsReplacedAndTheFileGoesOnExit() throws {
        let sock = try socketPath()
        let stale = try Socket.listen(SocketAddress(unixPath: sock), backlog: 1, reusePort: false)
        Syscall.close(stale)
        #expect(isSocket(sock))
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; listen unix:\(sock); location / { return 200 "fresh"; } }
            """)
        #expect(try TestClient.get(client: TestClient(unixPath: sock), "/").text == "fresh")
        #expect(f.proxy.stop() == 0)
        #expect(!isSocket(sock) && access(sock, F_OK) != 0)
    }

    /// A file that is not a stale socket stays: a regular file, or the socket of a server that is running. The
    /// start fails with the bind's error, as nginx's does.
    @Test func aLiveSocketOrAnotherFileIsNeverRemoved() throws {
        let dir = try TempDir.make()
        try TempDir.write(dir + "/plain.sock", "data")
        let live = try MockBackend(name: "live", unixPath: dir + "/live.sock") { _ in MockResponse(text: "still here") }
        defer { live.stop() }
        for path in [dir + "/plain.sock", dir + "/live.sock"] {
            let prefix = try TempDir.make()
            try TempDir.write(prefix + "/conf/nginx.conf", """
                error_log stderr; pid logs/switchyard.pid; events {}
                http { server { listen unix:\(path); } }
                """)
            _ = mkdir(prefix + "/logs", 0o755)
            let run = try ProxyProcess.run(arguments: ["-p", prefix, "-g", "daemon off;"], prefix: prefix)
            #expect(run.status == 1)
            #expect(run.stderr.contains("[emerg]") && run.stderr.contains("bind() to unix:\(path) failed (98: "))
        }
        #expect(try TempDir.read(dir + "/plain.sock") == "data")
        #expect(try TestClient.get(client: TestClient(unixPath: dir + "/live.sock"), "/").text == "still here")
    }

    /// A reload keeps the socket it still lists (the same file, nothing refused meanwhile), and removes the one
    /// it drops, with nginx's warning.
    @Test func reloadKeepsAListedSocketAndDeletesADroppedOne() throws {
        let dir = try TempDir.make()
        let kept = dir + "/kept.sock", dropped = dir + "/dropped.sock"
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; listen unix:\(kept); listen unix:\(dropped); location / { return 200 "one"; } }
            """)
        defer { f.proxy.stop() }
        let before = inode(kept)
        let waiting = try TestClient(unixPath: kept)   // in the backlog across the reload
        try TempDir.write(f.proxy.prefix + "/conf/nginx.conf", f.proxy.file("conf/nginx.conf")
            .replacingOccurrences(of: " listen unix:\(dropped);", with: "")
            .replacingOccurrences(of: "\"one\"", with: "\"two\""))
        f.proxy.signal(SIGHUP)
        let log = f.logFile("logs/error.log", containing: "reconfigured")
        #expect(log.contains("[warn]") && log.contains("deleting socket \(dropped)"))
        #expect(access(dropped, F_OK) != 0)
        #expect(inode(kept) == before)
        #expect(try TestClient.get(client: waiting, "/").status == 200)
        #expect(try TestClient.get(client: TestClient(unixPath: kept), "/").text == "two")
    }

    /// Paths are checked at load, with nginx's wording: too long for sun_path, empty, or with `reuseport`.
    @Test func badUnixAddressesAreRefusedAtLoad() throws {
        let long = "/tmp/" + String(repeating: "x", count: 120)
        let cases: [(String, String)] = [
            ("server { listen unix:\(long); }", "too long path in the unix domain socket in \"listen\""),
            ("server { listen unix:; }", "no path in the unix domain socket"),
            ("server { listen unix:/tmp/r.sock reuseport; }", "\"reuseport\" is not supported on a unix domain socket"),
            ("upstream u { server unix:\(long); } server { listen 127.0.0.1:1; location / { proxy_pass http://u; } }",
             "too long path in the unix domain socket in \"upstream\""),
            ("server { listen 127.0.0.1:1; location / { proxy_pass http://unix:\(long):/; } }",
             "too long path in the unix domain socket in \"proxy_pass\""),
        ]
        for (http, message) in cases {
            let prefix = try TempDir.make()
            try TempDir.write(prefix + "/conf/nginx.conf", "events {} http { \(http) }")
            let run = try ProxyProcess.run(arguments: ["-p", prefix, "-t"], prefix: prefix)
            #expect(run.status == 1, "\(http)")
            #expect(run.stderr.contains(message) && run.stderr.contains("nginx.conf:1"), "\(run.stderr)")
        }
    }
}
