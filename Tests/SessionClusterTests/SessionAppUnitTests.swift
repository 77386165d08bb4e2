@testable import session_app
import Testing

/// The pure parts of session-app: its command line, session ids, MSM's node placement and the memcached replies.
struct SessionAppUnitTests {
    @Test(arguments: [
        (["--port", "8081", "--jvm-route", "tomcat1"], AppOptions.Mode.local),
        (["--memcached", "n1:127.0.0.1:11211,n2:127.0.0.1:11212"], .sticky(failoverNodes: [])),
        (["--memcached", "n1:127.0.0.1:11211 n2:127.0.0.1:11212", "--sticky", "--failover-node", "n2"], .sticky(failoverNodes: ["n2"])),
        (["--memcached", "n1:127.0.0.1:11211,n2:127.0.0.1:11212", "--non-sticky"], .nonSticky(locking: .none)),
        (["--memcached", "n1:127.0.0.1:11211,n2:127.0.0.1:11212", "--non-sticky", "--locking", "auto"], .nonSticky(locking: .auto)),
    ])
    func modes(_ args: [String], _ mode: AppOptions.Mode) throws {
        #expect(try AppOptions.parse(args).mode == mode)
    }

    @Test(arguments: [
        (["--port", "0"], "invalid --port \"0\""),
        (["--port"], "--port needs a value"),
        (["--sticky"], "--sticky, --non-sticky, --failover-node and --locking need --memcached"),
        (["--memcached", "n1:localhost:11211"], "invalid memcached node \"n1:localhost:11211\" (want id:host:port with a numeric host)"),
        (["--memcached", "n1:127.0.0.1:1,n1:127.0.0.1:2"], "duplicate memcached node id \"n1\""),
        (["--memcached", "n1:127.0.0.1:1", "--failover-node", "n3"], "--failover-node \"n3\" is not a --memcached node"),
        (["--memcached", "n1:127.0.0.1:1", "--failover-node", "n1"], "--failover-node leaves no regular memcached node"),
        (["--memcached", "n1:127.0.0.1:1", "--locking", "all"], "--locking applies to --non-sticky only"),
        (["--memcached", "n1:127.0.0.1:1", "--non-sticky", "--locking", "some"], "invalid --locking \"some\" (none, all or auto)"),
        (["--ignore-pattern", "^/static/"], "unsupported --ignore-pattern \"^/static/\": use the form .*\\.(ext|ext)$ or \"\""),
        (["--jvm-route", "a b"], "invalid --jvm-route \"a b\""),
        (["--verbose"], "unknown argument \"--verbose\""),
    ])
    func badCommandLinesAreExplained(_ args: [String], _ message: String) {
        #expect(throws: AppOptions.UsageError.self) { try AppOptions.parse(args) }
        do { _ = try AppOptions.parse(args) } catch { #expect(error.description == message) }
    }

    @Test(arguments: [
        (#".*\.(png|gif|jpg|css|js)$"#, "/img/logo.png", true),
        (#".*\.(png|gif|jpg|css|js)$"#, "/app.js", true),
        (#".*\.(png|gif|jpg|css|js)$"#, "/app.json", false),
        (#".*\.(png|gif|jpg|css|js)$"#, "/logo.PNG", false),
        (#".*\.(png|gif|jpg|css|js)$"#, "/tomcat-session/", false),
        (#"^.*\.swf$"#, "/movie.swf", true),
        ("", "/a.png", false),
    ])
    func ignorePatternMatchesSuffixes(_ pattern: String, _ path: String, _ ignored: Bool) throws {
        let p = try #require(IgnorePattern(pattern))
        #expect(p.matches(Array(path.utf8)[...]) == ignored)
    }

    @Test(arguments: [
        // path, cookie → id, from cookie, path left for the app
        ("/tomcat-session/", "AB12.tomcat1", "AB12.tomcat1", true, "/tomcat-session/"),
        ("/tomcat-session/;jsessionid=CD34.tomcat2", nil, "CD34.tomcat2", false, "/tomcat-session/"),
        ("/tomcat-session/;jsessionid=CD34.tomcat2", "AB12.tomcat1", "AB12.tomcat1", true, "/tomcat-session/"),
        ("/a;jsessionid=EF56/b", nil, "EF56", false, "/a/b"),
        ("/tomcat-session/", "bad id!", nil, false, "/tomcat-session/"),
        ("/tomcat-session/", nil, nil, false, "/tomcat-session/"),
    ] as [(String, String?, String?, Bool, String)])
    func requestedSessionComesFromCookieOrURL(_ path: String, _ cookie: String?, _ id: String?, _ fromCookie: Bool,
                                              _ rest: String) {
        let r = RequestedSession.find(path: Array(path.utf8)[...], cookie: cookie.map { Array($0.utf8)[...] })
        #expect(r.id?.text == id)
        #expect(r.fromCookie == fromCookie)
        #expect(String(decoding: r.path, as: UTF8.self) == rest)
    }

    @Test func sessionIDsAreTomcatShapedAndRestampKeepsTheBase() throws {
        let id = SessionID.generate(route: "tomcat1")
        #expect(id.base.count == 32)
        #expect(id.base.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 70) })
        #expect(id.text == id.base + ".tomcat1")
        let parsed = try #require(SessionID(parsing: Array(id.text.utf8)))
        #expect(parsed == id)
        #expect(parsed.restamped(route: "tomcat2").text == id.base + ".tomcat2")
        #expect(SessionID.generate(route: nil) != SessionID.generate(route: nil))
    }

    @Test func sessionRecordsRoundTripAndRefuseForeignBytes() {
        let r = SessionRecord(base: "AB", revision: 7, hits: 6, createdSeconds: 100, accessedSeconds: 160)
        #expect(SessionRecord.decode(r.encoded(), base: "AB") == r)
        #expect(SessionRecord.decode(Array("\u{ac}\u{ed}java".utf8), base: "AB") == nil)
        #expect(r.isExpired(now: 160 + 1800, timeoutSeconds: 1800) == false)
        #expect(r.isExpired(now: 160 + 1801, timeoutSeconds: 1800))
    }

    @Test func nodePlacementFollowsMSM() {
        let two = NodePlacement(nodeCount: 2)
        let ids = (0..<64).map { _ in SessionID.generate(route: nil).base }
        for base in ids {
            let nodes = two.nonSticky(base: base)
            #expect(Set(nodes) == [0, 1], "non-sticky: primary and backup on different nodes")
            // Sticky on tomcat1 with failoverNodes="n2": n1 while it is up, n2 only when n1 is down.
            #expect(two.sticky(base: base, failover: [1], isAvailable: { _ in true }) == 0)
            #expect(two.sticky(base: base, failover: [1], isAvailable: { $0 == 1 }) == 1)
            #expect(two.sticky(base: base, failover: [1], isAvailable: { _ in false }) == nil)
        }
        // The primary is spread over the nodes (a hash of the id, the same in every process).
        #expect(Set(ids.map { two.nonSticky(base: $0)[0] }) == [0, 1])
        #expect(NodePlacement.hash("a") == 0xaf63_dc4c_8601_ec8c, "FNV-1a, the published test vector")
    }

    @Test(arguments: [
        ("END\r\n", MemcachedReply.Parse.complete(.value(nil), consumed: 5)),
        ("VALUE k 0 2\r\nhi\r\nEND\r\n", .complete(.value(Array("hi".utf8)), consumed: 22)),
        ("VALUE k 0 2\r\nhi\r\nEN", .incomplete),
        ("VALUE k 0 4\r\nhi", .incomplete),
        ("VALUE k 0 2\r\nhiXXEND\r\n", .failed("bad value framing for \"VALUE k 0 2\"")),
        ("SERVER_ERROR out of memory\r\n", .failed("SERVER_ERROR out of memory")),
        ("ERROR\r\n", .failed("ERROR")),
        ("", .incomplete),
    ])
    func getReplies(_ bytes: String, _ expected: MemcachedReply.Parse) {
        #expect(MemcachedReply.parseGet(Array(bytes.utf8)[...]) == expected)
    }

    @Test(arguments: [
        ("STORED\r\n", MemcachedReply.Parse.complete(.status("STORED"), consumed: 8)),
        ("NOT_STORED\r\nEXTRA", .complete(.status("NOT_STORED"), consumed: 12)),
        ("DELETED", .incomplete),
        ("CLIENT_ERROR bad data chunk\r\n", .failed("CLIENT_ERROR bad data chunk")),
    ])
    func statusReplies(_ bytes: String, _ expected: MemcachedReply.Parse) {
        #expect(MemcachedReply.parseStatus(Array(bytes.utf8)[...]) == expected)
    }
}
