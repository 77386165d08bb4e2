import Testing

@testable import Balancing

@Suite struct FailbackTableTests {
    private func s(_ text: String) -> ArraySlice<UInt8> { bytes(text)[...] }

    @Test func remembersRefreshesAndExpiresWhenIdle() {
        let table = FailbackTable(capacity: 100, timeout: .seconds(60))
        #expect(table.standIn(for: s("A.t1"), now: .seconds(1)) == nil)
        table.record(s("A.t1"), standIn: 7, now: .seconds(1))
        #expect(table.count == 1)
        #expect(table.standIn(for: s("A.t1"), now: .seconds(50)) == 7)
        #expect(table.standIn(for: s("A.t1"), now: .seconds(100)) == 7, "a lookup restarted the idle clock at 50 s")
        #expect(table.standIn(for: s("A.t1"), now: .seconds(161)) == nil, "idle for 61 s")
        #expect(table.count == 0)
    }

    @Test func forgetDropsOneSession() {
        let table = FailbackTable(capacity: 100, timeout: .seconds(60))
        table.record(s("A.t1"), standIn: 7, now: .seconds(1))
        table.record(s("B.t1"), standIn: 8, now: .seconds(1))
        #expect(table.forget(s("A.t1")))
        #expect(!table.forget(s("A.t1")))
        #expect(table.standIn(for: s("A.t1"), now: .seconds(2)) == nil)
        #expect(table.standIn(for: s("B.t1"), now: .seconds(2)) == 8)
    }

    /// Bounded: the least recently used sessions of a shard go first, and the total never exceeds the capacity.
    @Test func staysWithinItsCapacity() {
        let table = FailbackTable(capacity: 64, timeout: .seconds(600))
        for n in 0..<1000 { table.record(s("S\(n).t1"), standIn: 1, now: .seconds(UInt64(n))) }
        #expect(table.count <= 64)
        #expect(table.standIn(for: s("S999.t1"), now: .seconds(1000)) == 1, "the newest stays")
        #expect(table.standIn(for: s("S0.t1"), now: .seconds(1000)) == nil, "the oldest went")
    }

    /// Entries nobody asks for again still leave once idle: writes sweep the cold end, so the table empties.
    @Test func idleEntriesLeaveWithoutLookups() {
        let table = FailbackTable(capacity: 16 * 8, timeout: .seconds(10))
        for n in 0..<40 { table.record(s("S\(n)"), standIn: 1, now: .seconds(1)) }
        for n in 0..<200 { _ = table.standIn(for: s("probe\(n)"), now: .seconds(100)) }
        #expect(table.count == 0)
    }
}

/// StickyRoute with jvm_route's failback table, on `Cluster` (t1, t2, t3; max_fails 1, fail_timeout 10 s).
@Suite struct FailbackRoutingTests {
    private func worker(_ cluster: Cluster, _ table: FailbackTable?, counters: SessionRoutingCounters? = nil)
        -> StickyRoute<RoundRobin>
    {
        StickyRoute(inner: RoundRobin(health: cluster.health), binding: .routes(cluster.table), failback: table,
                    counters: counters)
    }

    @Test func aMovedSessionStaysOnItsStandInAfterTheOwnerRecovers() {
        let cluster = Cluster()
        let table = FailbackTable(capacity: 100, timeout: .seconds(1800))
        let counters = SessionRoutingCounters()
        cluster.kill(0, at: .seconds(100))
        var lb = worker(cluster, table, counters: counters)
        let moved = Cluster.session("M.tomcat1")
        let standIn = pickOnce(&lb, moved, at: .seconds(105))!
        #expect(standIn.role == .fallback)
        #expect(table.count == 1)
        // fail_timeout passed and the owner is healthy again (a new session's trial succeeded).
        let fresh = Cluster.session("F.tomcat1")
        #expect(pickOnce(&lb, fresh, at: .seconds(111)) == Pick(PeerID(0), .owner), "a never-moved session goes home")
        for t in 112..<120 {
            #expect(pickOnce(&lb, moved, at: .seconds(UInt64(t))) == Pick(standIn.peer, .fallback))
        }
        #expect(pickOnce(&lb, fresh, at: .seconds(120)) == Pick(PeerID(0), .owner))
        #expect(counters.snapshot(table: table) == .init(failbackKept: 8, failbackMoved: 1, failbackEntries: 1))
        // Idle for longer than the table's timeout: the session goes back to its owner.
        #expect(pickOnce(&lb, moved, at: .seconds(120 + 1801)) == Pick(PeerID(0), .owner))
    }

    /// `failback=return` (no table) is the old behaviour: the owner takes the session back.
    @Test func withoutATableTheOwnerTakesItBack() {
        let cluster = Cluster()
        cluster.kill(0, at: .seconds(100))
        var lb = worker(cluster, nil)
        let moved = Cluster.session("M.tomcat1")
        #expect(pickOnce(&lb, moved, at: .seconds(105))?.role == .fallback)
        #expect(pickOnce(&lb, moved, at: .seconds(111)) == Pick(PeerID(0), .owner))
    }

    /// Every worker shares the table: a session moved through one worker stays put through another.
    @Test func theTableIsSharedByWorkers() {
        let cluster = Cluster()
        let table = FailbackTable(capacity: 100, timeout: .seconds(1800))
        cluster.kill(1, at: .seconds(100))
        var a = worker(cluster, table)
        var b = worker(cluster, table)
        let moved = Cluster.session("M.tomcat2")
        let standIn = pickOnce(&a, moved, at: .seconds(105))!
        #expect(pickOnce(&b, moved, at: .seconds(200)) == Pick(standIn.peer, .fallback))
    }

    /// A stand-in that fails in turn: the entry goes, and the session is served by its recovered owner.
    @Test func anUnusableStandInDropsTheEntry() {
        let cluster = Cluster()
        let table = FailbackTable(capacity: 100, timeout: .seconds(1800))
        cluster.kill(0, at: .seconds(100))
        var lb = worker(cluster, table)
        let moved = Cluster.session("M.tomcat1")
        let standIn = pickOnce(&lb, moved, at: .seconds(105))!
        cluster.kill(standIn.peer.index, at: .seconds(111))
        #expect(pickOnce(&lb, moved, at: .seconds(112)) == Pick(PeerID(0), .owner))
        #expect(table.count == 0)
    }

    /// A retry of the same request after its stand-in failed is not sent to that stand-in again.
    @Test func aRetryDoesNotReuseTheTriedStandIn() {
        let cluster = Cluster()
        let table = FailbackTable(capacity: 100, timeout: .seconds(1800))
        cluster.kill(0, at: .seconds(100))
        var lb = worker(cluster, table)
        let moved = Cluster.session("M.tomcat1")
        let standIn = pickOnce(&lb, moved, at: .seconds(105))!
        var state = PickState()
        let first = lb.pick(moved, state: &state, now: .seconds(111))!
        #expect(first == Pick(standIn.peer, .fallback))
        lb.release(first.peer, .failed, now: .seconds(111))
        let retry = lb.pick(moved, state: &state, now: .seconds(111))!
        #expect(retry.peer != standIn.peer)
        lb.release(retry.peer, .ok, now: .seconds(111))
    }

    /// `proxy_next_upstream off` refuses stand-ins: the table does not override it.
    @Test func strictAffinityIgnoresTheTable() {
        let cluster = Cluster()
        let table = FailbackTable(capacity: 100, timeout: .seconds(1800))
        cluster.kill(0, at: .seconds(100))
        var lb = worker(cluster, table)
        var moved = Cluster.session("M.tomcat1")
        _ = pickOnce(&lb, moved, at: .seconds(105))
        moved.strictAffinity = true
        #expect(pickOnce(&lb, moved, at: .seconds(111)) == Pick(PeerID(0), .owner))
    }

    /// The factory builds the table from the spec, keeps a reloaded upstream's table, and `failback=return` has none.
    @Test func factoryMakesAndKeepsTheTable() throws {
        let cluster = Cluster()
        let stay = JVMRouteSpec(reverse: true)
        let first = try BalancerFactory(kind: .roundRobin, affinity: .jvmRoute(stay), health: cluster.health)
        let table = try #require(first.failbackTable)
        #expect(table.timeout == .seconds(1800))
        let reloaded = try BalancerFactory(kind: .roundRobin, affinity: .jvmRoute(stay), health: cluster.health,
                                           failbackTable: table, counters: first.counters)
        #expect(reloaded.failbackTable === table)
        #expect(reloaded.counters === first.counters)
        let back = JVMRouteSpec(reverse: true, failback: .return)
        #expect(try BalancerFactory(kind: .roundRobin, affinity: .jvmRoute(back), health: cluster.health).failbackTable == nil)
    }
}

/// What a reload or a busy owner does to the moved sessions (found by an audit of node loss and recovery).
@Suite struct FailbackKeptTests {
    private func s(_ text: String) -> ArraySlice<UInt8> { bytes(text)[...] }

    /// A reload that changes the table's size or timeout (say, more time during an outage) carries the moved
    /// sessions over with their idle clocks; the new table was empty, and every moved session went back to its
    /// owner at once, with the stale state `stay` is there to avoid.
    @Test func aReloadThatChangesTheTableKeepsItsSessions() throws {
        let old = FailbackTable(capacity: 100, timeout: .seconds(60))
        for n in 0..<30 { old.record(s("S\(n).t1"), standIn: UInt64(n % 3), now: .seconds(UInt64(n))) }
        let spec = JVMRouteSpec.Failback.stay(capacity: 200, timeout: .seconds(3600))
        let new = try #require(spec.table(reusing: old))
        #expect(new !== old && new.timeout == .seconds(3600))
        #expect(new.count == 30)
        #expect(new.standIn(for: s("S7.t1"), now: .seconds(1000)) == 1, "idle 993 s: past the old timeout, within the new")
        // Smaller: the most recently used are the ones kept.
        let small = try #require(JVMRouteSpec.Failback.stay(capacity: 16, timeout: .seconds(60)).table(reusing: old))
        #expect(small.count <= 16)
        #expect(small.standIn(for: s("S29.t1"), now: .seconds(30)) == 2)
        #expect(small.standIn(for: s("S0.t1"), now: .seconds(30)) == nil)
    }

    /// A request that finds its owner merely busy (at max_conns) goes to the stand-in for that request only:
    /// the next goes home. It was remembered, and kept away for failback_timeout.
    @Test func aBusyOwnerDoesNotMoveTheSession() {
        let peers = (1...3).map {
            PeerConfig("10.0.0.\($0):8080", maxFails: 1, failTimeout: .seconds(10), maxConns: 1, route: bytes("tomcat\($0)"))
        }
        let health = PeerHealth(peers: peers)
        let routes = try! RouteTable(peers: peers, kind: "srun_id")
        let table = FailbackTable(capacity: 100, timeout: .seconds(1800))
        var lb = StickyRoute(inner: RoundRobin(health: health), binding: .routes(routes), failback: table)
        let session = Cluster.session("B.tomcat1")
        var busy = PickState()
        let holding = lb.pick(session, state: &busy, now: .seconds(1))!   // a slow request holds tomcat1
        #expect(holding == Pick(PeerID(0), .owner))
        #expect(pickOnce(&lb, session, at: .seconds(2))?.role == .fallback)
        #expect(table.count == 0)
        lb.release(holding.peer, .ok, now: .seconds(3))
        #expect(pickOnce(&lb, session, at: .seconds(4)) == Pick(PeerID(0), .owner))
    }
}
