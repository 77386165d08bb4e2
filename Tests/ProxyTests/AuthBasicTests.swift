import Digest
import Glibc
import EventLoop
import SwitchyardTestSupport
import Testing

/// auth_basic, auth_basic_user_file and satisfy end to end: the real binary, an htpasswd file in the prefix.
/// The locations serve files: `return` runs in nginx's rewrite phase, before access checks, so it is never
/// protected by them (in nginx either).
@Suite(.serialized) struct AuthBasicTests {
    /// One user per format: Apache MD5, glibc SHA-512 crypt and MD5 crypt (through crypt_r), {SHA}, {SSHA},
    /// {PLAIN}; a comment line and a line without a colon are skipped.
    static let users = """
        # users
        alice:$apr1$saltsalt$yAAkm4libquA.ZWLHbSBq/
        bob:$6$somesalt$JX0Uhce8rLRHbaqoSQDYsnTxsqcjCNNcrl79ieTwPGzEhxBEeJcsgDUWIOwc3sDvZN34ZJBWQep7.lcAuSesy/:Bob
        carol:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=
        dave:{SSHA}GsvWdSHeuVA9fXbluedee1GT7udTQUxUeQ==
        erin:{PLAIN}open sesame
        frank:$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1
        not a user line

        """

    static func basic(_ user: String, _ password: String) -> [String: String] {
        ["Authorization": "Basic " + String(decoding: Base64.encode(Array("\(user):\(password)".utf8)), as: UTF8.self)]
    }

    static func fixture(_ locations: String, users: String = AuthBasicTests.users) throws -> Fixture {
        try Fixture(http: """
            server {
                listen 127.0.0.1:PORT;
                \(locations)
            }
            """, files: ["conf/htpasswd": users, "html/index.html": "page\n"])
    }

    @Test func everyFormatLetsItsUserIn() throws {
        let f = try Self.fixture("""
            location / { auth_basic "Staff only"; auth_basic_user_file htpasswd; root html; add_header X-User $remote_user; }
            """)
        defer { f.proxy.stop() }
        let good = [("alice", "password"), ("bob", "secret"), ("carol", "password"), ("dave", "secret"),
                    ("erin", "open sesame"), ("frank", "secret")]
        for (user, password) in good {
            let r = try f.get("/", headers: Self.basic(user, password))
            #expect(r.status == 200, "\(user)")
            #expect(r.header("X-User") == user)
            let wrong = try f.get("/", headers: Self.basic(user, password + "!"))
            #expect(wrong.status == 401, "\(user)")
        }
        #expect(f.logFile("logs/error.log", containing: "password mismatch").contains("user \"alice\": password mismatch"))
    }

    /// auth_delay: a 401 is held for the delay (its challenge intact), a request that passes is not; the
    /// connection stays usable after the held answer.
    @Test func authDelayHoldsTheRefusal() throws {
        let f = try Self.fixture("""
            location / { auth_basic "Staff only"; auth_basic_user_file htpasswd; auth_delay 300ms; root html; }
            """)
        defer { f.proxy.stop() }
        let c = try f.client()
        let start = Clock.monotonicNanos()
        try c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        let refused = try c.readResponse()
        #expect(Clock.monotonicNanos() - start >= 300_000_000)
        #expect(refused.status == 401 && refused.header("WWW-Authenticate") == "Basic realm=\"Staff only\"")
        let credentials = Self.basic("alice", "password")["Authorization"]!
        try c.send("GET / HTTP/1.1\r\nHost: x\r\nAuthorization: \(credentials)\r\n\r\n")
        #expect(try c.readResponse().text == "page\n")
    }

    @Test func aMissingOrUnknownUserGetsTheChallenge() throws {
        let f = try Self.fixture("""
            location / { auth_basic "Staff only"; auth_basic_user_file htpasswd; root html; }
            """)
        defer { f.proxy.stop() }
        let none = try f.get("/")
        #expect(none.status == 401)
        #expect(none.header("WWW-Authenticate") == "Basic realm=\"Staff only\"")
        let unknown = try f.get("/", headers: Self.basic("mallory", "password"))
        #expect(unknown.status == 401)
        #expect(unknown.header("WWW-Authenticate") == "Basic realm=\"Staff only\"")
        #expect(try f.get("/", headers: ["Authorization": "Basic !!!"]).status == 401)
        #expect(try f.get("/", headers: ["Authorization": "Bearer abc"]).status == 401)
        #expect(f.logFile("logs/error.log", containing: "was not found").contains("user \"mallory\" was not found in"))
    }

    @Test func theFileIsReadAgainWhenItChanges() throws {
        let f = try Self.fixture("""
            location / { auth_basic "x"; auth_basic_user_file htpasswd; root html; }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/", headers: Self.basic("erin", "open sesame")).status == 200)
        // Same length, same second: the inode and nanosecond stamp still tell the cached copy is stale.
        try TempDir.write(f.proxy.prefix + "/conf/htpasswd", Self.users.replacingOccurrences(of: "{PLAIN}open sesame", with: "{PLAIN}shut sesame"))
        #expect(try f.get("/", headers: Self.basic("erin", "open sesame")).status == 401)
        #expect(try f.get("/", headers: Self.basic("erin", "shut sesame")).status == 200)
        unlink(f.proxy.prefix + "/conf/htpasswd")
        #expect(try f.get("/", headers: Self.basic("erin", "shut sesame")).status == 403)   // nginx: ENOENT is 403
        #expect(f.errorLog().contains("htpasswd\" failed (2: No such file or directory)"))
    }

    @Test func satisfyDecidesBetweenAddressRulesAndPasswords() throws {
        let f = try Self.fixture("""
            auth_basic "x"; auth_basic_user_file htpasswd; root html;
            location /any-allowed { satisfy any; allow 127.0.0.1; deny all; alias html/index.html; }
            location /any-denied { satisfy any; deny all; alias html/index.html; }
            location /all-denied { deny all; alias html/index.html; }
            location /all-allowed { allow 127.0.0.1; deny all; alias html/index.html; }
            location /open { auth_basic off; alias html/index.html; }
            location /status { stub_status; }
            location = /metrics { metrics; }
            """)
        defer { f.proxy.stop() }
        let erin = Self.basic("erin", "open sesame")
        #expect(try f.get("/any-allowed").status == 200)                       // the address suffices
        let challenged = try f.get("/any-denied")
        #expect(challenged.status == 401)                                       // 401 before 403: a prompt
        #expect(challenged.header("WWW-Authenticate") == "Basic realm=\"x\"")
        #expect(try f.get("/any-denied", headers: erin).status == 200)          // the password suffices
        let forbidden = try f.get("/all-denied", headers: erin)
        #expect(forbidden.status == 403)                                        // both must pass
        #expect(forbidden.header("WWW-Authenticate") == nil)
        #expect(try f.get("/all-allowed").status == 401)
        #expect(try f.get("/all-allowed", headers: erin).status == 200)
        #expect(try f.get("/open").status == 200)
        // The status pages are protected like any location.
        #expect(try f.get("/status").status == 401)
        #expect(try f.get("/status", headers: erin).status == 200)
        #expect(try f.get("/metrics").status == 401)
    }

    @Test func aRealmWithVariablesAndOffAtRunTime() throws {
        let f = try Self.fixture("""
            location / { set $realm "Area $arg_a"; auth_basic $realm; auth_basic_user_file htpasswd; root html; }
            location /maybe { auth_basic $arg_realm; auth_basic_user_file htpasswd; alias html/index.html; }
            """)
        defer { f.proxy.stop() }
        #expect(try f.get("/?a=51").header("WWW-Authenticate") == "Basic realm=\"Area 51\"")
        #expect(try f.get("/maybe?realm=off").status == 200)
        #expect(try f.get("/maybe?realm=on").status == 401)
    }

    @Test func badSatisfyValueIsAConfigurationError() throws {
        let (status, stderr, file) = try ProxyProcess.test(config: """
            events {}
            http { server { listen 127.0.0.1:1; satisfy some; } }
            """)
        #expect(status != 0)
        #expect(stderr.contains("invalid value \"some\" in \"satisfy\" directive, it must be \"all\" or \"any\" in \(file):2"))
    }
}
