import Balancing
import Config
import Glibc
@testable import Proxy
import SwitchyardTestSupport
import Testing

/// realip's address walk without sockets, then allow/deny and realip end to end.
@Suite struct RealIPWalkTests {
    let trusted: [RealIPSource] = [.block(CIDR(address: [127, 0, 0, 1], prefixLength: 32)),
                                   .block(CIDR(address: [10, 0, 1, 0], prefixLength: 24))]

    func walk(_ values: [String], recursive: Bool) -> String? {
        let r = RealIPRuntime(trusted: trusted, header: .xForwardedFor, recursive: recursive)
        guard let found = r.resolve(values.map { Array($0.utf8)[...] }) else { return nil }
        return found.address.bytes.map(String.init).joined(separator: ".") + (found.port == 0 ? "" : ":\(found.port)")
    }

    /// nginx's realip.t cases: the last entry without recursion, the first untrusted from the right with it,
    /// several header lines read as one list.
    @Test func forwardedForFromTheRight() {
        #expect(walk(["10.0.0.1, 192.0.2.1"], recursive: false) == "192.0.2.1")
        #expect(walk(["192.0.2.1, 10.0.1.1, 127.0.0.1"], recursive: false) == "127.0.0.1")
        #expect(walk(["10.0.1.1, 192.0.2.1, 127.0.0.1"], recursive: true) == "192.0.2.1")
        #expect(walk(["192.0.2.1", "127.0.0.1, 10.0.1.1"], recursive: false) == "10.0.1.1")
        #expect(walk(["10.0.1.1", "192.0.2.1", "127.0.0.1"], recursive: true) == "192.0.2.1")
        // All trusted: the leftmost.
        #expect(walk(["10.0.1.5 , 127.0.0.1"], recursive: true) == "10.0.1.5")
        #expect(walk(["127.0.0.1:123"], recursive: false) == "127.0.0.1:123")
        #expect(walk(["  192.0.2.9,, "], recursive: false) == "192.0.2.9")
    }

    @Test func garbageChangesNothing() {
        #expect(walk(["unknown"], recursive: false) == nil)
        #expect(walk(["192.0.2.1, 1.2.3.4.5"], recursive: false) == nil)
        #expect(walk([""], recursive: false) == nil)
        #expect(walk([], recursive: true) == nil)
    }
}

@Suite(.serialized) struct ClientIdentityEndToEndTests {
    /// The first matching rule decides (127.0.0.1 is this test's client); a denied request gets 403 and
    /// nginx's error line; `return` runs before the access phase, as in nginx.
    @Test func allowAndDeny() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /open { return 200 "open"; }
                location /denied { deny 127.0.0.1; allow all; root /nonexistent; }
                location /allowed { allow 127.0.0.0/8; deny all; }
                location /returns { deny all; return 200 "rewrite phase first"; }
                location /v6only { deny ::1; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/open").status == 200)
        #expect(try f.get("/denied").status == 403)
        #expect(try f.get("/allowed").status == 404)
        #expect(try f.get("/returns").text == "rewrite phase first")
        #expect(try f.get("/v6only").status == 404)
        #expect(f.logFile("logs/error.log", containing: "access forbidden by rule").contains("access forbidden by rule"))
    }

    /// `limit_except GET { deny all; }`: GET and HEAD pass, other methods get the block's 403; the block's
    /// rules replace the location's for those methods only.
    @Test func limitExceptChecksOtherMethods() throws {
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location / { root /nonexistent; limit_except GET { deny all; } }
                location /open { root /nonexistent; deny all; limit_except GET { allow all; } }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/").status == 404)
        #expect(try f.raw("HEAD / HTTP/1.0\r\n\r\n").hasPrefix("HTTP/1.1 404"))
        #expect(try f.raw("POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\n").hasPrefix("HTTP/1.1 403"))
        #expect(try f.raw("DELETE / HTTP/1.0\r\n\r\n").hasPrefix("HTTP/1.1 403"))
        #expect(try f.get("/open").status == 403)
        // Past access: static files answer a POST for a missing file with 404, as nginx's static handler.
        #expect(try f.raw("POST /open HTTP/1.0\r\nContent-Length: 0\r\n\r\n").hasPrefix("HTTP/1.1 404"))
    }

    /// A `limit_except` block with its own `proxy_pass` and `access_log` serves the other methods: those go to its
    /// backend, with the location's URI (a block's proxy_pass has no URI part), and are logged in its file.
    @Test func limitExceptWithItsOwnProxyPass() throws {
        let reads = try MockBackend(name: "reads") { r in MockResponse(text: "reads " + r.target) }
        let writes = try MockBackend(name: "writes") { r in MockResponse(text: "writes \(r.method) " + r.target) }
        defer { reads.stop(); writes.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /api/ {
                    proxy_pass http://\(reads.address)/v1/;
                    limit_except GET { proxy_pass http://\(writes.address); access_log logs/writes.log; }
                }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/api/x").text == "reads /v1/x")
        let posted = try f.raw("POST /api/x HTTP/1.0\r\nContent-Length: 0\r\n\r\n")
        #expect(posted.hasSuffix("writes POST /api/x"), "\(posted)")
        let log = f.logFile("logs/writes.log", containing: "POST /api/x")
        #expect(log.contains("POST /api/x") && !log.contains("GET /api/x"), "\(log)")
    }

    /// The status pages are kept to operators like any location: stub_status, upstream_status and
    /// jvm_route_status answer the allowed network and refuse the rest, with the forwarded client deciding
    /// behind a trusted balancer.
    @Test func statusPagesAreRestricted() throws {
        let f = try Fixture(http: """
            upstream app { jvm_route $cookie_JSESSIONID reverse; server 127.0.0.1:9 srun_id=tomcat1; }
            server {
                listen 127.0.0.1:PORT;
                set_real_ip_from 127.0.0.1;
                allow 10.0.0.0/8;
                deny all;
                location /basic { stub_status; }
                location /upstreams { upstream_status; }
                location /jvm { jvm_route_status app; }
            }
            """)
        defer { f.proxy.stop() }
        for page in ["/basic", "/upstreams", "/jvm"] {
            #expect(try f.get(page).status == 403, "\(page) from 127.0.0.1")
            #expect(try f.get(page, headers: ["X-Real-IP": "192.0.2.1"]).status == 403, "\(page) from 192.0.2.1")
            let operatorView = try f.get(page, headers: ["X-Real-IP": "10.1.2.3"])
            #expect(operatorView.status == 200, "\(page) from 10.1.2.3")
            #expect(!operatorView.text.isEmpty)
        }
    }

    /// With the peer trusted, the header's address is `$remote_addr` for the server phase on (nginx's
    /// post-read), for allow/deny and for what goes upstream; `$realip_remote_addr` keeps the peer.
    @Test func realIPFromHeaders() throws {
        let backend = try MockBackend(name: "b1") { req in
            MockResponse(text: req.header("X-Forwarded-For") ?? "-")
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            set_real_ip_from 127.0.0.1;
            server {
                listen 127.0.0.1:PORT;
                add_header X-IP $remote_addr;
                add_header X-Real $realip_remote_addr;
                add_header X-Port "[$remote_port]";
                location / { return 200 "$remote_addr"; }
                # A location's realip runs after its rewrite phase (nginx's pre-access): `return` still sees the peer.
                location /xff { real_ip_header X-Forwarded-For; proxy_pass http://\(backend.address); }
                location /xff-return { real_ip_header X-Forwarded-For; return 200 "$remote_addr"; }
                location /deny { real_ip_header X-Forwarded-For; deny 192.0.2.0/24; return 200; }
                location /denied { real_ip_header X-Forwarded-For; deny 192.0.2.0/24; }
                location /up {
                    real_ip_header X-Forwarded-For;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    proxy_pass http://\(backend.address);
                }
            }
            """)
        defer { f.proxy.stop() }
        let plain = try f.get("/")
        #expect(plain.text == "127.0.0.1")
        let real = try f.get("/", headers: ["X-Real-IP": "192.0.2.7"])
        #expect(real.text == "192.0.2.7")
        #expect(real.header("X-Real") == "127.0.0.1")
        #expect(real.header("X-Port") == "[]")
        #expect(try f.get("/xff", headers: ["X-Forwarded-For": "10.0.0.1, 192.0.2.8"]).header("X-IP") == "192.0.2.8")
        #expect(try f.get("/xff-return", headers: ["X-Forwarded-For": "192.0.2.8"]).text == "127.0.0.1")
        #expect(try f.get("/denied", headers: ["X-Forwarded-For": "192.0.2.8"]).status == 403)
        #expect(try f.get("/denied", headers: ["X-Forwarded-For": "198.51.100.1"]).status == 404)
        #expect(try f.get("/up", headers: ["X-Forwarded-For": "192.0.2.9"]).text == "192.0.2.9, 192.0.2.9")
    }

    /// `$proxy_add_x_forwarded_for` carries every X-Forwarded-For line the client sent, joined with ", ", then the
    /// client's address (nginx 1.22): the peer, or with realip the address taken from the last line.
    @Test func everyForwardedForLineIsPassedOn() throws {
        let backend = try MockBackend(name: "b1") { req in
            MockResponse(text: req.header("X-Forwarded-For") ?? "-")
        }
        defer { backend.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                location / { proxy_pass http://\(backend.address); }
                location /real { set_real_ip_from 127.0.0.1; real_ip_header X-Forwarded-For; proxy_pass http://\(backend.address); }
            }
            """)
        defer { f.proxy.stop() }
        func forwarded(_ path: String, _ lines: [String]) throws -> String {
            let fields = lines.map { "X-Forwarded-For: \($0)\r\n" }.joined()
            let r = Substring(try f.raw("GET \(path) HTTP/1.1\r\nHost: h\r\n\(fields)Connection: close\r\n\r\n"))
            return String(r[r.range(of: "\r\n\r\n")!.upperBound...])
        }
        #expect(try forwarded("/", ["1.1.1.1", "2.2.2.2"]) == "1.1.1.1, 2.2.2.2, 127.0.0.1")
        #expect(try forwarded("/", ["1.1.1.1, 3.3.3.3", "2.2.2.2"]) == "1.1.1.1, 3.3.3.3, 2.2.2.2, 127.0.0.1")
        #expect(try forwarded("/", ["1.1.1.1"]) == "1.1.1.1, 127.0.0.1")
        #expect(try forwarded("/", []) == "127.0.0.1")
        #expect(try forwarded("/real", ["1.1.1.1", "2.2.2.2"]) == "1.1.1.1, 2.2.2.2, 2.2.2.2")
    }

    /// An untrusted peer's header is ignored.
    @Test func untrustedPeerKeepsItsAddress() throws {
        let f = try Fixture(http: """
            set_real_ip_from 10.0.0.0/8;
            server { listen 127.0.0.1:PORT; location / { return 200 "$remote_addr"; } }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/", headers: ["X-Real-IP": "192.0.2.7"]).text == "127.0.0.1")
    }
}

/// `split_clients` and `geo` end to end, and the hash against nginx's own distribution.
@Suite(.serialized) struct VariableBlockTests {
    /// nginx's split_clients.t: `$connection` 1…20 over 51.2% / 10% / * gives 12 / 2 / 6.
    @Test func murmurHashSplitsAsNginx() {
        let b1 = UInt32(UInt64(5120) * 0xffff_ffff / 10000)
        let b2 = b1 + UInt32(UInt64(1000) * 0xffff_ffff / 10000)
        var counts = [0, 0, 0]
        for n in 1...20 {
            let h = MurmurHash2.hash(Array(String(n).utf8))
            counts[h < b1 ? 0 : h < b2 ? 1 : 2] += 1
        }
        #expect(counts == [12, 2, 6])
        #expect(MurmurHash2.hash([]) == 0)
    }

    @Test func splitClientsAndGeoVariables() throws {
        let f = try Fixture(http: """
            split_clients "$arg_k" $variant { 50% a; * b; }
            geo $geo { default world; 127.0.0.0/8 loopback; 192.0.2.0/24 test; }
            geo $arg_ip $from_arg { default none; 192.0.2.0/24 test; 192.0.2.128/25 half; }
            geo $via_proxy { default none; proxy 127.0.0.1; 192.0.2.0/24 test; 127.0.0.0/8 lo; }
            geo $arg_ip $ranged { ranges; default none; 10.0.0.0-10.0.0.255 r1; 10.0.0.128-10.0.0.200 r2; }
            server {
                listen 127.0.0.1:PORT;
                location / { return 200 "$variant $geo $from_arg $via_proxy $ranged"; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/?ip=192.0.2.1").text.hasSuffix(" loopback test lo none"))
        #expect(try f.get("/?ip=192.0.2.200").text.hasSuffix(" loopback half lo none"))
        #expect(try f.get("/?ip=10.0.0.150").text.hasSuffix(" loopback none lo r2"))
        #expect(try f.get("/?ip=junk").text.hasSuffix(" loopback none lo none"))
        #expect(try f.get("/", headers: ["X-Forwarded-For": "192.0.2.5"]).text.hasSuffix(" loopback none test none"))
        // The same key always lands in the same part; different keys spread over both.
        var seen: Set<String> = []
        for k in 0..<40 {
            let first = try f.get("/?k=\(k)").text.split(separator: " ")[0]
            #expect(try f.get("/?k=\(k)").text.split(separator: " ")[0] == first)
            seen.insert(String(first))
        }
        #expect(seen == ["a", "b"])
    }
}
