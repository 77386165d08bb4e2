import Glibc
import SwitchyardTestSupport
import Testing

/// `sticky cookie … sign=FILE` end to end (issue 19, part 2): values cannot be forged, they expire, keys rotate on
/// reload, and attribute values from variables cannot inject attributes.
@Suite(.serialized) struct SignedStickyCookieTests {
    static let keyA = "A-0123456789abcdef0123456789abcdef"
    static let keyB = "B-fedcba9876543210fedcba9876543210"

    private func start(_ cookie: String, keys: String = keyA, nodes: [MockBackend]) throws -> Fixture {
        try Fixture(http: SessionRoutingTests.cluster(upstreamExtra: "sticky cookie \(cookie);", nodes: nodes),
                    files: ["conf/sticky.keys": keys + "\n"])
    }

    private func nodes() throws -> [MockBackend] {
        try (1...3).map { try TomcatNode.start(name: "tomcat\($0)", route: "tomcat\($0)") }
    }

    /// The `srv` cookie a response set: its value and the whole header.
    private func srv(_ r: TestResponse) -> (value: String, header: String)? {
        guard let h = r.headers("Set-Cookie").first(where: { $0.hasPrefix("srv=") }) else { return nil }
        return (String(h.dropFirst(4).prefix { $0 != ";" }), h)
    }

    private func node(_ r: TestResponse) -> String { SessionRoutingTests.parse(r.text).node }

    @Test func aSignedCookieRoutesAndAForgedOneIsReplaced() throws {
        let nodes = try nodes()
        defer { nodes.forEach { $0.stop() } }
        let f = try start("srv path=/ sign=sticky.keys", nodes: nodes)
        defer { f.proxy.stop() }
        let first = try f.get("/")
        let cookie = try #require(srv(first))
        let owner = node(first)
        #expect(cookie.value.hasPrefix(owner + "."), "server id, expiry, MAC: \(cookie.value)")
        for _ in 0..<5 {
            let r = try f.get("/", headers: ["Cookie": "srv=\(cookie.value)"])
            #expect(node(r) == owner)
            #expect(srv(r)?.value == cookie.value, "the client's own cookie goes back, its expiry restarted")
        }
        // Another server's id under this MAC, an unsigned id, garbage: each is balanced afresh with a new cookie.
        let other = owner == "tomcat1" ? "tomcat2" : "tomcat1"
        let forged = other + cookie.value.dropFirst(owner.count)
        for bad in [forged, other, "x"] {
            let r = try f.get("/", headers: ["Cookie": "srv=\(bad)"])
            let fresh = try #require(srv(r), "no new cookie for \(bad)")
            #expect(fresh.value.hasPrefix(node(r) + "."))
        }
        let json = try f.get("/status").text
        #expect(json.contains("\"sticky_cookies_tampered\":3"), "\(json)")
        #expect(json.contains("\"sticky_cookies_expired\":0"))
        #expect(try f.get("/jvm").text.contains("signed cookies rejected: tampered: 3, expired: 0"))
    }

    @Test func anExpiredCookieIsReplacedAndCounted() throws {
        let nodes = try nodes()
        defer { nodes.forEach { $0.stop() } }
        let f = try start("srv sign=sticky.keys sign_timeout=1s", nodes: nodes)
        defer { f.proxy.stop() }
        let cookie = try #require(srv(try f.get("/")))
        // Valid for one second of wall-clock time: wait until the proxy stops accepting it.
        var replaced: TestResponse?
        #expect(eventually(seconds: 5) {
            guard let r = try? f.get("/", headers: ["Cookie": "srv=\(cookie.value)"]) else { return false }
            replaced = r
            return srv(r).map { $0.value != cookie.value } ?? false
        })
        #expect(srv(try #require(replaced))?.value != cookie.value)
        #expect(try f.get("/status").text.contains("\"sticky_cookies_expired\":1"))
    }

    /// A client kept on a stand-in while its owner is down gets its cookie signed again for the owner once it is
    /// past half its life, as the owner would have: it was sent back unchanged until it expired, and the client
    /// was then balanced afresh, its session moved a second time within one outage.
    @Test func aCookieOnAStandInIsRefreshedForItsOwner() throws {
        let nodes = try nodes()
        defer { nodes.forEach { $0.stop() } }
        let f = try start("srv sign=sticky.keys sign_timeout=4s", nodes: nodes)
        defer { f.proxy.stop() }
        let first = try f.get("/")
        let cookie = try #require(srv(first))
        let owner = node(first)
        nodes.first { $0.name == owner }!.setHandler { _ in MockResponse(dropConnection: true) }   // the owner fails
        var latest = cookie.value
        var standIns = Set<String>()
        for _ in 0..<60 where latest == cookie.value {
            let r = try f.get("/", headers: ["Cookie": "srv=\(latest)"])
            standIns.insert(node(r))
            latest = srv(r)?.value ?? latest
            usleep(100_000)
        }
        #expect(latest != cookie.value, "never refreshed")
        #expect(latest.hasPrefix(owner + "."), "the refreshed cookie names \(latest), not the owner \(owner)")
        #expect(standIns.count == 1 && !standIns.contains(owner))
    }

    /// Rotation: the new key listed first signs, the old one still verifies; once the old key leaves the file,
    /// its cookies are replaced. Each step is a reload, which reads the key file again.
    @Test func keysRotateOnReload() throws {
        let nodes = try nodes()
        defer { nodes.forEach { $0.stop() } }
        let f = try start("srv sign=sticky.keys", keys: Self.keyA, nodes: nodes)
        defer { f.proxy.stop() }
        let old = try #require(srv(try f.get("/")))
        func reload(_ keys: String, _ n: Int) throws {
            try TempDir.write(f.proxy.prefix + "/conf/sticky.keys", keys + "\n")
            f.proxy.signal(SIGHUP)
            #expect(eventually { f.errorLog().split(separator: "\n").filter { $0.contains("reconfigured") }.count >= n })
        }
        try reload(Self.keyB + "\n" + Self.keyA, 1)
        let stillValid = try f.get("/", headers: ["Cookie": "srv=\(old.value)"])
        #expect(srv(stillValid)?.value == old.value, "the old key still verifies")
        let new = try #require(srv(try f.get("/")))
        try reload(Self.keyB, 2)
        #expect(srv(try f.get("/", headers: ["Cookie": "srv=\(new.value)"]))?.value == new.value, "the new key's cookie stays")
        let replaced = srv(try f.get("/", headers: ["Cookie": "srv=\(old.value)"]))
        #expect(replaced != nil && replaced?.value != old.value, "the retired key's cookie is replaced")
    }

    /// `domain=$http_x_domain`: a value that would add `; Secure` or another attribute is left out with a [warn].
    @Test func aVariableAttributeCannotInject() throws {
        let nodes = try nodes()
        defer { nodes.forEach { $0.stop() } }
        let f = try start("srv domain=$http_x_domain path=/ httponly", nodes: nodes)
        defer { f.proxy.stop() }
        let good = try #require(srv(try f.get("/", headers: ["X-Domain": "shop.example"])))
        #expect(good.header.hasSuffix("; domain=shop.example; httponly; path=/"), "\(good.header)")
        let bad = try #require(srv(try f.get("/", headers: ["X-Domain": "shop.example;Secure"])))
        #expect(bad.header.hasSuffix("; httponly; path=/") && !bad.header.contains("domain"), "\(bad.header)")
        #expect(!bad.header.contains("Secure"))
        #expect(f.logFile("logs/error.log", containing: "[warn]").contains(
            "sticky cookie \"srv\": domain \"shop.example;Secure\" left out"))
        let empty = try #require(srv(try f.get("/")))
        #expect(!empty.header.contains("domain"), "an empty value leaves the attribute out, as in nginx")
    }

    @Test(arguments: [
        ("srv sign=missing.keys", "open() \"PREFIX/conf/missing.keys\" failed (2: No such file or directory)"),
        ("srv sign=short.keys", "the key on line 1 is shorter than 16 bytes"),
        ("srv \"path=/a;b\"", "invalid parameter \"path=/a;b\""),
        ("srv partitioned", "\"partitioned\" needs \"secure\""),
        ("srv sign_timeout=1h", "\"sign_timeout\" needs \"sign\""),
    ])
    func configurationErrors(cookie: String, message: String) throws {
        let prefix = try TempDir.make()
        try TempDir.write(prefix + "/conf/short.keys", "short\n")
        try TempDir.write(prefix + "/conf/nginx.conf", """
            events {}
            http { upstream u { server 127.0.0.1:1; sticky cookie \(cookie); } server { listen 127.0.0.1:1; location / { proxy_pass http://u; } } }
            """)
        let p = try ProxyProcess.run(arguments: ["-p", prefix, "-t"], prefix: prefix)
        #expect(p.status == 1)
        #expect(p.stderr.contains(message.replacingOccurrences(of: "PREFIX", with: prefix)), "\(p.stderr)")
        #expect(p.stderr.contains("\(prefix)/conf/nginx.conf:2"))
    }
}
