import Testing

@testable import Balancing

/// nginx's ip_hash rule written out from its documentation, independently of the module.
func referenceIPHash(_ address: [UInt8], weights: [Int], usable: (Int) -> Bool = { _ in true }) -> Int? {
    let hashed = address.count == 4 ? Array(address[0..<3]) : address.count == 16 ? address : [0, 0, 0]
    let total = weights.reduce(0, +)
    var hash = 89
    for _ in 0..<21 {
        for byte in hashed { hash = (hash * 113 + Int(byte)) % 6271 }
        var w = hash % total
        var peer = 0
        while w >= weights[peer] {
            w -= weights[peer]
            peer += 1
        }
        if usable(peer) { return peer }
    }
    return nil
}

@Suite struct IPHashTests {
    @Test func handComputedVector() {
        // 89 → (89·113+192) % 6271 = 3978 → (3978·113+168) % 6271 = 4441 → (4441·113+1) % 6271 = 154;
        // 154 % 2 = 0: the first server.
        var lb = IPHash(health: weighted([1, 1]))
        for last: UInt8 in [1, 7, 200, 255] {
            #expect(request(&lb, PickContext(clientAddress: [192, 168, 1, last])) == "a")
        }
        #expect(referenceIPHash([192, 168, 1, 9], weights: [1, 1]) == 0)
    }

    @Test(arguments: [[1, 1], [1, 1, 1], [3, 1], [2, 5, 1]])
    func matchesTheReferenceForManyClients(weights: [Int]) {
        var lb = IPHash(health: weighted(weights))
        for n in 0..<300 {
            let v4: [UInt8] = [UInt8(n % 251), UInt8(n * 7 % 256), UInt8(n / 3 % 256), 9]
            let expected = referenceIPHash(v4, weights: weights)!
            #expect(request(&lb, PickContext(clientAddress: v4)) == Character(UnicodeScalar(UInt8(97 + expected))))
            let v6: [UInt8] = (0..<16).map { UInt8(($0 * 31 + n * 17) % 256) }
            let expected6 = referenceIPHash(v6, weights: weights)!
            #expect(request(&lb, PickContext(clientAddress: v6)) == Character(UnicodeScalar(UInt8(97 + expected6))))
        }
    }

    @Test func thirtyClientsOverTwoServersSpreadAsNginxDoes() {
        var lb = IPHash(health: weighted([1, 1]))
        var seen: [Character: Int] = [:]
        var expected: [Character: Int] = [:]
        for n in 1...30 {
            let client: [UInt8] = [10, 0, UInt8(n), 1]
            seen[request(&lb, PickContext(clientAddress: client)), default: 0] += 1
            expected[Character(UnicodeScalar(UInt8(97 + referenceIPHash(client, weights: [1, 1])!))), default: 0] += 1
        }
        #expect(seen == expected)
        #expect(seen.values.allSatisfy { $0 >= 10 })
    }

    @Test func aDownServerRehashesOnlyItsOwnClients() {
        let up = weighted([1, 1, 1])
        let down = makeHealth([
            PeerConfig(address("a")), PeerConfig(address("b"), isDown: true), PeerConfig(address("c")),
        ])
        var normal = IPHash(health: up)
        var degraded = IPHash(health: down)
        for n in 0..<100 {
            let client: [UInt8] = [172, 16, UInt8(n), 4]
            let before = request(&normal, PickContext(clientAddress: client))
            let after = request(&degraded, PickContext(clientAddress: client))
            if before != "b" { #expect(after == before) }
            let reference = referenceIPHash(client, weights: [1, 1, 1]) { $0 != 1 }!
            #expect(after == Character(UnicodeScalar(UInt8(97 + reference))))
        }
    }

    @Test func theSameSlash24SharesAServerAndUnixClientsHashZeros() {
        var lb = IPHash(health: weighted([1, 1, 1, 1, 1]))
        let first = request(&lb, PickContext(clientAddress: [203, 0, 113, 1]))
        #expect(request(&lb, PickContext(clientAddress: [203, 0, 113, 250])) == first)
        let unix = request(&lb, PickContext(clientAddress: []))
        #expect(unix == Character(UnicodeScalar(UInt8(97 + referenceIPHash([], weights: [1, 1, 1, 1, 1])!))))
    }

    @Test func theOnlyUsableServerServesEveryClient() {
        // Only c is usable: clients that do not rehash onto it within 21 tries get it from round-robin.
        let health = makeHealth([
            PeerConfig(address("a"), isDown: true), PeerConfig(address("b"), isDown: true), PeerConfig(address("c")),
        ])
        var lb = IPHash(health: health)
        for n in 0..<20 {
            #expect(request(&lb, PickContext(clientAddress: [10, 9, UInt8(n), 1])) == "c")
        }
    }
}

@Suite struct PlainHashTests {
    func referenceHash(_ key: String, weights: [Int], usable: (Int) -> Bool = { _ in true }) -> Int {
        let total = weights.reduce(0, +)
        var accumulated = 0
        for round in 0..<21 {
            let text = round == 0 ? key : "\(round)\(key)"
            accumulated += Int((referenceCRC32(bytes(text)) >> 16) & 0x7fff)
            var w = accumulated % total
            var peer = 0
            while w >= weights[peer] {
                w -= weights[peer]
                peer += 1
            }
            if usable(peer) { return peer }
        }
        return -1
    }

    @Test func crcCheckValue() {
        #expect(CRC32.checksum(bytes("123456789")) == 0xCBF4_3926)
        #expect(referenceCRC32(bytes("123456789")) == 0xCBF4_3926)
    }

    @Test func keysMapAsNginxComputesThem() {
        // crc32("abc") = 0x352441C2 → 0x3524 = 13604; 13604 % 2 = 0 → first server.
        #expect(referenceCRC32(bytes("abc")) == 0x3524_41C2)
        var lb = Hash(health: weighted([1, 1]))
        #expect(request(&lb, PickContext(hashKey: bytes("abc"))) == "a")
        var weightedLB = Hash(health: weighted([2, 1, 3]))
        for n in 0..<200 {
            let key = "/item/\(n)"
            let expected = referenceHash(key, weights: [2, 1, 3])
            #expect(
                request(&weightedLB, PickContext(hashKey: bytes(key))) == Character(UnicodeScalar(UInt8(97 + expected)))
            )
        }
    }

    @Test func unusableServersCostARehashRound() {
        let health = makeHealth([
            PeerConfig(address("a")), PeerConfig(address("b"), isDown: true), PeerConfig(address("c")),
        ])
        var lb = Hash(health: health)
        for n in 0..<100 {
            let key = "k\(n)"
            let expected = referenceHash(key, weights: [1, 1, 1]) { $0 != 1 }
            #expect(request(&lb, PickContext(hashKey: bytes(key))) == Character(UnicodeScalar(UInt8(97 + expected))))
        }
    }

    @Test func emptyKeyUsesRoundRobin() {
        var lb = Hash(health: weighted([1, 1]))
        #expect(String((0..<4).map { _ in request(&lb, PickContext(hashKey: [])) }) == "abab")
    }
}

@Suite struct KetamaTests {
    /// nginx's points for one server, computed here with the bitwise CRC.
    func referencePoints(host: String, port: String, count: Int) -> [UInt32] {
        let base = referenceCRC32(bytes(host) + [0] + bytes(port), finish: false)
        var previous: UInt32 = 0
        var points: [UInt32] = []
        for _ in 0..<count {
            let le = [
                UInt8(previous & 0xff), UInt8(previous >> 8 & 0xff), UInt8(previous >> 16 & 0xff),
                UInt8(previous >> 24),
            ]
            previous = referenceCRC32(le, start: base)
            points.append(previous)
        }
        return points
    }

    @Test func pointsMatchTheKetamaChain() {
        let peers = [
            PeerConfig("127.0.0.1:8081"), PeerConfig("127.0.0.1:8082", weight: 2), PeerConfig("unix:/tmp/app.sock"),
        ]
        let ring = KetamaRing(peers: peers)
        let a = referencePoints(host: "127.0.0.1", port: "8081", count: 160)
        let b = referencePoints(host: "127.0.0.1", port: "8082", count: 320)
        let c = referencePoints(host: "/tmp/app.sock", port: "", count: 160)
        let all = Set(a + b + c)
        #expect(ring.hashes.count == all.count)
        #expect(Set(ring.hashes) == all)
        #expect(ring.hashes == ring.hashes.sorted())
        for point in a.prefix(10) { #expect(ring.servers[ring.hashes.firstIndex(of: point)!] == "127.0.0.1:8081") }
    }

    @Test(arguments: [
        ("127.0.0.1:8081", "127.0.0.1", "8081"), ("backend.example.com", "backend.example.com", ""),
        ("[::1]:80", "[::1]", "80"), ("unix:/tmp/x", "/tmp/x", ""), ("host:abc", "host:abc", ""),
    ])
    func hostAndPortSplitAsNginx(address: String, host: String, port: String) {
        let split = KetamaRing.split(address)
        #expect(split.host == bytes(host) && split.port == bytes(port))
    }

    @Test func keysGoToTheFirstPointAtOrAfterTheirCRC() {
        let peers = [PeerConfig("10.0.0.1:80"), PeerConfig("10.0.0.2:80"), PeerConfig("10.0.0.3:80")]
        let health = makeHealth(peers)
        var lb = ConsistentHash(health: health, ring: KetamaRing(peers: peers))
        var points: [(UInt32, String)] = []
        for peer in peers {
            let host = String(peer.address.split(separator: ":")[0])
            points += referencePoints(host: host, port: "80", count: 160).map { ($0, peer.address) }
        }
        points.sort { $0.0 < $1.0 }
        for n in 0..<300 {
            let key = "user\(n)"
            let crc = referenceCRC32(bytes(key))
            let owner = (points.first { $0.0 >= crc } ?? points[0]).1
            let picked = request(&lb, PickContext(hashKey: bytes(key)))
            #expect(address(picked) == owner.replacingPort80())
        }
    }

    @Test func removingAServerMovesOnlyItsKeys() {
        let three = [PeerConfig("10.0.0.1:80"), PeerConfig("10.0.0.2:80"), PeerConfig("10.0.0.3:80")]
        let two = [three[0], three[2]]
        var before = ConsistentHash(health: makeHealth(three), ring: KetamaRing(peers: three))
        var after = ConsistentHash(health: makeHealth(two), ring: KetamaRing(peers: two))
        var moved = 0
        for n in 0..<1000 {
            let ctx = PickContext(hashKey: bytes("key-\(n)"))
            let old = three[pickOnce(&before, ctx, at: .seconds(1))!.peer.index].address
            let new = two[pickOnce(&after, ctx, at: .seconds(1))!.peer.index].address
            if old != "10.0.0.2:80" { #expect(new == old) } else { moved += 1 }
        }
        #expect((200...470).contains(moved))
    }

    @Test func aFailedServerPassesItsKeysToTheNextPoint() {
        let peers = [PeerConfig("10.0.0.1:80"), PeerConfig("10.0.0.2:80"), PeerConfig("10.0.0.3:80", isDown: true)]
        var lb = ConsistentHash(health: makeHealth(peers), ring: KetamaRing(peers: peers))
        for n in 0..<200 {
            #expect(pickOnce(&lb, PickContext(hashKey: bytes("k\(n)")), at: .seconds(1))!.peer != PeerID(2))
        }
    }
}

extension String {
    /// Test addresses a, b, c are 10.0.0.N:8080; the ketama tests use port 80.
    fileprivate func replacingPort80() -> String { self.hasSuffix(":80") ? String(dropLast(3)) + ":8080" : self }
}

@Suite struct LeastConnTests {
    @Test func fewestConnectionsPerWeightWinsAndTiesRotate() {
        var lb = LeastConn(health: weighted([1, 2]))
        var state = PickState()
        var held: [Character] = []
        for _ in 0..<5 {
            state = PickState()
            held.append(name(lb.pick(PickContext(), state: &state, now: .seconds(1))!.peer))
        }
        // Hand-computed from nginx's rule: tie → smooth WRR (b); a has 0; b 1/2 < a 1/1; tie 1/1 = 2/2 → a; b.
        #expect(String(held) == "babab")
    }

    @Test func releasedConnectionsBringAServerBack() {
        let health = weighted([1, 1, 1])
        var lb = LeastConn(health: health)
        var state = PickState()
        let busy = lb.pick(PickContext(), state: &state, now: .seconds(1))!
        for _ in 0..<10 { #expect(request(&lb) != name(busy.peer)) }
        lb.release(busy.peer, .ok, now: .seconds(1))
        #expect(health.activeConnections(busy.peer) == 0)
    }

    @Test func honoursHealth() {
        let health = makeHealth([
            PeerConfig(address("a")), PeerConfig(address("b"), isDown: true), PeerConfig(address("c")),
        ])
        var lb = LeastConn(health: health)
        request(&lb, outcome: .failed)  // a (first of the tie) fails: max_fails 1
        #expect(sequence(&lb, 4) == "cccc")
    }

    @Test func sharedCountsAcrossWorkers() {
        let health = weighted([1, 1])
        var w1 = LeastConn(health: health)
        var w2 = LeastConn(health: health)
        var s1 = PickState()
        let first = w1.pick(PickContext(), state: &s1, now: .seconds(1))!
        var s2 = PickState()
        let second = w2.pick(PickContext(), state: &s2, now: .seconds(1))!
        #expect(first.peer != second.peer)
    }
}

@Suite struct KetamaServerNameTests {
    @Test func aNameThatResolvedToSeveralAddressesSharesItsPoints() {
        let peers = [
            PeerConfig("10.1.0.1:80", server: "app.example.com:80"),
            PeerConfig("10.1.0.2:80", server: "app.example.com:80"),
            PeerConfig("10.0.0.9:80"),
        ]
        let ring = KetamaRing(peers: peers)
        // Two peers of one name add identical points, kept once: 160 for the name, 160 for the other server.
        #expect(ring.hashes.count == 320)
        var lb = ConsistentHash(health: makeHealth(peers), ring: ring)
        var seen: Set<Int> = []
        for n in 0..<400 {
            let key = "k\(n)"
            let crc = referenceCRC32(bytes(key))
            let index = ring.firstPoint(atOrAfter: crc) % ring.hashes.count
            let peer = pickOnce(&lb, PickContext(hashKey: bytes(key)), at: .seconds(1))!.peer.index
            seen.insert(peer)
            #expect((peer == 2) == (ring.servers[index] == "10.0.0.9:80"))
        }
        #expect(seen == [0, 1, 2])  // the name's keys rotate over both of its addresses
    }
}
