import Testing

@testable import Balancing

/// What the shared tables write to memcached, under which keys, on which nodes.
@Suite struct RouteShareTests {
    private func share(ttl: Duration = .seconds(600), nodes: [String] = ["127.0.0.1:11211", "127.0.0.1:11212"]) -> RouteShare {
        let spec = RouteShareSpec(nodes: nodes)
        return RouteShare(spec: spec, nodes: MemcachedNodes(nodes), namespace: "l", name: "client_sessions", ttl: ttl)
    }

    @Test func keysNameTheTableAndTheSession() {
        let s = share()
        #expect(s.key(for: bytes("8F3A.tomcat1")) == bytes("sy:l:client_sessions:8F3A.tomcat1"))
        // Bytes memcached refuses in a key, or a key too long: the hex SHA-256, the same everywhere.
        let odd = s.key(for: bytes("a b\r\nc"))
        #expect(odd.count == 4 + 64 && odd.starts(with: bytes("sy:#")))
        #expect(odd == share().key(for: bytes("a b\r\nc")))
        #expect(MemcachedText.isValidKey(s.key(for: [UInt8](repeating: 66, count: 400))))
        #expect(s.ttlSeconds == 600)
    }

    /// Every process ranks the nodes alike; each key has two distinct nodes; keys spread over all nodes.
    @Test func replicasAreDeterministicAndSpread() {
        let names = (1...4).map { "10.0.0.\($0):11211" }
        let a = MemcachedNodes(names), b = MemcachedNodes(names)
        var first = [0, 0, 0, 0]
        for n in 0..<4000 {
            let key = bytes("sy:l:z:S\(n)")
            let r = a.replicas(forKey: key)
            #expect(r == b.replicas(forKey: key))
            #expect(r.count == 2 && r[0] != r[1])
            first[r[0]] += 1
        }
        #expect(first.allSatisfy { $0 > 800 }, "\(first)")
        #expect(MemcachedNodes(["127.0.0.1:11211"]).replicas(forKey: bytes("k")) == [0], "one node holds everything")
    }

    @Test func downAndUpAreReportedOnce() {
        let nodes = MemcachedNodes(["a:1", "b:2"])
        #expect(nodes.noteDown(1))
        #expect(!nodes.noteDown(1), "a second worker seeing it does not log again")
        #expect(nodes.isDown(1) && !nodes.isDown(0))
        #expect(!nodes.noteUp(0))
        #expect(nodes.noteUp(1))
        #expect(!nodes.noteUp(1))
    }

    /// Learning writes; a route adopted from memcached does not go back; a route in use is written again
    /// once half its lifetime has passed.
    @Test func learnTableWrites() {
        let s = share(ttl: .seconds(600))
        let table = StickyLearnTable(name: "client_sessions", capacity: 100, timeout: .seconds(600), share: s)
        table.learn(bytes("A"), address: "127.0.0.1:8081", now: .seconds(1))
        table.adopt(bytes("B")[...], address: "127.0.0.1:8082", now: .seconds(1))
        #expect(table.lookup(bytes("B"), now: .seconds(2)) == "127.0.0.1:8082")
        #expect(s.takeWrites() == [.set(key: bytes("sy:l:client_sessions:A"), value: bytes("127.0.0.1:8081"))])
        #expect(!s.hasWrites && s.takeWrites().isEmpty)
        #expect(table.lookup(bytes("A"), now: .seconds(200)) != nil)
        #expect(!s.hasWrites, "200 s of a 600 s lifetime: not yet")
        #expect(table.lookup(bytes("A"), now: .seconds(302)) != nil)
        #expect(s.takeWrites() == [.set(key: bytes("sy:l:client_sessions:A"), value: bytes("127.0.0.1:8081"))])
    }

    @Test func failbackTableWritesMovesAndForgets() {
        let spec = RouteShareSpec(nodes: ["127.0.0.1:11211"])
        let s = RouteShare(spec: spec, nodes: MemcachedNodes(spec.nodes), namespace: "f", name: "tomcat-lb", ttl: .seconds(1800))
        let table = FailbackTable(capacity: 100, timeout: .seconds(1800), share: s)
        let session = bytes("M.tomcat1")[...]
        table.record(session, standIn: StableHash.hash64("127.0.0.1:8091".utf8), address: "127.0.0.1:8091", now: .seconds(1))
        #expect(s.takeWrites() == [.set(key: bytes("sy:f:tomcat-lb:M.tomcat1"), value: bytes("127.0.0.1:8091"))])
        #expect(table.forget(session))
        #expect(s.takeWrites() == [.delete(key: bytes("sy:f:tomcat-lb:M.tomcat1"))])
        // Adopted from memcached: found by its address's hash, as a local record would be; nothing written back.
        table.adopt(session, address: "127.0.0.1:8091", now: .seconds(5))
        #expect(table.standIn(for: session, now: .seconds(6)) == StableHash.hash64("127.0.0.1:8091".utf8))
        #expect(!s.hasWrites)
    }

    /// A move StickyRoute records is written as the stand-in's address, which every instance hashes alike.
    @Test func aMoveTheBalancerRecordsIsWritten() {
        let cluster = Cluster()
        let spec = RouteShareSpec(nodes: ["127.0.0.1:11211"])
        let s = RouteShare(spec: spec, nodes: MemcachedNodes(spec.nodes), namespace: "f", name: "lb", ttl: .seconds(1800))
        let table = FailbackTable(capacity: 100, timeout: .seconds(1800), share: s)
        cluster.kill(0, at: .seconds(100))
        var lb = StickyRoute(inner: RoundRobin(health: cluster.health), binding: .routes(cluster.table), failback: table)
        let standIn = pickOnce(&lb, Cluster.session("M.tomcat1"), at: .seconds(101))!
        #expect(standIn.role == .fallback)
        let address = cluster.health.peers[standIn.peer.index].address
        #expect(s.takeWrites() == [.set(key: bytes("sy:f:lb:M.tomcat1"), value: bytes(address))])
    }

    /// Without `share=` the tables write nothing anywhere (and the factory keeps a table only with the same link).
    @Test func aTableIsKeptAcrossAReloadOnlyWithTheSameShare() throws {
        let cluster = Cluster()
        let learn = StickySpec.Learn(zoneName: "z", zoneBytes: 1 << 20, timeout: .seconds(600))
        let first = try BalancerFactory(kind: .roundRobin, affinity: .sticky(StickySpec(method: .learn(learn))),
                                        health: cluster.health)
        let same = try BalancerFactory(kind: .roundRobin, affinity: .sticky(StickySpec(method: .learn(learn))),
                                       health: cluster.health, learnTable: first.learnTable)
        #expect(same.learnTable === first.learnTable)
        let shared = try BalancerFactory(kind: .roundRobin, affinity: .sticky(StickySpec(method: .learn(learn))),
                                         health: cluster.health, learnTable: first.learnTable, share: share())
        #expect(shared.learnTable !== first.learnTable)
        #expect(shared.learnTable?.share != nil)
    }
}
