import Glibc
import SwitchyardTestSupport
import Testing

/// TLS on the client side (`listen … ssl`): handshakes, SNI, sessions, plain HTTP on the TLS port, broken
/// handshakes, client certificates, and certificate errors at load and reload. Certificates are made per suite
/// with `openssl`; the client is Python's ssl module (TLSTestKit).
@Suite(.serialized) struct TLSTests {
    let kit: TLSTestKit

    init() throws { kit = try TLSTestKit() }

    /// Two servers on one TLS address: `localhost` (RSA and ECDSA certificates) and `ec.test` (ECDSA only).
    func twoServers(_ extra: String = "", backend: String? = nil, http: String = "") throws -> Fixture {
        try Fixture(http: """
            \(http)
            server {
                listen 127.0.0.1:PORT ssl;
                server_name localhost;
                ssl_certificate \(kit.path("rsa.crt"));
                ssl_certificate_key \(kit.path("rsa.key"));
                ssl_certificate \(kit.path("ec.crt"));
                ssl_certificate_key \(kit.path("ec.key"));
                \(extra)
                location / { return 200 "localhost $scheme $https $ssl_protocol $ssl_server_name $ssl_session_reused"; }
                location /static/ { root \(kit.dir); }
                \(backend.map { "location /proxy/ { proxy_pass http://\($0)/; }" } ?? "")
            }
            server {
                listen 127.0.0.1:PORT ssl;
                server_name ec.test;
                ssl_certificate \(kit.path("ec.crt"));
                ssl_certificate_key \(kit.path("ec.key"));
                error_page 497 https://$host:PORT$request_uri;
                location / { return 200 "ec.test $ssl_server_name"; }
            }
            """)
    }

    @Test func handshakesWithTLS12AndTLS13AndShowsTheVariables() throws {
        defer { kit.remove() }
        let f = try twoServers()
        defer { f.proxy.stop() }
        for (version, name) in [("1.2", "TLSv1.2"), ("1.3", "TLSv1.3")] {
            let c = try kit.connect(port: f.port, tls: version, alpn: ["h2", "http/1.1"])[0]
            #expect(c.error == "")
            #expect(c.version == name)
            #expect(c.alpn == "http/1.1")   // HTTP/2 is not offered
            #expect(c.status == 200)
            #expect(c.body == "localhost https on \(name) localhost .")
        }
        // An RSA-only client gets the RSA certificate of the pair.
        let rsa = try kit.connect(port: f.port, tls: "1.2", ciphers: "ECDHE-RSA-AES128-GCM-SHA256")[0]
        #expect(rsa.cipher == "ECDHE-RSA-AES128-GCM-SHA256")
        #expect(rsa.status == 200)
    }

    /// `$ssl_curve` is the key exchange's group by nginx's name, `$ssl_curves` the client's offer.
    @Test func curveVariablesNameTheGroups() throws {
        defer { kit.remove() }
        let f = try twoServers("ssl_ecdh_curve prime256v1; location /curve { return 200 \"$ssl_curve|$ssl_curves\"; }")
        defer { f.proxy.stop() }
        let c = try kit.connect(port: f.port, request: "GET /curve HTTP/1.0\r\nHost: localhost\r\n\r\n")[0]
        let parts = c.body.split(separator: "|").map(String.init)
        #expect(parts.first == "prime256v1")
        #expect(parts.count == 2 && parts[1].split(separator: ":").contains("prime256v1") && parts[1].contains("X25519"), "\(c.body)")
    }

    @Test func sniChoosesTheServerBlockAndItsCertificate() throws {
        defer { kit.remove() }
        let f = try twoServers()
        defer { f.proxy.stop() }
        let ec = try kit.connect(port: f.port, request: "GET / HTTP/1.0\r\nHost: ec.test\r\n\r\n", sni: "ec.test")[0]
        #expect(ec.subject.contains("ec.test"))
        #expect(ec.body == "ec.test ec.test")
        let none = try kit.connect(port: f.port, sni: nil, tls: "1.2", ciphers: "ECDHE-RSA-AES128-GCM-SHA256")[0]
        #expect(none.subject.contains("localhost"))   // no SNI: the address's default server
        #expect(none.body == "localhost https on TLSv1.2  .")
    }

    @Test func sessionsResumeByCacheAndByTicket() throws {
        defer { kit.remove() }
        // The cache alone (tickets off), TLS 1.2.
        let cache = try twoServers("ssl_session_cache shared:SSL:1m; ssl_session_tickets off;")
        let byCache = try kit.connect(port: cache.port, tls: "1.2", connections: 2, resume: true)
        cache.proxy.stop()
        #expect(byCache.map(\.reused) == [false, true])
        #expect(byCache[1].body.hasSuffix(" r"))
        // Tickets with keys from files, TLS 1.2 and 1.3, no cache.
        let tickets = try twoServers("ssl_session_ticket_key \(kit.path("ticket1.key")); ssl_session_ticket_key \(kit.path("ticket2.key"));")
        defer { tickets.proxy.stop() }
        for version in ["1.2", "1.3"] {
            let r = try kit.connect(port: tickets.port, tls: version, connections: 2, resume: true)
            #expect(r.map(\.reused) == [false, true], "TLS \(version)")
        }
    }

    @Test func plainHTTPToTheTLSPortGets400OrItsErrorPage() throws {
        defer { kit.remove() }
        let f = try twoServers()
        defer { f.proxy.stop() }
        let c = try f.client()
        try c.send("GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let r = try c.readResponse()
        #expect(r.status == 400)
        #expect(r.text.contains("The plain HTTP request was sent to HTTPS port"))
        #expect(c.isClosedByPeer())
        let redirected = try TestClient.get(port: f.port, "/x?a=1", host: "ec.test")
        #expect(redirected.status == 302)
        #expect(redirected.header("Location") == "https://ec.test:\(f.port)/x?a=1")
        #expect(f.errorLog().contains("client sent plain HTTP request to HTTPS port"))
    }

    @Test func brokenHandshakesCloseWithoutHarmToOthers() throws {
        defer { kit.remove() }
        let f = try twoServers()
        defer { f.proxy.stop() }
        // Garbage that starts like a TLS record, then a ClientHello cut short and closed.
        let garbage = try f.client()
        try garbage.send([0x16, 0x03, 0x01, 0x00, 0x05, 0xff, 0, 0, 1, 0])   // a handshake message of no known type
        #expect((try? garbage.readResponse()) == nil)   // an alert and the end, never an HTTP answer
        let truncated = try f.client()
        try truncated.send([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])
        Glibc.shutdown(truncated.fd, Int32(SHUT_WR))
        #expect(truncated.isClosedByPeer())
        let ok = try kit.connect(port: f.port)[0]
        #expect(ok.status == 200)
        #expect(f.errorLog().contains("SSL_do_handshake() failed"))
    }

    @Test func aStalledHandshakeIsBoundedByClientHeaderTimeout() throws {
        defer { kit.remove() }
        // The head queue's timeout is http-wide, so the served client below is bound by it too: it gets 3 s for
        // its handshake and request (a Python client on a loaded machine took more than 300 ms here).
        let f = try twoServers(http: "client_header_timeout 3s;")
        defer { f.proxy.stop() }
        let silent = try f.client()   // connects, never says hello
        let partial = try f.client()
        try partial.send([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        // Served while the two stalled handshakes still hold their connections.
        #expect(try kit.connect(port: f.port)[0].status == 200)
        #expect(silent.isClosedByPeer())
        #expect(partial.isClosedByPeer())
    }

    @Test func filesAndProxiedResponsesCrossTLS() throws {
        defer { kit.remove() }
        let big = (0..<20_000).map { "line \($0)\n" }.joined()   // ~190 KB: several records and a full socket
        try TempDir.write(kit.path("static/big.txt"), big)
        let backend = try MockBackend(name: "b") { _ in MockResponse(text: big) }
        defer { backend.stop() }
        let f = try twoServers(backend: backend.address)
        defer { f.proxy.stop() }
        for path in ["/static/big.txt", "/proxy/x"] {
            let c = try kit.connect(port: f.port, request: "GET \(path) HTTP/1.0\r\nHost: localhost\r\n\r\n")[0]
            #expect(c.status == 200, "\(path)")
            #expect(c.body == big, "\(path)")
        }
        // Two keep-alive requests pipelined on one TLS connection.
        let two = try kit.connect(port: f.port, request: "GET / HTTP/1.1\r\nHost: localhost\r\n\r\nGET / HTTP/1.1\r\nHost: ec.test\r\nConnection: close\r\n\r\n")[0]
        #expect(two.response.components("HTTP/1.1 200").count == 3)   // two responses
    }

    @Test func clientCertificatesAreVerified() throws {
        defer { kit.remove() }
        let f = try twoServers("""
            ssl_verify_client optional; ssl_client_certificate \(kit.path("client-ca.crt"));
            location /who { return 200 "$ssl_client_verify $ssl_client_s_dn"; }
            location /must { if ($ssl_client_verify != SUCCESS) { return 403; } return 200 "in"; }
            """)
        defer { f.proxy.stop() }
        let with = try kit.connect(port: f.port, request: "GET /who HTTP/1.0\r\nHost: localhost\r\n\r\n", clientCert: true)[0]
        #expect(with.body == "SUCCESS CN=client")
        let without = try kit.connect(port: f.port, request: "GET /who HTTP/1.0\r\nHost: localhost\r\n\r\n")[0]
        #expect(without.body == "NONE ")
        #expect(try kit.connect(port: f.port, request: "GET /must HTTP/1.0\r\nHost: localhost\r\n\r\n")[0].status == 403)

        let required = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT ssl;
                ssl_certificate \(kit.path("rsa.crt")); ssl_certificate_key \(kit.path("rsa.key"));
                ssl_verify_client on; ssl_client_certificate \(kit.path("client-ca.crt"));
                location / { return 200 "ok"; }
            }
            """)
        defer { required.proxy.stop() }
        let refused = try kit.connect(port: required.port)[0]
        #expect(refused.status == 400)
        #expect(refused.body.contains("No required SSL certificate was sent"))
        #expect(try kit.connect(port: required.port, clientCert: true)[0].status == 200)
    }

    @Test func anEncryptedKeyLoadsWithThePasswordFile() throws {
        defer { kit.remove() }
        try TempDir.write(kit.path("passwords"), "wrong\nsecret\n")
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT ssl;
                ssl_certificate \(kit.path("rsa.crt")); ssl_certificate_key \(kit.path("rsa-encrypted.key"));
                ssl_password_file \(kit.path("passwords"));
                location / { return 200 "ok"; }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try kit.connect(port: f.port)[0].body == "ok")
    }

    /// `ssl_conf_command` applies after every other directive, as nginx applies it, and a command that takes a
    /// file finds it under the configuration's directory, as nginx resolves it (nginx's ssl_conf_command.t).
    @Test func confCommandsComeLastAndNameFilesUnderTheConfigurationsDirectory() throws {
        defer { kit.remove() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT ssl;
                ssl_protocols TLSv1.2;
                ssl_session_tickets off;
                ssl_conf_command Options SessionTicket;
                ssl_prefer_server_ciphers on;
                ssl_conf_command Options -ServerPreference;
                ssl_ciphers ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256;
                ssl_certificate \(kit.path("rsa.crt")); ssl_certificate_key \(kit.path("rsa.key"));
                ssl_conf_command Certificate override.crt;
                ssl_conf_command PrivateKey override.key;
                location / { return 200 "ok $ssl_session_reused"; }
            }
            """, files: ["conf/override.crt": try TempDir.read(kit.path("wrong.crt")),
                         "conf/override.key": try TempDir.read(kit.path("wrong.key"))])
        defer { f.proxy.stop() }
        let r = try kit.connect(port: f.port, connections: 2, resume: true,
                                ciphers: "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384")
        #expect(r.count == 2 && r.allSatisfy { $0.subject.contains("wrong.test") })   // the command's certificate
        #expect(r.map(\.reused) == [false, true])   // a ticket, though ssl_session_tickets is off
        #expect(r.first?.cipher == "ECDHE-RSA-AES128-GCM-SHA256")   // the client's order, not the server's
        // The configuration unchanged and the command's file replaced: a reload builds the context again.
        try TempDir.write(f.proxy.prefix + "/conf/override.crt", try TempDir.read(kit.path("client.crt")))
        try TempDir.write(f.proxy.prefix + "/conf/override.key", try TempDir.read(kit.path("client.key")))
        f.proxy.signal(SIGHUP)
        var swapped = false
        for _ in 0..<20 where !swapped {   // each try is a TLS client process: bounded by count
            swapped = (try? kit.connect(port: f.port))?.first?.subject.contains("CN = client") == true
            if !swapped { usleep(200_000) }
        }
        #expect(swapped)
    }

    /// `-t` on a configuration with `listen … ssl`: its stderr and exit status.
    func check(_ server: String) throws -> (Int32, String) {
        let conf = kit.path("t.conf")
        try TempDir.write(conf, "events {} http { server { listen 127.0.0.1:\(freePort()) ssl; \(server) } }\n")
        _ = mkdir(kit.dir + "/logs", 0o755)   // the default logs' directory, which -t checks as a start would
        return try ProxyProcess.run(arguments: ["-t", "-p", kit.dir, "-c", conf], prefix: kit.dir)
    }

    @Test func badCertificatesAndKeysAreEmergWithFileAndLine() throws {
        defer { kit.remove() }
        let conf = kit.path("t.conf")
        let missing = try check("ssl_certificate \(kit.path("none.crt")); ssl_certificate_key \(kit.path("rsa.key"));")
        #expect(missing.0 != 0)
        #expect(missing.1.contains("[emerg] cannot load certificate \"\(kit.path("none.crt"))\": BIO_new_file() failed"))
        #expect(missing.1.contains("in \(conf):1"))
        let mismatch = try check("ssl_certificate \(kit.path("rsa.crt")); ssl_certificate_key \(kit.path("wrong.key"));")
        #expect(mismatch.0 != 0)
        #expect(mismatch.1.contains("key values mismatch"))
        // The certificate as the directive wrote it, as nginx names it.
        // ssl_trusted_certificate is loaded without client verification too, as nginx loads it.
        let trusted = try check("ssl_certificate rsa.crt; ssl_certificate_key rsa.key; ssl_trusted_certificate \(kit.path("none.crt"));")
        #expect(trusted.0 != 0)
        #expect(trusted.1.contains("[emerg] SSL_CTX_load_verify_locations(\"\(kit.path("none.crt"))\") failed"), "\(trusted.1)")
        #expect(trusted.1.contains("in \(conf):1"))
        let noKey = try check("ssl_certificate rsa.crt;")
        #expect(noKey.1.contains("no \"ssl_certificate_key\" is defined for certificate \"rsa.crt\""))
        let noCertificate = try check("location / { return 200; }")
        #expect(noCertificate.1.contains("no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive in \(conf):1"))
        // Named at the server's `server {` line, as nginx names it, not at its `listen`.
        try TempDir.write(conf, "events {}\nhttp {\nserver {\nserver_name x;\nlisten 127.0.0.1:\(freePort()) ssl;\n}\n}\n")
        let atServer = try ProxyProcess.run(arguments: ["-t", "-p", kit.dir, "-c", conf], prefix: kit.dir)
        #expect(atServer.1.contains("no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive in \(conf):3"),
                "\(atServer.1)")
        let http2 = try check("listen 127.0.0.1:\(freePort()) ssl http2; ssl_certificate \(kit.path("rsa.crt")); ssl_certificate_key \(kit.path("rsa.key"));")
        #expect(http2.0 == 0)
        #expect(http2.1.contains("[notice] HTTP/2 is not served yet"))
    }

    @Test func aReloadWithABadCertificateKeepsTheOldConfiguration() throws {
        defer { kit.remove() }
        let f = try twoServers()
        defer { f.proxy.stop() }
        let conf = f.proxy.prefix + "/conf/nginx.conf"
        let good = f.proxy.file("conf/nginx.conf")
        try TempDir.write(conf, good.replacingOccurrences(of: kit.path("ec.key"), with: kit.path("missing.key")))
        f.proxy.signal(SIGHUP)
        #expect(eventually { f.errorLog().contains("cannot load certificate key") })
        #expect(try kit.connect(port: f.port)[0].status == 200)
        // A good reload swaps the certificate: ec.test now answers with the wrong.test certificate.
        try TempDir.write(conf, good.replacingOccurrences(of: kit.path("ec.crt"), with: kit.path("wrong.crt"))
                                    .replacingOccurrences(of: kit.path("ec.key"), with: kit.path("wrong.key")))
        f.proxy.signal(SIGHUP)
        var swapped = false
        for _ in 0..<20 where !swapped {   // each try is a TLS client process: bounded by count, not by eventually's clock
            swapped = (try? kit.connect(port: f.port, sni: "ec.test"))?.first?.subject.contains("wrong.test") == true
            if !swapped { usleep(200_000) }
        }
        #expect(swapped)
    }
}

extension String {
    /// The pieces between occurrences of `separator` (Foundation-free).
    func components(_ separator: String) -> [Substring] {
        var out: [Substring] = []
        var rest = Substring(self)
        while let r = rest.range(of: separator) { out.append(rest[..<r.lowerBound]); rest = rest[r.upperBound...] }
        out.append(rest)
        return out
    }
}
