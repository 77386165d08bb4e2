import Config
import Glibc
@testable import Proxy
import SwitchyardTestSupport
import Testing

/// What a TLS connection takes from which server: the password file read once (a FIFO), ticket keys of the
/// address's default server whatever SNI selects (nginx's session_ctx), and the 421 when the Host names a server
/// that verifies client certificates other than the one SNI selected.
@Suite(.serialized) struct TLSServerScopeTests {
    let kit: TLSTestKit

    init() throws { kit = try TLSTestKit() }

    @Test func thePasswordFileMayBeAFIFOReadOnce() throws {
        defer { kit.remove() }
        let fifo = kit.path("password.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        // The writer blocks until the proxy opens the FIFO, and gives its line once.
        let writer = try Spawn.run(["/bin/sh", "-c", "printf 'wrong\\r\\nsecret\\r\\n' > '\(fifo)'"],
                                   stdoutPath: "/dev/null", stderrPath: "/dev/null")
        defer { kill(writer, SIGKILL); var st: Int32 = 0; waitpid(writer, &st, 0) }
        let f = try Fixture(http: """
            ssl_password_file \(fifo);
            server {
                listen 127.0.0.1:PORT ssl;
                ssl_certificate \(kit.path("rsa.crt")); ssl_certificate_key \(kit.path("rsa-encrypted.key"));
                location / { return 200 "ok"; }
            }
            server {
                listen 127.0.0.1:PORT ssl;
                server_name other;
                ssl_certificate \(kit.path("rsa.crt")); ssl_certificate_key \(kit.path("rsa-encrypted.key"));
            }
            """)
        defer { f.proxy.stop() }
        #expect(try kit.connect(port: f.port)[0].body == "ok")
    }

    @Test func ticketsAreThoseOfTheDefaultServerWhateverSNISelects() throws {
        defer { kit.remove() }
        let f = try Fixture(http: """
            ssl_certificate \(kit.path("rsa.crt")); ssl_certificate_key \(kit.path("rsa.key"));
            server {
                listen 127.0.0.1:PORT ssl;
                server_name localhost;
                ssl_session_ticket_key \(kit.path("ticket1.key"));
                location / { return 200 "default $ssl_session_reused"; }
            }
            server {
                listen 127.0.0.1:PORT ssl;
                server_name tickets;
                ssl_session_ticket_key \(kit.path("ticket2.key"));
                location / { return 200 "tickets $ssl_session_reused"; }
            }
            """)
        defer { f.proxy.stop() }
        for version in ["1.2", "1.3"] {
            let r = try kit.connect(port: f.port, request: "GET / HTTP/1.0\r\nHost: tickets\r\n\r\n", sni: "tickets",
                                    tls: version, connections: 2, resume: true)
            #expect(r.map(\.body) == ["tickets .", "tickets r"], "TLS \(version)")
        }
    }

    @Test func aHostNamingAServerThatVerifiesClientsIsMisdirected() throws {
        defer { kit.remove() }
        let f = try Fixture(http: """
            ssl_certificate \(kit.path("rsa.crt")); ssl_certificate_key \(kit.path("rsa.key"));
            server {
                listen 127.0.0.1:PORT ssl;
                server_name open;
                location / { return 200 "open"; }
            }
            server {
                listen 127.0.0.1:PORT ssl;
                server_name verifying;
                ssl_verify_client optional; ssl_client_certificate \(kit.path("client-ca.crt"));
                location / { return 200 "verifying"; }
            }
            """)
        defer { f.proxy.stop() }
        func get(host: String, sni: String?) throws -> TLSTestKit.Connection {
            try kit.connect(port: f.port, request: "GET / HTTP/1.0\r\nHost: \(host)\r\n\r\n", sni: sni)[0]
        }
        let misdirected = try get(host: "verifying", sni: "open")
        #expect(misdirected.status == 421)
        #expect(misdirected.response.contains("421 Misdirected Request"))
        #expect(f.errorLog().contains("client attempted to request the server name different from the one that was negotiated"))
        #expect(try get(host: "open", sni: "verifying").body == "open")         // the Host's server verifies nothing
        #expect(try get(host: "VERIFYING", sni: "verifying").body == "verifying")   // the same name, any case
        #expect(try get(host: "verifying", sni: "unknown").body == "verifying")  // SNI selected no server by name
        #expect(try get(host: "verifying", sni: nil).body == "verifying")
    }

    @Test func misdirectedOnlyWhenTheNamesDifferAndTheHostsServerVerifies() {
        #expect(TLSChecks.misdirected(sni: Array("a".utf8), host: Array("b".utf8), hostServerVerifies: true))
        #expect(!TLSChecks.misdirected(sni: Array("a".utf8), host: Array("b".utf8), hostServerVerifies: false))
        #expect(!TLSChecks.misdirected(sni: Array("a".utf8), host: Array("a".utf8), hostServerVerifies: true))
    }
}

/// ssl_stapling with ssl_stapling_file: the file's OCSP response goes to clients that ask for the status, per
/// server (SNI's choice); without a file nothing is stapled. The client is `openssl s_client -status`.
@Suite(.serialized) struct TLSStaplingTests {
    let kit: TLSTestKit

    init() throws { kit = try TLSTestKit() }

    /// What `openssl s_client -status` printed about the staple for `sni`.
    func status(port: UInt16, sni: String) throws -> String {
        let (_, out) = try TLSTestKit.run(["/bin/sh", "-c", "openssl s_client -status -connect 127.0.0.1:\(port) -servername \(sni) </dev/null 2>&1"],
                                          in: kit.dir, stdout: true)
        return out
    }

    @Test func theFilesResponseIsStapledByTheServerSNISelects() throws {
        defer { kit.remove() }
        let script = """
            set -e
            cd '\(kit.dir)'
            printf '[ca]\\ndefault_ca=my\\n[my]\\ndatabase=index.txt\\ndefault_md=sha256\\n' > ca.conf
            touch index.txt
            openssl ca -config ca.conf -keyfile ca.key -cert ca.crt -valid rsa.crt 2>/dev/null
            openssl ocsp -issuer ca.crt -cert rsa.crt -reqout req.der 2>/dev/null
            openssl ocsp -index index.txt -CA ca.crt -rsigner ca.crt -rkey ca.key -reqin req.der -respout resp.der -ndays 1 2>/dev/null
            """
        try TempDir.write(kit.path("ocsp.sh"), script)
        let (made, err) = try TLSTestKit.run(["/bin/bash", kit.path("ocsp.sh")], in: kit.dir)
        #expect(made == 0, "\(err)")
        let f = try Fixture(http: """
            ssl_certificate \(kit.path("rsa.crt")); ssl_certificate_key \(kit.path("rsa.key"));
            ssl_stapling on;
            server {
                listen 127.0.0.1:PORT ssl;
                server_name localhost;
                ssl_stapling_file \(kit.path("resp.der"));
            }
            server {
                listen 127.0.0.1:PORT ssl;
                server_name plain;
            }
            """)
        defer { f.proxy.stop() }
        let stapled = try status(port: f.port, sni: "localhost")
        #expect(stapled.contains("OCSP Response Status: successful"), "\(stapled)")
        #expect(stapled.contains("Cert Status: good"))
        let none = try status(port: f.port, sni: "plain")
        #expect(none.contains("OCSP response: no response sent"), "\(none)")
    }

    @Test func aFileThatIsNoOCSPResponseIsEmergAtItsLine() throws {
        defer { kit.remove() }
        let conf = kit.path("t.conf")
        try TempDir.write(conf, """
            events {} http { server { listen 127.0.0.1:\(freePort()) ssl;
            ssl_certificate \(kit.path("rsa.crt")); ssl_certificate_key \(kit.path("rsa.key"));
            ssl_stapling on;
            ssl_stapling_file \(kit.path("rsa.crt"));
            } }
            """)
        _ = mkdir(kit.dir + "/logs", 0o755)
        let (status, out) = try ProxyProcess.run(arguments: ["-t", "-p", kit.dir, "-c", conf], prefix: kit.dir)
        #expect(status != 0)
        #expect(out.contains("[emerg] d2i_OCSP_RESPONSE_bio(\"\(kit.path("rsa.crt"))\") failed"), "\(out)")
        #expect(out.contains("in \(conf):4"))
    }
}

@Suite struct TLSPasswordFileTests {
    let file = SSLFile(path: "/etc/pw", location: nil)

    @Test func oneAPasswordALineAndEmptyLinesSkipped() throws {
        #expect(try TLSFiles.passwords(Array("wrong\r\n\r\nright\n\n".utf8), of: file) == ["wrong", "right"])
        #expect(try TLSFiles.passwords(Array("only".utf8), of: file) == ["only"])
        #expect(try TLSFiles.passwords(Array("a b \n".utf8), of: file) == ["a b "])   // spaces are the password's
    }

    @Test func aFileWithNoPasswordIsAnError() {
        #expect(throws: ConfigError.self) { try TLSFiles.passwords(Array("\r\n\n".utf8), of: file) }
    }
}
