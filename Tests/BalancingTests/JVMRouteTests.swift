import Testing

@testable import Balancing

@Suite struct JVMRouteTests {
    @Test(
        arguments: [
            ("8F3AC2.tomcat1", true, "tomcat1"),
            ("8F3AC2.tomcat1", false, "8F3AC2"),
            ("a.b.c.tomcat2", true, "tomcat2"),
            ("abc.def.ghi", false, "abc"),
            ("8F3AC2", true, nil),
            ("8F3AC2.", true, nil),
            (".tomcat1", false, nil),
            ("", true, nil),
        ] as [(String, Bool, String?)])
    func routeFromSessionID(id: String, reverse: Bool, route: String?) {
        let found = SessionRoute.route(fromSessionID: bytes(id)[...], reverse: reverse).map {
            String(decoding: $0, as: UTF8.self)
        }
        #expect(found == route)
    }

    @Test(
        arguments: [
            ("/app/page;jsessionid=8F3A.tomcat1", "8F3A.tomcat1"),
            ("/app/page;JSESSIONID=8F3A.tomcat1?x=1", "8F3A.tomcat1"),
            ("/app/page;jsessionid=8F3A.tomcat1;other=1", "8F3A.tomcat1"),
            ("/app;jsessionid=AB.t2/more", "AB.t2"),
            ("/app/page?x=1&jsessionid=CD.tomcat2", "CD.tomcat2"),
            ("/app/page?JSessionId=CD.tomcat2&y=2", "CD.tomcat2"),
            ("/app/page?xjsessionid=CD.tomcat2", nil),
            ("/app/page;jsessionid=", nil),
            ("/app/page#;jsessionid=EF.t1", nil),
            ("/app/page", nil),
            ("/app;jsessionid=PATH.t1?jsessionid=QUERY.t2", "PATH.t1"),
        ] as [(String, String?)])
    func sessionIDFromURI(uri: String, id: String?) {
        let found = SessionRoute.sessionID(fromURI: bytes(uri)).map { String(decoding: $0, as: UTF8.self) }
        #expect(found == id)
    }

    @Test func customSessionURLName() throws {
        let spec = try JVMRouteSpec(arguments: ["$cookie_JSESSIONID|sid", "reverse"])
        #expect(spec.cookieVariable == "$cookie_JSESSIONID")
        #expect(spec.reverse)
        #expect(spec.sessionID(cookie: nil, uri: bytes("/a;SID=X.t1")).map(Array.init) == bytes("X.t1"))
        #expect(spec.sessionID(cookie: bytes("C.t2"), uri: bytes("/a;sid=X.t1")).map(Array.init) == bytes("C.t2"))
        #expect(spec.sessionID(cookie: [], uri: bytes("/a;sid=X.t1")).map(Array.init) == bytes("X.t1"))
    }

    @Test(
        arguments: [
            (["$cookie_JSESSIONID"], nil),
            (["$cookie_JSESSIONID", "reverse"], nil),
            (["$cookie_JSESSIONID|sessionid"], nil),
            ([], "invalid number of arguments in \"jvm_route\" directive"),
            (["$cookie_JSESSIONID", "reverse", "x"], "invalid number of arguments in \"jvm_route\" directive"),
            (["$cookie_JSESSIONID", "backwards"], "invalid parameter \"backwards\" in \"jvm_route\" directive"),
            (["cookie_JSESSIONID"], "invalid variable \"cookie_JSESSIONID\" in \"jvm_route\" directive"),
            (["$cookie_JSESSIONID|"], "empty session_url in \"jvm_route\" directive"),
        ] as [([String], String?)])
    func directiveParsing(arguments: [String], expected: String?) {
        do {
            _ = try JVMRouteSpec(arguments: arguments)
            #expect(expected == nil)
        } catch {
            #expect(error.message == expected)
        }
    }

    @Test func srunIDsMustMatchWholly() throws {
        let peers = [
            PeerConfig(address("a"), route: bytes("1")), PeerConfig(address("b"), route: bytes("tomcat11")),
        ]
        let table = try JVMRouteSpec(cookieVariable: "$cookie_JSESSIONID", reverse: true).routeTable(peers: peers)
        #expect(table.peer(for: bytes("tomcat11")) == PeerID(1))
        #expect(table.peer(for: bytes("1")) == PeerID(0))
        #expect(table.peer(for: bytes("11")) == nil)
        #expect(
            table.warnings == [
                "srun_id \"1\" of server \"10.0.0.1:8080\" is a suffix of srun_id \"tomcat11\" of server \"10.0.0.2:8080\"; "
                    + "switchyard matches whole routes, nginx-upstream-jvm-route would confuse them"
            ])
    }

    /// Small tables compare routes in place, large ones hash: both give the same answers, slices included.
    @Test(arguments: [3, 12])
    func lookupsAgreeAtEverySize(servers: Int) throws {
        let peers = (0..<servers).map { PeerConfig("10.0.1.\($0 + 1):8080", route: bytes("tomcat\($0 + 1)")) }
        let table = try RouteTable(peers: peers, kind: "srun_id")
        for k in 0..<servers {
            #expect(table.peer(for: bytes("tomcat\(k + 1)")) == PeerID(k))
            let id = bytes("8F3A.tomcat\(k + 1)")
            #expect(table.peer(for: SessionRoute.route(fromSessionID: id[...], reverse: true)!) == PeerID(k))
        }
        for unknown in ["tomcat0", "tomcat", "omcat1", "Tomcat1", "tomcat1 ", ""] {
            #expect(table.peer(for: bytes(unknown)) == nil)
        }
    }

    @Test func prefixOverlapWarns() throws {
        let peers = [PeerConfig(address("a"), route: bytes("tom")), PeerConfig(address("b"), route: bytes("tomcat"))]
        let table = try RouteTable(peers: peers, kind: "srun_id")
        #expect(table.warnings.count == 1)
        #expect(table.warnings[0].contains("is a prefix of srun_id \"tomcat\""))
    }

    @Test func duplicateSrunIDsAreRejected() {
        let peers = [PeerConfig(address("a"), route: bytes("t1")), PeerConfig(address("b"), route: bytes("t1"))]
        #expect(
            throws: BalancingConfigError(
                "duplicate srun_id \"t1\" in servers \"10.0.0.1:8080\" and \"10.0.0.2:8080\"")
        ) {
            _ = try JVMRouteSpec(cookieVariable: "$cookie_JSESSIONID").routeTable(peers: peers)
        }
    }

    @Test func serversWithoutSrunIDDefaultToAAndCollide() {
        let peers = [PeerConfig(address("a")), PeerConfig(address("b"))]
        #expect(
            throws: BalancingConfigError(
                "duplicate srun_id \"a\" in servers \"10.0.0.1:8080\" and \"10.0.0.2:8080\" (a server without srun_id= takes \"a\")"
            )
        ) {
            _ = try JVMRouteSpec(cookieVariable: "$cookie_JSESSIONID").routeTable(peers: peers)
        }
        let one = try? JVMRouteSpec(cookieVariable: "$c").routeTable(peers: [
            PeerConfig(address("a")), PeerConfig(address("b"), route: bytes("b")),
        ])
        #expect(one?.peer(for: bytes("a")) == PeerID(0))
    }
}
