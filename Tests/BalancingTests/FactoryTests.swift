import Testing

@testable import Balancing

@Suite struct FactoryTests {
    @Test func backupNeedsAMethodThatSupportsIt() {
        let health = makeHealth([PeerConfig(address("a")), PeerConfig(address("b"), isBackup: true)])
        #expect(
            throws: BalancingConfigError(
                "balancing method does not support parameter \"backup\" (server \"10.0.0.2:8080\")")
        ) {
            _ = try BalancerFactory(kind: .ipHash, health: health)
        }
        #expect((try? BalancerFactory(kind: .leastConn, health: health)) != nil)
    }

    @Test func everyKindMakesAWorkingBalancer() throws {
        let health = weighted([1, 1, 1])
        for kind: BalancerKind in [
            .roundRobin, .ipHash, .leastConn, .hash(consistent: false), .hash(consistent: true), .random(two: false),
            .random(two: true),
        ] {
            var lb = try BalancerFactory(kind: kind, health: health).make()
            var state = PickState()
            var tried: Set<Int> = []
            while let pick = lb.pick(
                PickContext(clientAddress: [1, 2, 3, 4], hashKey: bytes("k")), state: &state, now: .seconds(1))
            {
                tried.insert(pick.peer.index)
                lb.release(pick.peer, .next, now: .seconds(1))
            }
            #expect(tried == [0, 1, 2], "\(kind)")
            #expect(lb.tries == 3)
        }
    }

    /// The engine skips building a context for the methods that say they do not read it: their picks must be the
    /// same whatever the context holds.
    @Test func methodsThatIgnoreThePickContextPickTheSameWithoutOne() throws {
        let rich = PickContext(clientAddress: [10, 0, 0, 7], hashKey: bytes("k"), route: bytes("b"), sessionID: bytes("s.b"),
                               strictAffinity: true)
        for kind: BalancerKind in [.roundRobin, .leastConn, .random(two: false), .random(two: true)] {
            // Two factories, so neither balancer's picks change the other's shared peer state.
            let factory = try BalancerFactory(kind: kind, health: weighted([3, 1, 2]))
            let twin = try BalancerFactory(kind: kind, health: weighted([3, 1, 2]))
            #expect(!factory.readsPickContext, "\(kind)")
            var withContext = factory.make(), without = twin.make()
            if case .random = kind {   // seeded per balancer: compare two made with one seed
                withContext = RandomPick(health: factory.health, two: kind == .random(two: true), seed: 7)
                without = RandomPick(health: twin.health, two: kind == .random(two: true), seed: 7)
            }
            var same = true
            for i in 0..<30 {
                var s1 = PickState(), s2 = PickState()
                let a = withContext.pick(rich, state: &s1, now: .seconds(UInt64(i)))
                let b = without.pick(PickContext(), state: &s2, now: .seconds(UInt64(i)))
                if a?.peer != b?.peer { same = false }
                if let a { withContext.release(a.peer, .ok, now: .seconds(UInt64(i))) }
                if let b { without.release(b.peer, .ok, now: .seconds(UInt64(i))) }
            }
            #expect(same, "\(kind)")
        }
        for kind: BalancerKind in [.ipHash, .hash(consistent: false), .hash(consistent: true)] {
            #expect(try BalancerFactory(kind: kind, health: weighted([1, 1])).readsPickContext, "\(kind)")
        }
        let routed = makeHealth([PeerConfig(address("a"), route: bytes("1")), PeerConfig(address("b"), route: bytes("2"))])
        let sticky = try BalancerFactory(kind: .roundRobin, affinity: .jvmRoute(JVMRouteSpec()), health: routed)
        #expect(sticky.readsPickContext)
    }

    @Test func jvmRouteFactoryReportsOverlapWarnings() throws {
        let peers = [PeerConfig(address("a"), route: bytes("1")), PeerConfig(address("b"), route: bytes("tomcat11"))]
        let factory = try BalancerFactory(
            kind: .roundRobin, affinity: .jvmRoute(JVMRouteSpec(reverse: true)),
            health: PeerHealth(peers: peers))
        #expect(factory.warnings.count == 1)
        var lb = factory.make()
        #expect(pickOnce(&lb, Cluster.session("X.tomcat11"), at: .seconds(1)) == Pick(PeerID(1), .owner))
    }

    @Test func noServersIsAnError() {
        #expect(throws: BalancingConfigError("no servers are defined")) {
            _ = try BalancerFactory(kind: .roundRobin, health: PeerHealth(peers: []))
        }
    }
}

@Suite struct PartsTests {
    @Test func triedSetBeyondInlineStorage() {
        var set = TriedSet()
        for index in [0, 63, 64, 127, 128, 191, 192, 500] { set.insert(PeerID(index)) }
        #expect(set.count == 8)
        for index in [0, 63, 64, 127, 128, 191, 192, 500] { #expect(set.contains(PeerID(index))) }
        for index in [1, 62, 65, 126, 129, 193, 499, 501, 10_000] { #expect(!set.contains(PeerID(index))) }
    }

    @Test func naturalLog() {
        for (x, ln) in [
            (1.0, 0.0), (0.5, -0.693_147_180_559_945_3), (0.1, -2.302_585_092_994_046), (2.718_281_828_459_045, 1.0),
        ] {
            #expect(abs(NaturalLog.ln(x) - ln) < 1e-12)
        }
    }

    @Test(arguments: [10, 100, 1000])
    func sessionEstimateIsClose(count: Int) {
        let health = weighted([1])
        for n in 0..<count {
            health.noteSession(PeerID(0), sessionID: bytes("SESSION-\(n)"), now: .seconds(UInt64(100 + n % 50)))
            health.noteSession(PeerID(0), sessionID: bytes("SESSION-\(n)"), now: .seconds(150))  // repeats don't count
        }
        let estimate = health.snapshot(now: .seconds(150))[0].sessionsLastMinute
        #expect(abs(estimate - count) <= max(2, count / 20))
    }

    @Test func snapshotStates() {
        let health = makeHealth([
            PeerConfig(address("a")), PeerConfig(address("b"), isDown: true),
            PeerConfig(address("c"), isDraining: true),
            PeerConfig(address("d"), isBackup: true), PeerConfig(address("e"), route: bytes("t5")),
        ])
        var lb = RoundRobin(health: health)
        var state = PickState()
        let pick = lb.pick(PickContext(), state: &state, now: .seconds(50))!
        #expect(pick.peer == PeerID(0))
        let busy = health.snapshot(now: .seconds(50))
        #expect(busy[0].active == 1 && busy[0].requests == 1)
        lb.release(pick.peer, .failed, now: .seconds(50))
        let snapshot = health.snapshot(now: .seconds(55))
        #expect(snapshot.map(\.state) == [.failing, .down, .draining, .backup, .up])
        #expect(snapshot[0].active == 0 && snapshot[0].failures == 1 && snapshot[0].lastFailure == .seconds(50))
        #expect(snapshot[4].route == "t5" && snapshot[4].lastFailure == nil)
        #expect(health.snapshot(now: .seconds(61))[0].state == .up)
    }
}

@Suite struct StatusPageTests {
    @Test func jvmRouteStatusPage() {
        let cluster = Cluster()
        var lb = cluster.worker()
        for n in 0..<4 { _ = pickOnce(&lb, Cluster.session("P\(n).tomcat1"), at: .seconds(100)) }
        var state = PickState()
        _ = lb.pick(Cluster.session("Q.tomcat2"), state: &state, now: .seconds(100))  // in flight
        cluster.kill(2, at: .seconds(95))
        let page = String(
            decoding: JVMRouteStatusPage.render(upstream: "tomcats", health: cluster.health, now: .seconds(100)),
            as: UTF8.self)
        #expect(
            page == """
                upstream tomcats: total_busy = 1, total_requests = 6, peers: 3

                 peer 1: 10.0.0.1:8080(tomcat1) down: 0, fails: 0/1, busy: 0/0, weight: 1, total_req: 4, total_fails: 0, last_fail: never, state: up, sessions_last_minute: 4
                 peer 2: 10.0.0.2:8080(tomcat2) down: 0, fails: 0/1, busy: 1/0, weight: 1, total_req: 1, total_fails: 0, last_fail: never, state: up, sessions_last_minute: 1
                 peer 3: 10.0.0.3:8080(tomcat3) down: 0, fails: 1/1, busy: 0/0, weight: 1, total_req: 1, total_fails: 1, last_fail: 5s ago, state: failing, sessions_last_minute: 1

                """)
    }
}
