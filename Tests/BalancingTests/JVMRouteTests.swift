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

    @Test func srunIDsMustMatchWholly() throws {
        let peers = [
            PeerConfig(address("a"), route: bytes("1")), PeerConfig(address("b"), route: bytes("tomcat11")),
        ]
        let table = try JVMRouteSpec(reverse: true).routeTable(peers: peers)
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

    /// Routes longer than eight bytes that end alike, and routes that are the end of another: the packed last
    /// eight bytes only narrow the search, the whole route decides.
    @Test func longRoutesThatShareTheirEndAreTold() throws {
        let routes = ["east-tomcat1", "west-tomcat1", "tomcat1", "t1", "x-t1"]
        let peers = routes.enumerated().map { PeerConfig("10.0.2.\($0.offset + 1):8080", route: bytes($0.element)) }
        let table = try RouteTable(peers: peers, kind: "srun_id")
        for (k, route) in routes.enumerated() {
            #expect(table.peer(for: bytes(route)) == PeerID(k), "\(route)")
            let id = bytes("8F3A.\(route)")
            #expect(table.peer(for: id[5...]) == PeerID(k), "\(route) as a slice")
        }
        for unknown in ["north-tomcat1", "ast-tomcat1", "-tomcat1", "st-tomcat1", "tomcat1x"] {
            #expect(table.peer(for: bytes(unknown)) == nil, "\(unknown)")
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
            _ = try JVMRouteSpec().routeTable(peers: peers)
        }
    }

    @Test func serversWithoutSrunIDDefaultToAAndCollide() {
        let peers = [PeerConfig(address("a")), PeerConfig(address("b"))]
        #expect(
            throws: BalancingConfigError(
                "duplicate srun_id \"a\" in servers \"10.0.0.1:8080\" and \"10.0.0.2:8080\" (a server without srun_id= takes \"a\")"
            )
        ) {
            _ = try JVMRouteSpec().routeTable(peers: peers)
        }
        let one = try? JVMRouteSpec().routeTable(peers: [
            PeerConfig(address("a")), PeerConfig(address("b"), route: bytes("b")),
        ])
        #expect(one?.peer(for: bytes("a")) == PeerID(0))
    }
}
