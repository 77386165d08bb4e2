import Glibc
import SwitchyardTestSupport
import Testing

/// TLS toward the upstream (`proxy_pass https://…`): the backends are switchyards with `listen … ssl` that
/// answer with what they saw (SNI, session reuse, connection number).
@Suite(.serialized) struct UpstreamTLSTests {
    let kit: TLSTestKit

    init() throws { kit = try TLSTestKit() }

    /// A TLS backend with `cert` that answers `backend <SNI> <reused> <connection>`.
    func backend(_ cert: String) throws -> Fixture {
        try Fixture(http: """
            server {
                listen 127.0.0.1:PORT ssl;
                ssl_certificate \(kit.path(cert + ".crt")); ssl_certificate_key \(kit.path(cert + ".key"));
                ssl_session_cache shared:SSL:1m;
                keepalive_timeout 60s;
                location / { return 200 "backend [$ssl_server_name] $ssl_session_reused $connection"; }
            }
            """)
    }

    @Test func proxiesToAnHTTPSBackendWithSNIAndVerification() throws {
        defer { kit.remove() }
        let good = try backend("rsa")
        defer { good.proxy.stop() }
        let f = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                location /plain { proxy_pass https://127.0.0.1:\(good.port); }
                location /sni {
                    proxy_pass https://127.0.0.1:\(good.port);
                    proxy_ssl_server_name on; proxy_ssl_name localhost;
                    proxy_ssl_verify on; proxy_ssl_trusted_certificate \(kit.path("ca.crt"));
                }
                location /wrong {
                    proxy_pass https://127.0.0.1:\(good.port);
                    proxy_ssl_name wrong.test;
                    proxy_ssl_verify on; proxy_ssl_trusted_certificate \(kit.path("ca.crt"));
                }
                location /untrusted {
                    proxy_pass https://127.0.0.1:\(good.port);
                    proxy_ssl_name localhost;
                    proxy_ssl_verify on; proxy_ssl_trusted_certificate \(kit.path("client-ca.crt"));
                }
            }
            """)
        defer { f.proxy.stop() }
        let plain = try f.get("/plain")
        #expect(plain.status == 200)
        #expect(plain.text.hasPrefix("backend [] "))   // no SNI unless proxy_ssl_server_name on
        let sni = try f.get("/sni")
        #expect(sni.status == 200)
        #expect(sni.text.hasPrefix("backend [localhost] "))
        #expect(try f.get("/wrong").status == 502)
        #expect(f.errorLog().contains("upstream SSL certificate does not match \"wrong.test\" while SSL handshaking to upstream"))
        #expect(try f.get("/untrusted").status == 502)
        #expect(f.errorLog().contains("upstream SSL certificate verify error: (21:unable to verify the first certificate) while SSL handshaking to upstream"))
    }

    @Test func anExpiredBackendCertificateFailsAndCountsForMaxFails() throws {
        defer { kit.remove() }
        let expired = try backend("expired")
        defer { expired.proxy.stop() }
        let good = try backend("rsa")
        defer { good.proxy.stop() }
        let f = try Fixture(http: """
            upstream up {
                server 127.0.0.1:\(expired.port) max_fails=1 fail_timeout=60s;
                server 127.0.0.1:\(good.port);
            }
            server {
                listen 127.0.0.1:PORT;
                location / {
                    proxy_pass https://up; proxy_ssl_name localhost;
                    proxy_ssl_verify on; proxy_ssl_trusted_certificate \(kit.path("ca.crt"));
                }
            }
            """)
        defer { f.proxy.stop() }
        for _ in 0..<4 { #expect(try f.get("/").status == 200) }   // the expired one fails once, then rests
        #expect(f.errorLog().contains("upstream SSL certificate verify error: (10:certificate has expired)"))
        #expect(f.errorLog().components("certificate has expired").count == 2)
    }

    @Test func keepsTLSConnectionsAliveAndReusesSessions() throws {
        defer { kit.remove() }
        let b = try backend("rsa")
        defer { b.proxy.stop() }
        let f = try Fixture(http: """
            upstream pooled { server 127.0.0.1:\(b.port); keepalive 4; }
            server {
                listen 127.0.0.1:PORT;
                location /pooled { proxy_pass https://pooled; proxy_http_version 1.1; proxy_set_header Connection ""; }
                location /fresh { proxy_pass https://127.0.0.1:\(b.port); proxy_ssl_protocols TLSv1.2; }
            }
            """)
        defer { f.proxy.stop() }
        let first = try f.get("/pooled").text, second = try f.get("/pooled").text
        #expect(first.split(separator: " ").last == second.split(separator: " ").last)   // one backend connection
        _ = try f.get("/fresh")
        let resumed = try f.get("/fresh").text
        #expect(resumed.split(separator: " ")[2] == "r")
    }

    /// proxy_ssl_crl: a backend whose certificate the CA revoked fails verification (502); an empty list passes.
    @Test func aRevokedBackendCertificateIsRefusedWithProxySSLCRL() throws {
        defer { kit.remove() }
        let script = """
            set -e
            cd '\(kit.dir)'
            printf '[ca]\\ndefault_ca=my\\n[my]\\ndatabase=index.txt\\ndefault_md=sha256\\ndefault_crl_days=1\\n' > ca.conf
            touch index.txt
            openssl ca -config ca.conf -keyfile ca.key -cert ca.crt -gencrl -out empty.crl 2>/dev/null
            openssl ca -config ca.conf -keyfile ca.key -cert ca.crt -revoke rsa.crt 2>/dev/null
            openssl ca -config ca.conf -keyfile ca.key -cert ca.crt -gencrl -out revoked.crl 2>/dev/null
            """
        try TempDir.write(kit.path("crl.sh"), script)
        let (status, err) = try TLSTestKit.run(["/bin/bash", kit.path("crl.sh")], in: kit.dir)
        #expect(status == 0, "\(err)")
        let b = try backend("rsa")
        defer { b.proxy.stop() }
        let f = try Fixture(http: """
            proxy_ssl_verify on; proxy_ssl_trusted_certificate \(kit.path("ca.crt")); proxy_ssl_name localhost;
            proxy_ssl_crl \(kit.path("revoked.crl"));
            server {
                listen 127.0.0.1:PORT;
                location /revoked { proxy_pass https://127.0.0.1:\(b.port); }
                location /empty { proxy_pass https://127.0.0.1:\(b.port); proxy_ssl_crl \(kit.path("empty.crl")); }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/empty").status == 200)
        #expect(try f.get("/revoked").status == 502)
        #expect(f.errorLog().contains("upstream SSL certificate verify error: (23:certificate revoked)"))
    }

    /// proxy_ssl_certificate / _key with variables (nginx 1.21.0): the pair is chosen per upstream connection,
    /// an empty value sends none, and `proxy_ssl_certificate ""` cancels a certificate set above. No session is
    /// resumed there: it would carry another request's certificate.
    @Test func theClientCertificateIsChosenByVariablesOrLeftOut() throws {
        defer { kit.remove() }
        let b = try Fixture(http: """
            server {
                listen 127.0.0.1:PORT ssl;
                ssl_certificate \(kit.path("rsa.crt")); ssl_certificate_key \(kit.path("rsa.key"));
                ssl_verify_client optional_no_ca; ssl_trusted_certificate \(kit.path("client-ca.crt"));
                ssl_session_cache shared:SSL:1m;
                location / { return 200 "$ssl_client_verify $ssl_client_s_dn"; }
                location ~ /reused$ { return 200 "$ssl_session_reused"; }
            }
            """)
        defer { b.proxy.stop() }
        let f = try Fixture(http: """
            map $arg_c $client_cert { default ""; client \(kit.path("client.crt")); self \(kit.path("self.crt")); }
            map $arg_c $client_key { default ""; client \(kit.path("client.key")); self \(kit.path("self.key")); }
            server {
                listen 127.0.0.1:PORT;
                location /vars {
                    proxy_pass https://127.0.0.1:\(b.port);
                    proxy_ssl_certificate $client_cert; proxy_ssl_certificate_key $client_key;
                }
                location /fixed {
                    proxy_pass https://127.0.0.1:\(b.port);
                    proxy_ssl_certificate \(kit.path("client.crt")); proxy_ssl_certificate_key \(kit.path("client.key"));
                    location /fixed/cancel { proxy_pass https://127.0.0.1:\(b.port); proxy_ssl_certificate ""; proxy_ssl_certificate_key ""; }
                }
            }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/vars?c=client").text == "SUCCESS CN=client")
        #expect(try f.get("/vars?c=self").text == "FAILED:self-signed certificate CN=localhost")
        #expect(try f.get("/vars").text == "NONE ")
        #expect(try f.get("/fixed").text == "SUCCESS CN=client")
        #expect(try f.get("/fixed/cancel").text == "NONE ")
        #expect(try f.get("/vars/reused?c=client").text == ".")
        #expect(try f.get("/vars/reused?c=self").text == ".")
        _ = try f.get("/fixed/reused")
        #expect(try f.get("/fixed/reused").text == "r")   // a fixed certificate's sessions are resumed as before
    }
}

extension UpstreamTLSTests {
    /// TLS clients too slow to take a large answer from an `https://` upstream cost the proxy a few buffers each,
    /// as from a plain one: the upstream is read only as fast as they take it. Each cost megabytes (10 clients:
    /// +32 MiB): one TLS read took all the upstream socket held into memory. The bound leaves room for what
    /// glibc keeps of freed memory (up to 16 MiB an arena, Server.run), which a busy machine shows.
    @Test func slowClientsOfATLSUpstreamHoldBoundedMemory() throws {
        defer { kit.remove() }
        let tls = "ssl_certificate \(kit.path("rsa.crt")); ssl_certificate_key \(kit.path("rsa.key"));"
        let tlsBackend = try Fixture(http: "server { listen 127.0.0.1:PORT ssl; \(tls) location / { root html; } }",
                                     files: ["html/big.bin": String(repeating: "x", count: 16 << 20)])
        defer { tlsBackend.proxy.stop() }
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT ssl; \(tls) location / { proxy_pass https://127.0.0.1:\(tlsBackend.port); } }
            """)
        defer { f.proxy.stop() }
        let before = residentKiB(f.proxy.pid)
        // Twenty TLS clients with small receive buffers ask for the file, read 100 bytes, and hold on for 4 s.
        let script = """
            import ssl, socket, time
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            held = []
            for i in range(20):
                raw = socket.socket(); raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                raw.connect(("127.0.0.1", \(f.port)))
                s = ctx.wrap_socket(raw, server_hostname="localhost")
                s.sendall(b"GET /big.bin HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n"); s.recv(100); held.append(s)
            print("held", flush=True)
            time.sleep(4)
            """
        let out = kit.path("slow.out")
        let pid = try Spawn.run(["/usr/bin/python3", "-c", script], stdoutPath: out, stderrPath: kit.path("slow.err"))
        defer { kill(pid, SIGKILL); var st: Int32 = 0; waitpid(pid, &st, 0) }
        #expect(eventually { ((try? TempDir.read(out)) ?? "").contains("held") }, "\((try? TempDir.read(kit.path("slow.err"))) ?? "")")
        usleep(1_500_000)   // the upstream sends until the proxy stops reading it
        let grown = residentKiB(f.proxy.pid) - before
        if ProxyProcess.residentSizeIsMeaningful {
            #expect(grown < 40 * 1024, "RSS grew by \(grown) KiB for 20 stalled clients")
        }
    }
}
