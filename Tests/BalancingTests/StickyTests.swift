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
        let spec = try StickySpec(arguments: ["cookie", "srv_id", "expires=1h", "path=/", "httponly"])
        var lb = try BalancerFactory(kind: .roundRobin, affinity: .sticky(spec), health: health).make()
        let first = pickOnce(&lb, PickContext(), at: .seconds(1))!
        #expect(first.role == .balanced)  // the engine sets the cookie now
        let cookie = StickyCookie.cookieValue(for: peers[first.peer.index])
        for _ in 0..<10 {
            #expect(pickOnce(&lb, PickContext(route: cookie), at: .seconds(1)) == Pick(first.peer, .owner))
        }
    }

    @Test(arguments: [
        (["cookie", "srv_id"], "srv_id=V"),
        (
            ["cookie", "srv_id", "expires=1h", "domain=.example.com", "path=/"],
            "srv_id=V; max-age=3600; domain=.example.com; path=/"
        ),
        (
            ["cookie", "s", "expires=max", "httponly", "secure", "samesite=lax"],
            "s=V; expires=Thu, 31 Dec 2037 23:55:55 GMT; httponly; secure; samesite=lax"
        ),
    ])
    func setCookieHeader(arguments: [String], header: String) throws {
        guard case .cookie(let cookie) = try StickySpec(arguments: arguments).method else {
            Issue.record("not a cookie spec")
            return
        }
        #expect(String(decoding: cookie.setCookie(for: PeerConfig("x", route: bytes("V"))), as: UTF8.self) == header)
    }

    @Test(arguments: [
        (["cookie"], "a cookie name is required in \"sticky\" directive"),
        (["cookie", "s", "expires=soon"], "invalid parameter \"expires=soon\" in \"sticky\" directive"),
        (["cookie", "s", "samesite=maybe"], "invalid parameter \"samesite=maybe\" in \"sticky\" directive"),
        (["route"], "invalid number of arguments in \"sticky\" directive"),
        (["route", "literal"], "invalid route \"literal\" in \"sticky\" directive: a variable is required"),
        (["learn", "lookup=$cookie_x", "zone=z:1m"], "\"create\" is required in \"sticky\" directive"),
        (
            ["learn", "create=$upstream_cookie_x", "lookup=$cookie_x", "zone=z"],
            "invalid zone \"z\" in \"sticky\" directive"
        ),
        (["learn", "create=$upstream_cookie_x", "lookup=$cookie_x"], "\"zone\" is required in \"sticky\" directive"),
        (["magic"], "invalid sticky method \"magic\""),
    ])
    func specErrors(arguments: [String], message: String) {
        #expect(throws: BalancingConfigError(message)) { _ = try StickySpec(arguments: arguments) }
    }

    @Test func learnSpecParses() throws {
        let spec = try StickySpec(arguments: [
            "learn", "create=$upstream_cookie_JSESSIONID", "lookup=$cookie_JSESSIONID", "zone=client_sessions:1m",
            "timeout=1h", "header", "strict",
        ])
        #expect(spec.strict)
        guard case .learn(let learn) = spec.method else {
            Issue.record("not learn")
            return
        }
        #expect(learn.zoneName == "client_sessions" && learn.zoneBytes == 1_048_576)
        #expect(learn.timeout == .seconds(3600) && learn.header)
        #expect(learn.makeTable().capacity == 4096)
    }

    @Test func stickyRouteUsesRouteParameters() throws {
        let peers = [PeerConfig(address("a"), route: bytes("a")), PeerConfig(address("b"), route: bytes("b"))]
        let spec = try StickySpec(arguments: ["route", "$route_cookie", "$route_uri"])
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
        let spec = try StickySpec(arguments: [
            "learn", "create=$upstream_cookie_JSESSIONID", "lookup=$cookie_JSESSIONID", "zone=s:1m",
        ])
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
