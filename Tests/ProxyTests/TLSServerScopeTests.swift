import Glibc
import SwitchyardTestSupport
import Testing

/// What a TLS connection takes from which server: the password file read once (a FIFO), and ticket keys of the
/// address's default server whatever SNI selects (nginx's session_ctx).
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
}
