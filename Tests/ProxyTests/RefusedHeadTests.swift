import Glibc
import SwitchyardTestSupport
import Testing

/// A head that cannot be read (a bad request line, a URI or a head too large) is still a request of the
/// address's default server, as in nginx: that server's `add_header … always` and error_page apply to the
/// 400 (414, 431), and its access log has the line, with what came first as `$request`.
@Suite struct RefusedHeadTests {
    @Test func theDefaultServerAnswersAndLogsIt() throws {
        let dir = try TempDir.make()
        try TempDir.write(dir + "/www/bad.html", "a page for bad requests\n")
        let pages = freePort()
        let f = try Fixture(http: """
            log_format refused '$status "$request" $request_length';
            server {
                listen 127.0.0.1:PORT;
                access_log \(dir)/access.log refused;
                add_header X-Always "yes" always;
                add_header X-Not-Always "no";
                location / { return 200 "ok"; }
            }
            server {
                listen 127.0.0.1:PORT;
                server_name other.test;
                add_header X-Other "other" always;
            }
            server {
                listen 127.0.0.1:\(pages);
                root \(dir)/www;
                error_page 400 414 /bad.html;
            }
            """)
        defer { f.proxy.stop() }
        let garbage = try f.raw("\r\nHELLO\r\n\r\n")   // empty lines before a request line are skipped
        #expect(garbage.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(garbage.contains("\r\nX-Always: yes\r\n"))
        #expect(!garbage.contains("X-Not-Always") && !garbage.contains("X-Other"))
        #expect(garbage.contains("\r\nConnection: close\r\n"))
        let long = try f.raw("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(long.hasPrefix("HTTP/1.1 414 "))
        #expect(long.contains("\r\nX-Always: yes\r\n"))
        #expect(try f.get("/").text == "ok")   // the server is as it was

        let c = try TestClient(port: pages)
        try c.send("\u{1}\u{2} nonsense\r\n\r\n")
        let page = try c.readResponse()
        #expect(page.status == 400)
        #expect(page.text == "a page for bad requests\n")

        #expect(eventually(seconds: 5) { ((try? TempDir.read(dir + "/access.log")) ?? "").contains("200 \"GET / HTTP/1.1\"") })
        let log = try TempDir.read(dir + "/access.log")
        #expect(log.contains("400 \"HELLO\" 11\n"), "\(log)")
        #expect(log.contains("414 \"GET /aaaa"), "\(log)")
    }

    /// nginx reads a head with the default server's `large_client_header_buffers` (the Host field is not known
    /// yet): another server's larger buffers do not apply to the address.
    @Test func theDefaultServersHeaderBuffersApply() throws {
        let other = freePort()
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; large_client_header_buffers 4 16k; location / { return 200 "big"; } }
            server { listen 127.0.0.1:PORT; server_name small.test; large_client_header_buffers 2 1k; }
            server { listen 127.0.0.1:\(other); location / { return 200 "default"; } }
            server { listen 127.0.0.1:\(other); server_name big.test; large_client_header_buffers 4 16k; }
            """)
        defer { f.proxy.stop() }
        let uri = "/" + String(repeating: "a", count: 12_000)
        let big = try f.get(uri)
        #expect(big.status == 200)
        #expect(big.text == "big")
        #expect(try TestClient.get(port: other, uri, host: "big.test").status == 414)   // http's 8k
        #expect(try TestClient.get(port: other, "/").text == "default")
    }

    /// `max_headers` (Debian's nginx 1.22 has it): more fields than it allows is a 400, counted with the default
    /// server's value as the other limits of a head are.
    @Test func maxHeadersCountsTheFields() throws {
        let f = try Fixture(http: """
            max_headers 3;
            server { listen 127.0.0.1:PORT; max_headers 5; location / { return 200 "ok"; } }
            server { listen 127.0.0.1:PORT; server_name few.test; max_headers 1; return 200 "few"; }
            """)
        defer { f.proxy.stop() }
        func send(_ fields: Int) throws -> String {
            let extra = (1..<fields).map { "X-Blah: \($0)\r\n" }.joined()
            return try f.raw("GET / HTTP/1.0\r\nHost: few.test\r\n\(extra)\r\n")
        }
        #expect(try send(5).hasSuffix("\r\n\r\nfew"))
        #expect(try send(6).hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(f.logFile("logs/error.log", containing: "client sent too many header lines").contains("client sent too many header lines"))
    }

    /// A PROXY protocol header that never completes is not a request: closed at client_header_timeout, with no
    /// access log line (nginx reads the header before it makes a request).
    @Test func aHalfSentProxyHeaderIsClosedUnlogged() throws {
        let dir = try TempDir.make()
        let f = try Fixture(http: """
            client_header_timeout 300ms;
            server { listen 127.0.0.1:PORT proxy_protocol; access_log \(dir)/access.log; return 200 "ok"; }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("PROXY TCP4 192.0.2.1")
        var byte: UInt8 = 0
        #expect(read(c.fd, &byte, 1) == 0)
        #expect(((try? TempDir.read(dir + "/access.log")) ?? "") == "")
    }

    /// On TLS the server SNI chose answers a head it cannot read, as nginx's request then belongs to it.
    @Test func onTLSTheServerSNIChoseAnswers() throws {
        let kit = try TLSTestKit()
        defer { kit.remove() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT ssl; server_name localhost;
                ssl_certificate \(kit.path("rsa.crt")); ssl_certificate_key \(kit.path("rsa.key"));
                add_header X-Server "default" always;
            }
            server {
                listen 127.0.0.1:PORT ssl; server_name ec.test;
                ssl_certificate \(kit.path("ec.crt")); ssl_certificate_key \(kit.path("ec.key"));
                add_header X-Server "ec" always;
            }
            """)
        defer { f.proxy.stop() }
        let named = try kit.connect(port: f.port, request: "HELLO\r\n\r\n", sni: "ec.test")
        #expect(named.first?.status == 400)
        #expect(named.first?.response.contains("\r\nX-Server: ec\r\n") == true, "\(named.first?.response ?? "")")
        let unnamed = try kit.connect(port: f.port, request: "HELLO\r\n\r\n", sni: nil)
        #expect(unnamed.first?.response.contains("\r\nX-Server: default\r\n") == true)
    }
}
