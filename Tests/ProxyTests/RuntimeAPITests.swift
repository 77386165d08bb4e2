import Balancing
import Config
import EventLoop
@testable import Proxy
import Synchronization
import Testing

/// The runtime API's edits reach every worker's balancer at its next request (a published version), keep
/// in-flight requests' counts exact, and survive a reload; without sockets.
@Suite struct RuntimeAPITests {
    static func edit(_ up: UpstreamRuntime, _ change: (inout ServerList) throws(APIError) -> JSON) throws {
        _ = try up.servers.edit(now: Instant(nanoseconds: Clock.monotonicNanos()), report: { _ in }, change)
    }

    @Test func anEditIsPickedUpByEveryWorkerAtItsNextRequest() throws {
        let rt = try ReloadBalancerTests.runtime("zone pool 64k; server 127.0.0.1:9; server 127.0.0.1:10;", generation: 1)
        let workers = (0..<2).map { Worker(index: $0, runtime: rt, sockets: [], stats: SharedStats(), mailbox: Mailbox()) }
        let up = rt.upstreams[0]
        let before = workers.map { $0.balancer(for: up) }
        // A request in flight on the old version.
        var inflight = PickState()
        let now = Instant(nanoseconds: Clock.monotonicNanos())
        let held = try #require(before[0].balancer.pick(PickContext(), state: &inflight, now: now))

        try Self.edit(up) { (list: inout ServerList) throws(APIError) in
            try ServerEdits.patch(id: 0, body: .object([("drain", .bool(true))]), list: &list)
        }
        for (w, old) in zip(workers, before) {
            let box = w.balancer(for: up)
            #expect(box !== old && box.set.version == old.set.version + 1)
            for _ in 0..<6 {   // new requests (no session) never go to the draining server
                var s = PickState()
                let p = try #require(box.balancer.pick(PickContext(), state: &s, now: now))
                #expect(p.peer == PeerID(1))
                box.release(p.peer, .ok, now: now)
            }
            #expect(w.balancer(for: up) === box)   // one version: one box
        }
        // The old request ends into the same counters the new version reads.
        #expect(up.health.activeConnections(held.peer) == 1)
        before[0].release(held.peer, .ok, now: now)
        #expect(up.health.activeConnections(held.peer) == 0)
    }

    @Test func aReloadKeepsTheEditsOfServersWhoseLineStays() throws {
        let text = "zone pool 64k; server 127.0.0.1:9; server 127.0.0.1:10; server 127.0.0.1:11;"
        let old = try ReloadBalancerTests.runtime(text, generation: 1)
        let up = old.upstreams[0]
        try Self.edit(up) { (list: inout ServerList) throws(APIError) in
            try ServerEdits.patch(id: 0, body: .object([("weight", .int(7)), ("drain", .bool(true))]), list: &list)
        }
        try Self.edit(up) { (list: inout ServerList) throws(APIError) in try ServerEdits.delete(id: 1, list: &list) }
        try Self.edit(up) { (list: inout ServerList) throws(APIError) in
            try ServerEdits.add(body: .object([("server", .string("127.0.0.1:12"))]), list: &list)
        }
        let new = try ReloadBalancerTests.runtime(text, previous: old, generation: 2)
        let servers = new.upstreams[0].current.list.servers
        #expect(servers.map(\.config.address) == ["127.0.0.1:9", "127.0.0.1:11", "127.0.0.1:12"])
        #expect(servers.map(\.id) == [0, 2, 3])
        #expect(servers[0].config.weight == 7 && servers[0].config.isDraining)
        // A reload that changes the line itself: the file's line wins.
        let changed = try ReloadBalancerTests.runtime(
            "zone pool 64k; server 127.0.0.1:9 weight=2; server 127.0.0.1:10; server 127.0.0.1:11;", previous: new, generation: 3)
        let first = try #require(changed.upstreams[0].current.list.servers.first { $0.config.address == "127.0.0.1:9" })
        #expect(first.config.weight == 2 && !first.config.isDraining)
    }

    /// Workers still on the old configuration edit the old servers while a reload loads and until they adopt
    /// the new one: an edit made after the reload merged the old list is carried over when it commits, and an
    /// edit made after the commit goes to the new servers.
    @Test func anEditDuringAReloadIsNotLost() throws {
        let text = "zone pool 64k; server 127.0.0.1:9; server 127.0.0.1:10;"
        let old = try ReloadBalancerTests.runtime(text, generation: 1)
        let new = try ReloadBalancerTests.runtime(text + " server 127.0.0.1:11;", previous: old, generation: 2)
        // Between the merge and the commit: an old worker drains :9 and adds :12.
        try Self.edit(old.upstreams[0]) { (list: inout ServerList) throws(APIError) in
            try ServerEdits.patch(id: 0, body: .object([("drain", .bool(true))]), list: &list)
        }
        try Self.edit(old.upstreams[0]) { (list: inout ServerList) throws(APIError) in
            try ServerEdits.add(body: .object([("server", .string("127.0.0.1:12"))]), list: &list)
        }
        #expect(!new.upstreams[0].current.list.servers[0].config.isDraining)   // not yet: the reload has not committed
        new.commit(now: Instant(nanoseconds: Clock.monotonicNanos())) { Issue.record("\($0)") }
        var servers = new.upstreams[0].current.list.servers
        #expect(servers.map(\.config.address) == ["127.0.0.1:9", "127.0.0.1:10", "127.0.0.1:11", "127.0.0.1:12"])
        #expect(servers.map(\.id) == [0, 1, 3, 2])   // :12 keeps the id the API answered; the new line moves on
        #expect(servers[0].config.isDraining)
        // After the commit, an old worker's edit lands in the new servers.
        try Self.edit(old.upstreams[0]) { (list: inout ServerList) throws(APIError) in
            try ServerEdits.patch(id: 1, body: .object([("weight", .int(5))]), list: &list)
        }
        servers = new.upstreams[0].current.list.servers
        #expect(servers[1].config.weight == 5)
        #expect(old.upstreams[0].current.list.servers[1].config.weight == 1)
        // A reload that never commits (it failed after loading) leaves the old servers taking their edits.
        let failed = try ReloadBalancerTests.runtime(text + " server 127.0.0.1:11;", previous: new, generation: 3)
        try Self.edit(new.upstreams[0]) { (list: inout ServerList) throws(APIError) in try ServerEdits.delete(id: 3, list: &list) }
        #expect(new.upstreams[0].current.list.servers.count == 3)
        #expect(failed.upstreams[0].current.list.servers.count == 4)
    }

    @Test func aRefusedEditPublishesNothing() throws {
        let rt = try ReloadBalancerTests.runtime("ip_hash; server 127.0.0.1:9; server 127.0.0.1:10;", generation: 1)
        let up = rt.upstreams[0]
        let version = up.servers.version.load(ordering: .relaxed)
        // ip_hash has no backup servers: the balancer refuses the new list, nothing changes.
        #expect(throws: APIError.self) {
            try Self.edit(up) { (list: inout ServerList) throws(APIError) in
                try ServerEdits.patch(id: 1, body: .object([("backup", .bool(true))]), list: &list)
            }
        }
        #expect(up.servers.version.load(ordering: .relaxed) == version)
        #expect(!up.current.list.servers[1].config.isBackup)
    }
}
