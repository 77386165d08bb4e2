import Testing

@testable import Balancing

/// Three Tomcats t1, t2, t3 (indices 0–2) bound by jvm_route, plus helpers for sessions.
struct Cluster {
    let health: PeerHealth
    let table: RouteTable

    init(extra: [PeerConfig] = [], draining: Int? = nil) {
        var peers = (1...3).map {
            PeerConfig("10.0.0.\($0):8080", maxFails: 1, failTimeout: .seconds(10), route: bytes("tomcat\($0)"))
        }
        if let draining { peers[draining].isDraining = true }
        peers += extra
        health = PeerHealth(peers: peers)
        table = try! RouteTable(peers: peers, kind: "srun_id")
    }

    func worker() -> StickyRoute<RoundRobin> {
        StickyRoute(inner: RoundRobin(health: health), binding: .routes(table))
    }

    static func session(_ id: String) -> PickContext {
        let sessionID = bytes(id)
        let route = SessionRoute.route(fromSessionID: sessionID[...], reverse: true).map(Array.init)
        return PickContext(clientAddress: [10, 1, 1, 1], route: route, sessionID: sessionID)
    }

    /// Marks `peer` failed (max_fails 1) at `now` through a worker.
    func kill(_ peer: Int, at now: Instant) {
        var lb = worker()
        var state = PickState()
        let pick = lb.pick(Cluster.session("X.tomcat\(peer + 1)"), state: &state, now: now)!
        #expect(pick.peer == PeerID(peer))
        lb.release(pick.peer, .failed, now: now)
    }
}

func pickOnce<B: Balancer>(_ lb: inout B, _ ctx: PickContext, at now: Instant, outcome: PeerOutcome = .ok) -> Pick? {
    var state = PickState()
    let pick = lb.pick(ctx, state: &state, now: now)
    if let pick { lb.release(pick.peer, outcome, now: now) }
    return pick
}

@Suite struct StickyRouteTests {
    @Test func aSessionStaysOnItsServer() {
        let cluster = Cluster()
        var lb = cluster.worker()
        for _ in 0..<1000 {
            #expect(pickOnce(&lb, Cluster.session("8F3AC2.tomcat2"), at: .seconds(1)) == Pick(PeerID(1), .owner))
        }
    }

    @Test func noSessionOrNoRouteUsesTheInnerRoundRobin() {
        let cluster = Cluster()
        var lb = cluster.worker()
        let plain = (0..<6).map { _ in pickOnce(&lb, PickContext(), at: .seconds(1))! }
        #expect(plain.map(\.peer.index) == [0, 1, 2, 0, 1, 2])
        #expect(plain.allSatisfy { $0.role == .balanced })
        let noRoute = pickOnce(&lb, Cluster.session("8F3AC2"), at: .seconds(1))!
        #expect(noRoute.role == .balanced)
    }

    /// A session whose route names no server here (its node was taken out of the configuration) keeps one
    /// stand-in, the one it had while that node was down (rendezvous hashing over the same live servers), on
    /// every worker and instance. It went round-robin on every request: scattered over the cluster.
    @Test func aSessionOfARemovedNodeKeepsTheStandInItHad() {
        let before = Cluster()
        before.kill(0, at: .seconds(100))
        var old = before.worker()
        // tomcat1's line removed: tomcat2 and tomcat3 at indices 0 and 1.
        let peers = (2...3).map { PeerConfig("10.0.0.\($0):8080", maxFails: 1, failTimeout: .seconds(10), route: bytes("tomcat\($0)")) }
        let health = PeerHealth(peers: peers)
        let table = try! RouteTable(peers: peers, kind: "srun_id")
        var new1 = StickyRoute(inner: RoundRobin(health: health), binding: .routes(table))
        var new2 = StickyRoute(inner: RoundRobin(health: health), binding: .routes(table))
        var seen = Set<Int>()
        for n in 0..<100 {
            let ctx = Cluster.session("S\(n).tomcat1")
            let had = pickOnce(&old, ctx, at: .seconds(101))!
            #expect(had.role == .fallback)
            for at in 102...104 {
                let now = pickOnce(&new1, ctx, at: .seconds(UInt64(at)))!
                #expect(now.role == .fallback && peers[now.peer.index].address == before.health.peers[had.peer.index].address)
                #expect(pickOnce(&new2, ctx, at: .seconds(UInt64(at)))!.peer == now.peer)
            }
            seen.insert(had.peer.index)
        }
        #expect(seen == [1, 2])   // spread over both survivors
        // `proxy_next_upstream off`: no stand-in is implied, the method balances.
        var strict = Cluster.session("S1.tomcat1")
        strict.strictAffinity = true
        #expect(pickOnce(&new1, strict, at: .seconds(105))!.role == .balanced)
    }

    /// A route that names only its server (`sticky cookie`, `sticky route`: no session id): a dead owner's clients
    /// are spread over the stand-ins by client address, each the same everywhere; they all went to one.
    @Test func aServerRoutesClientsAreSpreadByAddress() {
        let cluster = Cluster()
        cluster.kill(0, at: .seconds(100))
        var a = cluster.worker(), b = cluster.worker()
        var seen = Set<Int>()
        for n in 0..<40 {
            let ctx = PickContext(clientAddress: [10, 1, UInt8(n), 7], route: bytes("tomcat1"))
            let first = pickOnce(&a, ctx, at: .seconds(101))!
            #expect(first.role == .fallback)
            #expect(pickOnce(&b, ctx, at: .seconds(102))!.peer == first.peer)
            seen.insert(first.peer.index)
        }
        #expect(seen == [1, 2])
        // An unknown server route is balanced (the engine binds the client anew).
        #expect(pickOnce(&a, PickContext(clientAddress: [10, 1, 1, 1], route: bytes("tomcat9")), at: .seconds(103))!.role == .balanced)
    }

    @Test func deadOwnerSendsTheSessionToTheSameFallbackFromEveryWorker() {
        let cluster = Cluster()
        cluster.kill(0, at: .seconds(100))
        var worker1 = cluster.worker()
        var worker2 = cluster.worker()
        let other = Cluster()  // another switchyard with the same config
        other.kill(0, at: .seconds(100))
        var elsewhere = other.worker()
        for n in 0..<200 {
            let ctx = Cluster.session("SESSION\(n).tomcat1")
            let a = pickOnce(&worker1, ctx, at: .seconds(101))!
            let b = pickOnce(&worker2, ctx, at: .seconds(102))!
            let c = pickOnce(&elsewhere, ctx, at: .seconds(103))!
            #expect(a.role == .fallback)
            #expect(a == b && b == c)
            #expect(a.peer != PeerID(0))
            // and again: the same answer every time
            #expect(pickOnce(&worker1, ctx, at: .seconds(104)) == a)
        }
    }

    @Test func fallbacksSpreadOverTheLiveServers() {
        let cluster = Cluster()
        cluster.kill(0, at: .seconds(100))
        var lb = cluster.worker()
        var seen: [Int: Int] = [:]
        for n in 0..<2000 {
            seen[pickOnce(&lb, Cluster.session("S\(n)x.tomcat1"), at: .seconds(101))!.peer.index, default: 0] += 1
        }
        #expect(seen[0] == nil)
        #expect((850...1150).contains(seen[1] ?? 0))
        #expect((850...1150).contains(seen[2] ?? 0))
    }

    @Test func weightsShapeTheFallbackShare() {
        var peers = (1...3).map { PeerConfig("10.0.0.\($0):8080", route: bytes("tomcat\($0)")) }
        peers[2].weight = 3
        let health = PeerHealth(peers: peers)
        var lb = StickyRoute(inner: RoundRobin(health: health), binding: .routes(try! RouteTable(peers: peers)))
        var seen: [Int: Int] = [:]
        for n in 0..<4000 {
            // owner down: tomcat1 has failed once (max_fails 1)
            if n == 0 {
                var state = PickState()
                let p = lb.pick(Cluster.session("K.tomcat1"), state: &state, now: .seconds(1))!
                lb.release(p.peer, .failed, now: .seconds(1))
            }
            seen[pickOnce(&lb, Cluster.session("W\(n).tomcat1"), at: .seconds(2))!.peer.index, default: 0] += 1
        }
        // weights 1 : 3 → 25% : 75%
        #expect((850...1150).contains(seen[1] ?? 0))
        #expect((2850...3150).contains(seen[2] ?? 0))
    }

    @Test func theSessionReturnsToItsOwnerAfterRecovery() {
        let cluster = Cluster()
        cluster.kill(1, at: .seconds(100))
        var lb = cluster.worker()
        let ctx = Cluster.session("ABC.tomcat2")
        #expect(pickOnce(&lb, ctx, at: .seconds(105))?.role == .fallback)
        // fail_timeout (10 s) passed: the owner gets its trial, succeeds, and keeps the session.
        #expect(pickOnce(&lb, ctx, at: .seconds(111)) == Pick(PeerID(1), .owner))
        #expect(pickOnce(&lb, ctx, at: .seconds(112)) == Pick(PeerID(1), .owner))
    }

    @Test func aFailedTrialOfTheOwnerMovesTheSameRequestToTheFallback() {
        let cluster = Cluster()
        cluster.kill(1, at: .seconds(100))
        var lb = cluster.worker()
        let ctx = Cluster.session("ABC.tomcat2")
        let fallback = pickOnce(&lb, ctx, at: .seconds(105))!
        var state = PickState()
        let trial = lb.pick(ctx, state: &state, now: .seconds(111))!
        #expect(trial == Pick(PeerID(1), .owner))
        lb.release(trial.peer, .failed, now: .seconds(111))
        let retry = lb.pick(ctx, state: &state, now: .seconds(111))!
        #expect(retry == fallback)
        lb.release(retry.peer, .ok, now: .seconds(111))
    }

    @Test func retriesAfterTheFallbackFailsStayDeterministic() {
        let cluster = Cluster()
        cluster.kill(0, at: .seconds(100))
        var w1 = cluster.worker()
        var w2 = cluster.worker()
        let ctx = Cluster.session("RETRY.tomcat1")
        var s1 = PickState()
        var s2 = PickState()
        let first1 = w1.pick(ctx, state: &s1, now: .seconds(101))!
        let first2 = w2.pick(ctx, state: &s2, now: .seconds(101))!
        w1.release(first1.peer, .next, now: .seconds(101))
        w2.release(first2.peer, .next, now: .seconds(101))
        let second1 = w1.pick(ctx, state: &s1, now: .seconds(101))!
        let second2 = w2.pick(ctx, state: &s2, now: .seconds(101))!
        #expect(first1 == first2)
        #expect(second1 == second2)
        #expect(second1.peer != first1.peer && second1.peer != PeerID(0))
        #expect(w1.pick(ctx, state: &s1, now: .seconds(101)) == nil)
    }

    /// `proxy_next_upstream off` (strictAffinity): a dead owner's sessions get no stand-in, live owners still serve.
    @Test func strictAffinityAnswersNilForADeadOwner() {
        let cluster = Cluster()
        cluster.kill(2, at: .seconds(100))
        var lb = cluster.worker()
        var dead = Cluster.session("Z.tomcat3")
        dead.strictAffinity = true
        var live = Cluster.session("Z.tomcat1")
        live.strictAffinity = true
        #expect(pickOnce(&lb, dead, at: .seconds(101)) == nil)
        #expect(pickOnce(&lb, live, at: .seconds(101)) == Pick(PeerID(0), .owner))
        #expect(pickOnce(&lb, Cluster.session("Z.tomcat3"), at: .seconds(101))?.role == .fallback)
    }

    @Test func drainingServerKeepsItsSessionsAndGetsNoNewOnes() {
        let cluster = Cluster(draining: 0)
        var lb = cluster.worker()
        #expect(pickOnce(&lb, Cluster.session("OLD.tomcat1"), at: .seconds(1)) == Pick(PeerID(0), .owner))
        for n in 0..<60 {
            let fresh = pickOnce(&lb, n % 2 == 0 ? PickContext() : Cluster.session("NEW\(n).tomcat7"), at: .seconds(1))!
            #expect(fresh.peer != PeerID(0))
        }
        #expect(health(cluster).snapshot(now: .seconds(1))[0].state == .draining)
    }

    @Test func drainingServerIsNeverAFallback() {
        let cluster = Cluster(draining: 2)
        cluster.kill(0, at: .seconds(100))
        var lb = cluster.worker()
        for n in 0..<100 {
            #expect(pickOnce(&lb, Cluster.session("D\(n).tomcat1"), at: .seconds(101))?.peer == PeerID(1))
        }
    }

    @Test func backupsStandInOnlyWhenNoPrimaryCan() {
        let cluster = Cluster(extra: [PeerConfig("10.0.0.9:8080", isBackup: true, route: bytes("spare"))])
        cluster.kill(0, at: .seconds(100))
        var lb = cluster.worker()
        #expect(pickOnce(&lb, Cluster.session("B.tomcat1"), at: .seconds(101))?.peer != PeerID(3))
        cluster.kill(1, at: .seconds(100))
        cluster.kill(2, at: .seconds(100))
        #expect(pickOnce(&lb, Cluster.session("B.tomcat1"), at: .seconds(101)) == Pick(PeerID(3), .fallback))
    }

    @Test func boundRequestsAreCountedAsSessions() {
        let cluster = Cluster()
        var lb = cluster.worker()
        for n in 0..<50 {
            for _ in 0..<3 { _ = pickOnce(&lb, Cluster.session("U\(n).tomcat2"), at: .seconds(30)) }
        }
        let sessions = cluster.health.snapshot(now: .seconds(40))[1].sessionsLastMinute
        #expect((47...53).contains(sessions))
        #expect(cluster.health.snapshot(now: .seconds(95))[1].sessionsLastMinute == 0)
    }

    private func health(_ cluster: Cluster) -> PeerHealth { cluster.health }
}

/// `sticky route`'s nginx Plus rules: servers may share a route, and a backup's route waits for the primaries.
@Suite struct StickyRoutePlusRulesTests {
    static func routed(_ route: String) -> PickContext {
        PickContext(clientAddress: [10, 1, 1, 1], route: bytes(route), sessionID: bytes(route))
    }

    /// Two primaries and two backups; primary 0 and backup 2 share route "a", primary 1 and backup 3 "b".
    static func upstream() throws -> (PeerHealth, StickyRoute<RoundRobin>) {
        let peers = [
            PeerConfig("10.0.0.1:80", maxFails: 1, failTimeout: .seconds(10), route: bytes("a")),
            PeerConfig("10.0.0.2:80", maxFails: 1, failTimeout: .seconds(10), route: bytes("b")),
            PeerConfig("10.0.0.3:80", isBackup: true, route: bytes("a")),
            PeerConfig("10.0.0.4:80", isBackup: true, route: bytes("b")),
        ]
        let health = PeerHealth(peers: peers)
        let table = try RouteTable(peers: peers, kind: "route", plusRules: true)
        return (health, StickyRoute(inner: RoundRobin(health: health), binding: .routes(table)))
    }

    @Test func aSharedRouteIsServedByItsFirstUsableServer() throws {
        var (_, lb) = try Self.upstream()
        #expect(pickOnce(&lb, Self.routed("b"), at: .seconds(1)) == Pick(PeerID(1), .owner))
        // Both primaries fail: each route goes on to the backup that shares it, not to a stand-in.
        _ = pickOnce(&lb, Self.routed("a"), at: .seconds(2), outcome: .failed)
        _ = pickOnce(&lb, Self.routed("b"), at: .seconds(2), outcome: .failed)
        #expect(pickOnce(&lb, Self.routed("a"), at: .seconds(3)) == Pick(PeerID(2), .owner))
        #expect(pickOnce(&lb, Self.routed("b"), at: .seconds(3)) == Pick(PeerID(3), .owner))
    }

    @Test func aRetryTriesTheRoutesOtherServer() throws {
        var (_, lb) = try Self.upstream()
        _ = pickOnce(&lb, Self.routed("x"), at: .seconds(1))   // round-robin moves on; the primaries stay up
        var state = PickState()
        let first = try #require(lb.pick(Self.routed("a"), state: &state, now: .seconds(1)))
        #expect(first == Pick(PeerID(0), .owner))
        lb.release(first.peer, .failed, now: .seconds(1))
        // Primary 1 is still up, so backup 2 waits: the retry is balanced among the primaries.
        #expect(lb.pick(Self.routed("a"), state: &state, now: .seconds(1))?.peer == PeerID(1))
    }

    @Test func aBackupsRouteIsFollowedOnlyWhenNoPrimaryCanServe() throws {
        let peers = [
            PeerConfig("10.0.0.1:80", maxFails: 1, failTimeout: .seconds(10)),
            PeerConfig("10.0.0.2:80", maxFails: 1, failTimeout: .seconds(10)),
            PeerConfig("10.0.0.3:80", isBackup: true, route: bytes("c")),
        ]
        let health = PeerHealth(peers: peers)
        var lb = StickyRoute(inner: RoundRobin(health: health),
                             binding: .routes(try RouteTable(peers: peers, kind: "route", plusRules: true)))
        let picks = (0..<4).map { _ in pickOnce(&lb, Self.routed("c"), at: .seconds(1))! }
        #expect(picks == [Pick(PeerID(0), .balanced), Pick(PeerID(1), .balanced),
                          Pick(PeerID(0), .balanced), Pick(PeerID(1), .balanced)])
        _ = pickOnce(&lb, Self.routed("x"), at: .seconds(2), outcome: .failed)
        _ = pickOnce(&lb, Self.routed("x"), at: .seconds(2), outcome: .failed)
        #expect(pickOnce(&lb, Self.routed("c"), at: .seconds(3)) == Pick(PeerID(2), .owner))
    }

    @Test func jvmRouteKeepsRefusingADuplicate() {
        let peers = [PeerConfig("10.0.0.1:80", route: bytes("a")), PeerConfig("10.0.0.2:80", route: bytes("a"))]
        #expect(throws: BalancingConfigError.self) { try RouteTable(peers: peers, kind: "srun_id") }
        #expect((try? RouteTable(peers: peers, kind: "route", plusRules: true))?.hasSharedRoutes == true)
    }
}
