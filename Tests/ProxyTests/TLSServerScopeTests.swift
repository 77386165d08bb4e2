import Glibc
import SwitchyardTestSupport
import Testing

/// What a TLS connection takes from which server: the password file read once (a FIFO).
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
}
