import Glibc
import SwitchyardTestSupport
import Testing

/// ssl_ocsp and ssl_stapling against a real responder (`openssl ocsp -port`, started and stopped by PID): a root,
/// an intermediate that issues the client certificates (`good`, `bad` revoked) and the server's, each naming the
/// responder in its AIA extension. The responder answers for the intermediate's certificates only.
@Suite(.serialized) struct TLSOCSPTests {
    let kit: TLSTestKit
    let responderPort = freePort()

    init() throws {
        kit = try TLSTestKit()
        let script = """
            set -e
            cd '\(kit.dir)'
            mkdir -p pki
            ext() { printf '[ca]\\ndefault_ca=my\\n[my]\\nnew_certs_dir=pki\\ndatabase=pki/%s.txt\\nserial=pki/%s.srl\\ndefault_md=sha256\\npolicy=pol\\ndefault_days=2\\nx509_extensions=ext\\n[pol]\\ncommonName=supplied\\n[ext]\\nbasicConstraints=%s\\nauthorityInfoAccess=OCSP;URI:http://127.0.0.1:\(responderPort)\\n' "$1" "$1" "$2" > "pki/$1.conf"; touch "pki/$1.txt"; echo 1000 > "pki/$1.srl"; }
            ext root CA:TRUE; ext int CA:FALSE
            openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.crt -days 2 -subj /CN=ocsp-root 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -keyout int.key -out pki/int.csr -subj /CN=ocsp-int 2>/dev/null
            openssl ca -batch -config pki/root.conf -keyfile root.key -cert root.crt -in pki/int.csr -out int.crt 2>/dev/null
            for n in good bad srv; do
                openssl req -newkey rsa:2048 -nodes -keyout $n.key -out pki/$n.csr -subj /CN=$n 2>/dev/null
                openssl ca -batch -config pki/int.conf -keyfile int.key -cert int.crt -in pki/$n.csr -out $n.crt 2>/dev/null
            done
            openssl ca -config pki/int.conf -keyfile int.key -cert int.crt -revoke bad.crt 2>/dev/null
            cat int.crt root.crt > chain.crt
            cat srv.crt int.crt > srv-chain.crt
            chmod 644 *.key
            """
        try TempDir.write(kit.path("pki.sh"), script)
        let (status, err) = try TLSTestKit.run(["/bin/bash", kit.path("pki.sh")], in: kit.dir)
        if status != 0 { throw TestClientError("making the PKI failed: \(err)") }
    }

    /// `openssl ocsp` answering for the intermediate's certificates until `stop`.
    final class Responder {
        let pid: pid_t
        private var stopped = false
        init(pid: pid_t) { self.pid = pid }
        /// Once: a second kill could hit a reused PID.
        func stop() {
            if stopped { return }
            stopped = true
            kill(pid, SIGTERM)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
    }

    func startResponder() throws -> Responder {
        let pid = try Spawn.run(["/usr/bin/openssl", "ocsp", "-index", kit.path("pki/int.txt"), "-port", String(responderPort),
                                 "-rsigner", kit.path("int.crt"), "-rkey", kit.path("int.key"), "-CA", kit.path("int.crt"),
                                 "-ndays", "1"],
                                stdoutPath: kit.path("responder.out"), stderrPath: kit.path("responder.err"))
        let r = Responder(pid: pid)
        // It says so once it listens; a probe connection would hold it (it answers one connection at a time).
        guard eventually(seconds: 10, {
            ((try? TempDir.read(kit.path("responder.err"))) ?? "").contains("waiting for OCSP client connections")
        }) else {
            r.stop()
            throw TestClientError("the OCSP responder did not listen")
        }
        return r
    }

    func proxy(_ servers: String) throws -> Fixture {
        try Fixture(http: """
            ssl_certificate \(kit.path("rsa.crt")); ssl_certificate_key \(kit.path("rsa.key"));
            ssl_verify_client on; ssl_verify_depth 2;
            ssl_client_certificate \(kit.path("chain.crt"));
            \(servers)
            """)
    }

    func get(_ f: Fixture, _ cert: String, port: UInt16? = nil) throws -> TLSTestKit.Connection {
        try kit.connect(port: port ?? f.port, clientCert: true, certName: cert)[0]
    }

    @Test func aGoodCertificatePassesAndARevokedOneIsRefusedAs495() throws {
        defer { kit.remove() }
        let responder = try startResponder()
        defer { responder.stop() }
        let f = try proxy("""
            server { listen 127.0.0.1:PORT ssl; ssl_ocsp leaf; location / { return 200 "verify=$ssl_client_verify"; } }
            """)
        defer { f.proxy.stop() }
        let good = try get(f, "good")
        #expect(good.status == 200, "\(good)")
        #expect(good.body == "verify=SUCCESS")
        let bad = try get(f, "bad")
        #expect(bad.status == 400, "\(bad)")
        #expect(bad.body.contains("The SSL certificate error"))
        #expect(f.errorLog().contains("client SSL certificate verify error: certificate revoked"), "\(f.errorLog())")
    }

    @Test func aDeadResponderFailsTheCheck() throws {
        defer { kit.remove() }
        let f = try proxy("""
            server { listen 127.0.0.1:PORT ssl; ssl_ocsp leaf; ssl_ocsp_responder http://127.0.0.1:\(deadPort());
                     add_header X-Verify $ssl_client_verify always;
                     location / { return 200 ok; } }
            """)
        defer { f.proxy.stop() }
        let c = try get(f, "good")
        #expect(c.status == 400, "\(c)")
        #expect(c.response.contains("X-Verify: FAILED:certificate status request failed"), "\(c.response)")
        #expect(f.errorLog().contains("connect() to 127.0.0.1:"), "\(f.errorLog())")
    }

    /// `on` checks the intermediate too, which this responder cannot vouch for; `leaf` only the client's own.
    @Test func onChecksTheChainAndLeafOnlyTheClientCertificate() throws {
        defer { kit.remove() }
        let responder = try startResponder()
        defer { responder.stop() }
        let other = freePort()
        let f = try proxy("""
            server { listen 127.0.0.1:PORT ssl; ssl_ocsp on; location / { return 200 "$ssl_client_verify"; } }
            server { listen 127.0.0.1:\(other) ssl; ssl_ocsp leaf; location / { return 200 "$ssl_client_verify"; } }
            """)
        defer { f.proxy.stop() }
        let chain = try get(f, "good")
        #expect(chain.status == 400, "\(chain)")
        let leaf = try get(f, "good", port: other)
        #expect(leaf.status == 200, "\(leaf)")
        #expect(leaf.body == "SUCCESS")
    }

    @Test func theCacheAnswersWithoutTheResponder() throws {
        defer { kit.remove() }
        let responder = try startResponder()
        defer { responder.stop() }
        let uncached = freePort()
        let f = try proxy("""
            server { listen 127.0.0.1:PORT ssl; ssl_ocsp leaf; ssl_ocsp_cache shared:OCSP:1m;
                     location / { return 200 "$ssl_client_verify"; } }
            server { listen 127.0.0.1:\(uncached) ssl; ssl_ocsp leaf; location / { return 200 "$ssl_client_verify"; } }
            """)
        defer { f.proxy.stop() }
        #expect(try get(f, "good").body == "SUCCESS")
        responder.stop()
        let cached = try get(f, "good")
        #expect(cached.status == 200, "\(cached)")
        #expect(cached.body == "SUCCESS")
        #expect(try get(f, "good", port: uncached).status == 400)
    }

    @Test func aResponderThatIsNotHTTPIsEmergAtItsLine() throws {
        defer { kit.remove() }
        let conf = kit.path("bad.conf")
        try TempDir.write(conf, """
            events {} http { server { listen 127.0.0.1:\(freePort()) ssl;
            ssl_certificate \(kit.path("rsa.crt")); ssl_certificate_key \(kit.path("rsa.key"));
            ssl_verify_client on; ssl_client_certificate \(kit.path("chain.crt"));
            ssl_ocsp on; ssl_ocsp_responder https://127.0.0.1/;
            } }
            """)
        _ = mkdir(kit.dir + "/logs", 0o755)
        let (status, out) = try ProxyProcess.run(arguments: ["-t", "-p", kit.dir, "-c", conf], prefix: kit.dir)
        #expect(status != 0)
        #expect(out.contains("invalid URL prefix in OCSP responder \"https://127.0.0.1/\" in \"ssl_ocsp_responder\""), "\(out)")
        #expect(out.contains("in \(conf):4"))
    }

    /// ssl_stapling without a file: the first client that asks has the worker fetch the response; a later
    /// handshake gets it stapled.
    @Test func theFetchedResponseIsStapledToLaterHandshakes() throws {
        defer { kit.remove() }
        let responder = try startResponder()
        defer { responder.stop() }
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT ssl; server_name localhost;
                     ssl_certificate \(kit.path("srv-chain.crt")); ssl_certificate_key \(kit.path("srv.key"));
                     ssl_stapling on; ssl_stapling_verify on; ssl_trusted_certificate \(kit.path("chain.crt"));
                     location / { return 200 ok; } }
            """)
        defer { f.proxy.stop() }
        func status() throws -> String {
            let (_, out) = try TLSTestKit.run(["/bin/sh", "-c", "openssl s_client -status -connect 127.0.0.1:\(f.port) -servername localhost </dev/null 2>&1"],
                                              in: kit.dir, stdout: true)
            return out
        }
        let first = try status()
        #expect(first.contains("OCSP response: no response sent"), "\(first)")
        // The fetch runs after that handshake, on the worker: later handshakes staple once it has ended.
        var stapled = ""
        for _ in 0..<100 where !stapled.contains("OCSP Response Status: successful") { stapled = try status() }
        #expect(stapled.contains("Cert Status: good"), "\(stapled)\n\(f.errorLog())")
    }
}
