import Balancing
import Config
import EventLoop
@testable import Proxy
import Testing

/// The runtime API's request → change mapping without sockets: paths, field checks, edits of a server list,
/// what a reload keeps, and the state file's text read back by the configuration reader.
@Suite struct APIServerEditsTests {
    static func list(_ addresses: [String]) -> ServerList {
        ServerList.merging(lines: addresses.map { (PeerConfig($0), SocketAddress.parse($0)!) }, previous: nil)
    }

    static func body(_ text: String) throws -> JSON { try JSON.parse(Array(text.utf8)) }

    @Test func pathsAreNginxPlusShape() throws {
        func target(_ uri: String, prefix: String = "/api") throws -> APITarget {
            try APITarget.parse(APITarget.segments(of: Array(uri.utf8), prefix: Array(prefix.utf8)))
        }
        #expect(try target("/api") == .versionList)
        #expect(try target("/api/") == .versionList)
        #expect(try target("/api/9") == .root)
        #expect(try target("/api/9/http/upstreams") == .upstreams)
        #expect(try target("/api/6/http/upstreams/tomcat/") == .upstream("tomcat"))
        #expect(try target("/api/9/http/upstreams/tomcat/servers") == .servers("tomcat"))
        #expect(try target("/api/9/http/upstreams/tomcat/servers/3") == .server("tomcat", id: 3))
        #expect(try target("/x/api/9/http/upstreams", prefix: "") == .upstreams)   // a regex location
        #expect(throws: APIError(404, "UnknownVersion", "unknown version")) { try target("/api/10/http") }
        #expect(throws: APIError.self) { try target("/api/9/http/upstreams/t/servers/x") }
        #expect(throws: APIError.self) { try target("/api/9/stream/upstreams") }
    }

    @Test func patchChangesOnlyTheNamedFields() throws {
        var l = Self.list(["10.0.0.1:80", "10.0.0.2:80"])
        let answer = try ServerEdits.patch(id: 1, body: Self.body(#"{"weight": 5, "max_conns": 10, "max_fails": 0, "fail_timeout": "30s", "drain": true}"#), list: &l)
        let c = l.servers[1].config
        #expect(c.weight == 5 && c.maxConns == 10 && c.maxFails == 0 && c.failTimeout == .seconds(30) && c.isDraining)
        #expect(l.servers[0].config == PeerConfig("10.0.0.1:80"))
        #expect(answer["drain"] == .bool(true) && answer["id"] == .int(1) && answer["fail_timeout"] == .string("30s"))
        // nginx Plus: `down: false` ends a drain too.
        _ = try ServerEdits.patch(id: 1, body: Self.body(#"{"down": false}"#), list: &l)
        #expect(!l.servers[1].config.isDraining && !l.servers[1].config.isDown)
    }

    @Test(arguments: [
        #"{"weight": 0}"#, #"{"weight": 1000001}"#, #"{"weight": "2"}"#, #"{"weight": 1.5}"#, #"{"max_conns": -1}"#,
        #"{"max_fails": true}"#, #"{"fail_timeout": "soon"}"#, #"{"fail_timeout": 99999999999}"#, #"{"down": 1}"#,
        #"{"drain": "yes"}"#, #"{"slow": 1}"#, #"{"weight": 2, "bogus": 1}"#, #"[1]"#, #"{"server": "10.0.0.9:80"}"#,
        #"{"id": 7}"#, #"{"route": "a b"}"#,
    ])
    func aBadFieldChangesNothing(_ text: String) throws {
        var l = Self.list(["10.0.0.1:80", "10.0.0.2:80"])
        let before = l
        #expect(throws: APIError.self) { try ServerEdits.patch(id: 0, body: Self.body(text), list: &l) }
        #expect(l == before)
    }

    @Test func addAndDelete() throws {
        var l = Self.list(["10.0.0.1:80", "10.0.0.2:80"])
        let added = try ServerEdits.add(body: Self.body(#"{"server": "10.0.0.3", "weight": 2, "route": "tomcat3"}"#), list: &l)
        #expect(added["id"] == .int(2) && added["server"] == .string("10.0.0.3:80"))
        #expect(l.servers[2].origin == nil && l.servers[2].config.route == Array("tomcat3".utf8))
        #expect(throws: APIError.self) { try ServerEdits.add(body: Self.body(#"{"weight": 2}"#), list: &l) }
        #expect(throws: APIError.self) { try ServerEdits.add(body: Self.body(#"{"server": "tomcat.example:80"}"#), list: &l) }
        #expect(throws: APIError.self) { try ServerEdits.add(body: Self.body(#"{"server": "10.0.0.4:80", "id": 9}"#), list: &l) }
        let left = try ServerEdits.delete(id: 0, list: &l)
        #expect(left.array?.count == 2 && l.deleted == [PeerConfig("10.0.0.1:80")])
        #expect(throws: ServerEdits.notFound()) { try ServerEdits.delete(id: 0, list: &l) }
        _ = try ServerEdits.delete(id: 1, list: &l)
        #expect(throws: APIError.self) { try ServerEdits.delete(id: 2, list: &l) }   // the last one stays
        #expect(l.servers.map(\.id) == [2] && l.nextID == 3)
    }

    /// Random JSON bodies: each either changes the server within the fields' ranges or throws and changes nothing.
    @Test func anyBodyIsAppliedWhollyOrNotAtAll() throws {
        var seed: UInt64 = 42
        func next(_ n: Int) -> Int { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Int(seed >> 33) % n }
        let names = ["weight", "max_conns", "max_fails", "fail_timeout", "down", "drain", "backup", "route", "id", "server", "other"]
        let values: [JSON] = [.int(0), .int(1), .int(-1), .int(7), .int(2_000_000_000), .bool(true), .bool(false),
                              .string("10s"), .string("x"), .string(""), .null, .double(1.5), .array([]), .object([])]
        for _ in 0..<5_000 {
            var l = Self.list(["10.0.0.1:80", "10.0.0.2:80"])
            let before = l
            let body = JSON.object((0..<next(4)).map { _ in (names[next(names.count)], values[next(values.count)]) })
            do {
                _ = try ServerEdits.patch(id: 0, body: body, list: &l)
                let c = l.servers[0].config
                #expect(c.weight >= 1 && c.weight <= ServerFields.maxWeight && c.maxConns >= 0 && c.maxFails >= 0)
                #expect(l.servers[1] == before.servers[1] && l.servers.count == 2)
            } catch {
                #expect(l == before)
            }
        }
    }

    @Test func parseAddressTakesIPsOnly() {
        #expect(ServerFields.parseAddress("10.0.0.1")?.description == "10.0.0.1:80")
        #expect(ServerFields.parseAddress("10.0.0.1:8081")?.description == "10.0.0.1:8081")
        #expect(ServerFields.parseAddress("[::1]:8081")?.description == "[::1]:8081")
        #expect(ServerFields.parseAddress("::1")?.description == "[::1]:80")
        for bad in ["", "example.com", "10.0.0.1:0", "10.0.0.1:99999", "*:80", "0.0.0.0:80", "10.0.0.1:8o"] {
            #expect(ServerFields.parseAddress(bad) == nil, "\(bad)")
        }
    }

    /// A reload keeps a line's server, edits and id included, while its line stays; a changed line comes as
    /// written; a deleted line stays deleted; a server the API added stays.
    @Test func aReloadKeepsEditsOfLinesThatStay() throws {
        var l = Self.list(["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"])
        _ = try ServerEdits.patch(id: 0, body: Self.body(#"{"drain": true}"#), list: &l)
        _ = try ServerEdits.delete(id: 1, list: &l)
        _ = try ServerEdits.add(body: Self.body(#"{"server": "10.0.0.9:80"}"#), list: &l)
        let lines = [PeerConfig("10.0.0.1:80"), PeerConfig("10.0.0.2:80"), PeerConfig("10.0.0.3:80", weight: 4)]
        let merged = ServerList.merging(lines: lines.map { ($0, SocketAddress.parse($0.address)!) }, previous: l)
        #expect(merged.servers.map(\.config.address) == ["10.0.0.1:80", "10.0.0.3:80", "10.0.0.9:80"])
        #expect(merged.servers[0].id == 0 && merged.servers[0].config.isDraining)
        #expect(merged.servers[1].config.weight == 4 && merged.servers[1].id == 4)   // changed line: as written
        #expect(merged.servers[2].id == 3 && merged.servers[2].origin == nil)
        #expect(merged.deleted == [PeerConfig("10.0.0.2:80")])
    }

    /// Edits made to the old list after a reload merged it apply to the merged list as if they came after it.
    @Test func editsAfterTheMergeAreRebasedOntoIt() throws {
        let basis = Self.list(["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"])
        let lines = [PeerConfig("10.0.0.1:80"), PeerConfig("10.0.0.2:80"), PeerConfig("10.0.0.3:80", weight: 4),
                     PeerConfig("10.0.0.4:80")]
        let merged = ServerList.merging(lines: lines.map { ($0, SocketAddress.parse($0.address)!) }, previous: basis)
        #expect(merged.servers.map(\.id) == [0, 1, 3, 4])   // :3's line changed: a new server, as :4
        var edited = basis
        _ = try ServerEdits.patch(id: 0, body: Self.body(#"{"weight": 9}"#), list: &edited)
        _ = try ServerEdits.delete(id: 1, list: &edited)
        _ = try ServerEdits.patch(id: 2, body: Self.body(#"{"down": true}"#), list: &edited)   // the reload replaced it
        _ = try ServerEdits.add(body: Self.body(#"{"server": "10.0.0.9:80"}"#), list: &edited)
        let out = merged.rebased(basis: basis, edited: edited)
        #expect(out.servers.map(\.config.address) == ["10.0.0.1:80", "10.0.0.3:80", "10.0.0.4:80", "10.0.0.9:80"])
        #expect(out.servers.map(\.id) == [0, 4, 5, 3])
        #expect(out.servers[0].config.weight == 9 && out.servers[0].origin == PeerConfig("10.0.0.1:80"))
        #expect(out.servers[1].config.weight == 4 && !out.servers[1].config.isDown)   // the file's newer line
        #expect(out.deleted == [PeerConfig("10.0.0.2:80")])
        #expect(out.nextID == 6)
        // Nothing edited: the merge as it was.
        #expect(merged.rebased(basis: basis, edited: basis) == merged)
    }

    /// The state file is `server` lines the configuration reader reads back into the same list.
    @Test func theStateFileReadsBackAsTheSameServers() throws {
        var l = Self.list(["127.0.0.1:8081", "127.0.0.1:8091"])
        _ = try ServerEdits.patch(id: 0, body: Self.body(#"{"drain": true, "weight": 3, "max_conns": 7, "route": "tomcat1"}"#), list: &l)
        _ = try ServerEdits.patch(id: 1, body: Self.body(#"{"backup": true, "down": true, "fail_timeout": 5, "route": "a\"{#$b'"}"#), list: &l)
        let state = String(decoding: StateFile.text(l), as: UTF8.self)
        let conf = """
            events {}
            http { upstream u { zone u 64k; state u.state; server 127.0.0.1:1; } server { listen 127.0.0.1:1; location / { proxy_pass http://u; } } }
            """
        let config = try ConfigLoader(options: LoadOptions(prefix: "/tmp"),
                                      source: InMemoryConfigSource(["/c/nginx.conf": conf, "/c/u.state": state])).load(file: "/c/nginx.conf")
        let up = try #require(config.http?.upstreams.first)
        #expect(up.stateFile == "/c/u.state")
        #expect(up.servers.count == 2)   // the file's servers replace the seed line
        let first = up.servers[0], second = up.servers[1]
        #expect(first.weight == 3 && first.maxConns == 7 && first.drain && first.route == "tomcat1")
        #expect(second.backup && second.down && second.failTimeout == .seconds(5) && second.route == "a\"{#$b'")
        // No file yet: the block's own lines.
        let fresh = try ConfigLoader(options: LoadOptions(prefix: "/tmp"),
                                     source: InMemoryConfigSource(["/c/nginx.conf": conf])).load(file: "/c/nginx.conf")
        #expect(fresh.http?.upstreams.first?.servers.count == 1)
        // Anything but server lines in it is refused with its file and line.
        let bad = try? ConfigLoader(options: LoadOptions(prefix: "/tmp"),
                                    source: InMemoryConfigSource(["/c/nginx.conf": conf, "/c/u.state": "keepalive 4;\n"])).load(file: "/c/nginx.conf")
        #expect(bad == nil)
    }

    /// `state` is read as a file only as an upstream's directive: elsewhere (a map's key) it is a plain word.
    @Test func stateOutsideAnUpstreamIsAPlainWord() throws {
        let conf = """
            events {}
            http { map $arg_x $y { state on; default off; } server { listen 127.0.0.1:1; return 200 $y; } }
            """
        let config = try ConfigLoader(options: LoadOptions(prefix: "/tmp"),
                                      source: InMemoryConfigSource(["/c/nginx.conf": conf, "/c/on": "server 10.0.0.1;"])).load(file: "/c/nginx.conf")
        #expect(config.files.map(\.path) == ["/c/nginx.conf"])
    }
}
