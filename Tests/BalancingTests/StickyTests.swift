import Testing

@testable import Balancing
import Digest

@Suite struct StickyCookieTests {
    @Test func md5Vectors() {
        #expect(MD5.hex([]) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(MD5.hex(bytes("abc")) == "900150983cd24fb0d6963f7d28e17f72")
        #expect(MD5.hex(bytes("The quick brown fox jumps over the lazy dog")) == "9e107d9d372bb6826bd81d3542a419d6")
        #expect(MD5.hex(Array(repeating: UInt8(ascii: "a"), count: 1000)) == "cabe45dcc9ae5b66ba86600cca6b8ba8")
    }

    @Test func cookieValueIsTheRouteOrTheMD5OfTheAddress() {
        #expect(StickyCookie.cookieValue(for: PeerConfig("127.0.0.1:8081")) == bytes(MD5.hex(bytes("127.0.0.1:8081"))))
        #expect(StickyCookie.cookieValue(for: PeerConfig("127.0.0.1:8081", route: bytes("t1"))) == bytes("t1"))
    }

    @Test func cookieRoutesBackToItsServer() throws {
        let peers = [PeerConfig("127.0.0.1:8081"), PeerConfig("127.0.0.1:8082"), PeerConfig("127.0.0.1:8083")]
        let health = PeerHealth(peers: peers)
        let spec = StickySpec(
            method: .cookie(StickyCookie(name: "srv_id", expires: .after(.seconds(3600)), path: "/", httpOnly: true)))
        var lb = try BalancerFactory(kind: .roundRobin, affinity: .sticky(spec), health: health).make()
        let first = pickOnce(&lb, PickContext(), at: .seconds(1))!
        #expect(first.role == .balanced)  // the engine sets the cookie now
        let cookie = StickyCookie.cookieValue(for: peers[first.peer.index])
        for _ in 0..<10 {
            #expect(pickOnce(&lb, PickContext(route: cookie), at: .seconds(1)) == Pick(first.peer, .owner))
        }
    }

    /// nginx's attribute order and texts (upstream_sticky.t): `expires=` and `max-age` together, path last.
    @Test(arguments: [
        (StickyCookie(name: "srv_id"), "srv_id=V"),
        (
            StickyCookie(name: "srv_id", expires: .after(.seconds(3780)), domain: ".example.com", path: "/"),
            "srv_id=V; expires=Thu, 01-Jan-26 01:03:00 GMT; max-age=3780; domain=.example.com; path=/"
        ),
        (
            StickyCookie(name: "s", expires: .max, httpOnly: true, secure: true, sameSite: "lax"),
            "s=V; expires=Thu, 31-Dec-37 23:55:55 GMT; max-age=315360000; httponly; secure; samesite=lax"
        ),
        (
            StickyCookie(name: "s", secure: true, sameSite: "None", partitioned: true),
            "s=V; secure; samesite=None; partitioned"
        ),
    ])
    func setCookieHeader(cookie: StickyCookie, header: String) {
        // 2026-01-01 00:00:00 UTC
        let text = cookie.setCookie(for: PeerConfig("x", route: bytes("V")), unixTime: 1_767_225_600)
        #expect(String(decoding: text, as: UTF8.self) == header)
    }

    /// `ngx_http_cookie_time`: two-digit years up to 2037, four after.
    @Test(arguments: [
        (Int64(0), "Thu, 01-Jan-70 00:00:00 GMT"),
        (Int64(951_782_400), "Tue, 29-Feb-00 00:00:00 GMT"),
        (Int64(2_145_916_555), "Thu, 31-Dec-37 23:55:55 GMT"),
        (Int64(2_208_988_800), "Sun, 01-Jan-2040 00:00:00 GMT"),
    ])
    func cookieDate(_ t: Int64, _ text: String) {
        var out: [UInt8] = []
        CookieDate.append(t, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == text)
    }

    /// A domain or path that would end its attribute and start another is left out and reported, never sent.
    @Test(arguments: ["a.example;Secure", "a.example, b=1", "a example", "a\texample", "a\u{7F}", "x\r\nSet-Cookie: y=1"])
    func attributesThatWouldInjectAreDropped(_ bad: String) {
        let cookie = StickyCookie(name: "s", httpOnly: true)
        var dropped: [String] = []
        let header = cookie.setCookie(value: bytes("V"), domain: bytes(bad), path: bytes(bad), sameSite: nil,
                                      unixTime: 0, dropped: &dropped)
        #expect(String(decoding: header, as: UTF8.self) == "s=V; httponly")
        #expect(dropped == ["domain", "path"])
    }

    /// samesite from a variable: strict, lax or none as given, anything else strict (nginx), empty left out.
    @Test func sameSiteFromAVariable() {
        let cookie = StickyCookie(name: "s")
        func header(_ v: String) -> String {
            var dropped: [String] = []
            return String(decoding: cookie.setCookie(value: bytes("V"), domain: nil, path: nil, sameSite: bytes(v),
                                                     unixTime: 0, dropped: &dropped), as: UTF8.self)
        }
        #expect(header("Lax") == "s=V; samesite=Lax")
        #expect(header("none") == "s=V; samesite=none")
        #expect(header("lax; Secure") == "s=V; samesite=strict")
        #expect(header("") == "s=V")
    }

    @Test func learnZoneSizesItsTable() {
        let learn = StickySpec.Learn(zoneName: "client_sessions", zoneBytes: 1_048_576, timeout: .seconds(3600))
        #expect(learn.makeTable().capacity == 4096)
        #expect(learn.makeTable().name == "client_sessions")
    }

    @Test func stickyRouteUsesRouteParameters() throws {
        let peers = [PeerConfig(address("a"), route: bytes("a")), PeerConfig(address("b"), route: bytes("b"))]
        let spec = StickySpec(method: .route)
        var lb = try BalancerFactory(kind: .roundRobin, affinity: .sticky(spec), health: PeerHealth(peers: peers))
            .make()
        #expect(pickOnce(&lb, PickContext(route: bytes("b")), at: .seconds(1)) == Pick(PeerID(1), .owner))
        #expect(pickOnce(&lb, PickContext(route: bytes("zz")), at: .seconds(1))?.role == .balanced)
    }
}

@Suite struct StickyLearnTests {
    @Test func learnsAndLooksUp() {
        let table = StickyLearnTable(name: "z", capacity: 10)
        table.learn(bytes("S1"), address: "10.0.0.2:8080", now: .seconds(1))
        #expect(table.lookup(bytes("S1"), now: .seconds(2)) == "10.0.0.2:8080")
        #expect(table.lookup(bytes("S2"), now: .seconds(2)) == nil)
    }

    @Test func leastRecentlyUsedGoesFirstWhenFull() {
        let table = StickyLearnTable(name: "z", capacity: 3)
        for n in 1...3 { table.learn(bytes("S\(n)"), address: "p\(n)", now: .seconds(UInt64(n))) }
        _ = table.lookup(bytes("S1"), now: .seconds(4))  // S1 is now the most recent
        table.learn(bytes("S4"), address: "p4", now: .seconds(5))
        #expect(table.count == 3)
        #expect(table.lookup(bytes("S2"), now: .seconds(6)) == nil)
        #expect(table.lookup(bytes("S1"), now: .seconds(6)) == "p1")
        #expect(table.lookup(bytes("S3"), now: .seconds(6)) == "p3")
        #expect(table.lookup(bytes("S4"), now: .seconds(6)) == "p4")
        for n in 5...200 { table.learn(bytes("S\(n)"), address: "p", now: .seconds(7)) }
        #expect(table.count == 3)
    }

    @Test func unusedEntriesExpire() {
        let table = StickyLearnTable(name: "z", capacity: 10, timeout: .seconds(60))
        table.learn(bytes("S1"), address: "a", now: .seconds(0))
        #expect(table.lookup(bytes("S1"), now: .seconds(60)) == "a")  // use refreshes it
        #expect(table.lookup(bytes("S1"), now: .seconds(119)) == "a")
        #expect(table.lookup(bytes("S1"), now: .seconds(180)) == nil)
        #expect(table.count == 0)
    }

    @Test func learnedSessionsRouteAndSurviveAReload() throws {
        let peers = [PeerConfig(address("a")), PeerConfig(address("b")), PeerConfig(address("c"))]
        let spec = StickySpec(method: .learn(.init(zoneName: "s", zoneBytes: 1 << 20, timeout: .seconds(600))))
        let factory = try BalancerFactory(kind: .roundRobin, affinity: .sticky(spec), health: PeerHealth(peers: peers))
        var lb = factory.make()
        let first = pickOnce(&lb, PickContext(route: bytes("NEWSESSION")), at: .seconds(1))!
        #expect(first.role == .balanced)
        // The backend answered with Set-Cookie: JSESSIONID=NEWSESSION; the engine learns it.
        factory.learnTable!.learn(bytes("NEWSESSION"), address: peers[first.peer.index].address, now: .seconds(1))
        for _ in 0..<5 {
            #expect(pickOnce(&lb, PickContext(route: bytes("NEWSESSION")), at: .seconds(2)) == Pick(first.peer, .owner))
        }
        // Reload: server order changes, the table is handed over and still routes by address.
        let reordered = [peers[2], peers[1], peers[0]]
        let reloaded = try BalancerFactory(
            kind: .roundRobin, affinity: .sticky(spec), health: PeerHealth(peers: reordered),
            learnTable: factory.learnTable)
        var after = reloaded.make()
        let expected = reordered.firstIndex { $0.address == peers[first.peer.index].address }!
        #expect(
            pickOnce(&after, PickContext(route: bytes("NEWSESSION")), at: .seconds(3)) == Pick(PeerID(expected), .owner)
        )
    }
}
