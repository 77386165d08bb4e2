import EventLoop
import Glibc
@testable import session_app
import SwitchyardTestSupport
import Testing

/// The reference's acceptance checks through switchyard, with real memcached and session-app processes:
/// refreshing keeps one session, a dead app node or memcached node loses nothing.
@Suite(.serialized) struct SessionClusterTests {
    @Test(arguments: ClusterFixture.Variant.allCases)
    func hundredRefreshesKeepOneSession(_ variant: ClusterFixture.Variant) throws {
        let cluster = try ClusterFixture(variant)
        defer { cluster.stop() }
        var browser = Browser(port: cluster.proxyPort)
        let first = try browser.refresh()
        #expect(first.hits == 1)
        #expect(first.setCookie == first.sessionID)
        #expect(first.route.map(String.init) == first.servedBy)
        var servedBy: Set<String> = [first.servedBy]
        var last = first
        for _ in 2...100 {
            last = try browser.refresh()
            try #require(last.sessionID == first.sessionID, "refresh \(last.hits) got another session")
            #expect(last.setCookie == nil)
            servedBy.insert(last.servedBy)
        }
        #expect(last.hits == 100)
        switch variant {
        case .jvmRouteSticky:
            #expect(servedBy == [first.servedBy], "jvm_route keeps the session on the node in its route")
        case .roundRobinNonSticky:
            #expect(servedBy == ["tomcat1", "tomcat2"], "round-robin spreads one session over both nodes")
        }
    }

    @Test(arguments: ClusterFixture.Variant.allCases)
    func killingTheOwningNodeKeepsTheSession(_ variant: ClusterFixture.Variant) throws {
        let cluster = try ClusterFixture(variant)
        defer { cluster.stop() }
        var browser = Browser(port: cluster.proxyPort)
        var page = try browser.refresh()
        for _ in 2...10 { page = try browser.refresh() }
        #expect(page.hits == 10)
        let before = page
        let owner = try #require(before.route.map(String.init))
        let survivor = cluster.otherRoute(than: owner)

        cluster.app(route: owner).stop(SIGKILL)  // a crash: no chance to hand anything over

        let after = try browser.refresh()
        #expect(after.servedBy == survivor)
        #expect(after.base == before.base, "the id before the route is unchanged")
        #expect(after.hits == 11, "the counter continues: nothing lost")
        switch variant {
        case .jvmRouteSticky:
            // MSM sticky take-over: the route is re-stamped and the cookie set again, so the proxy routes here.
            #expect(after.sessionID == "\(before.base).\(survivor)")
            #expect(after.setCookie == after.sessionID)
        case .roundRobinNonSticky:
            // MSM non-sticky: every node serves every session, the id (route included) never changes.
            #expect(after.sessionID == before.sessionID)
            #expect(after.setCookie == nil)
        }
        for hit in 12...20 {
            let p = try browser.refresh()
            #expect(p.servedBy == survivor)
            try #require(p.sessionID == after.sessionID)
            #expect(p.hits == hit)
        }
        if variant == .jvmRouteSticky {
            #expect(cluster.app(route: survivor).stderr().contains("took over session \(before.sessionID)"))
        }
    }

    @Test(arguments: [0, 1])
    func killingAMemcachedNodeLosesNoSessionInNonStickyMode(_ killed: Int) throws {
        let cluster = try ClusterFixture(.roundRobinNonSticky)
        defer { cluster.stop() }
        var browser = Browser(port: cluster.proxyPort)
        var page = try browser.refresh()
        for _ in 2...10 { page = try browser.refresh() }
        let before = page

        cluster.memcached[killed].stop(SIGKILL)

        var servedBy: Set<String> = []
        for hit in 11...30 {
            let p = try browser.refresh()
            try #require(p.sessionID == before.sessionID, "the session was lost after memcached n\(killed + 1) died")
            #expect(p.hits == hit)
            servedBy.insert(p.servedBy)
        }
        #expect(servedBy == ["tomcat1", "tomcat2"], "both nodes still read the session from the surviving memcached")
        let node = "memcached n\(killed + 1) (127.0.0.1:\(cluster.memcachedPorts[killed])) failed"
        #expect(cluster.apps.contains { $0.stderr().contains(node) })
        #expect(!cluster.apps.contains { $0.stderr().contains("no longer shared") })
    }

    @Test func withoutMemcachedNodesServeLocalSessionsAndSaySo() throws {
        let cluster = try ClusterFixture(.jvmRouteSticky, startMemcached: false)
        defer { cluster.stop() }
        var browser = Browser(port: cluster.proxyPort)
        let first = try browser.refresh()
        var last = first
        for _ in 2...5 { last = try browser.refresh() }
        #expect(last.sessionID == first.sessionID)
        #expect(last.hits == 5)
        let owner = cluster.app(route: first.servedBy)
        #expect(owner.stderr().contains("sessions are no longer shared, serving local sessions only"))
    }

    @Test(arguments: ClusterFixture.Variant.allCases)
    func cookielessClientsKeepTheirSessionThroughURLRewriting(_ variant: ClusterFixture.Variant) throws {
        let cluster = try ClusterFixture(variant)
        defer { cluster.stop() }
        var browser = Browser(port: cluster.proxyPort, acceptsCookies: false)
        let first = try browser.refresh()
        #expect(first.link == "/tomcat-session/;jsessionid=\(first.sessionID)")
        var last = first
        for _ in 2...10 { last = try browser.refresh() }
        #expect(last.sessionID == first.sessionID)
        #expect(last.hits == 10)
        if variant == .jvmRouteSticky {
            // jvm_route reads the id from the URL when there is no cookie.
            #expect(last.servedBy == first.servedBy)
        }
    }
}

/// MSM's non-sticky session lock (`lockingMode`), observed in memcached itself.
@Suite(.serialized) struct SessionLockingTests {
    private func connections(_ cluster: ClusterFixture) -> [MemcachedConnection] {
        cluster.memcachedPorts.map { MemcachedConnection(address: SocketAddress.parse("127.0.0.1:\($0)")!, timeoutMillis: 1000) }
    }

    @Test func eachRequestReleasesItsLock() throws {
        let cluster = try ClusterFixture(.roundRobinNonSticky)
        defer { cluster.stop() }
        var browser = Browser(port: cluster.proxyPort)
        var page = try browser.refresh()
        for _ in 2...5 { page = try browser.refresh() }
        for c in connections(cluster) {
            #expect(try c.get("lock:\(page.base)") == nil)
            #expect(try c.get(String(page.base)) != nil, "primary and backup both hold the session")
        }
    }

    @Test func aHeldLockIsWaitedForThenTheRequestGoesOn() throws {
        let cluster = try ClusterFixture(.roundRobinNonSticky, operationTimeoutMillis: 500)
        defer { cluster.stop() }
        var browser = Browser(port: cluster.proxyPort)
        let first = try browser.refresh()
        // Another node's request holds the lock (on both nodes, so whichever is the primary): the next request waits
        // the operation timeout (500 ms here), logs it and is served anyway, as MSM does.
        let held = connections(cluster)
        for c in held { #expect(try c.add("lock:\(first.base)", [49], expirySeconds: 30)) }
        let second = try browser.refresh()
        #expect(second.sessionID == first.sessionID)
        #expect(second.hits == 2)
        let log = cluster.app(route: second.servedBy).stderr()
        #expect(log.contains("session \(first.base) stayed locked for 500 ms; going on without the lock"))
        // The lock it did not take is not its to release.
        for c in held { #expect(try c.get("lock:\(first.base)") == [49]) }
    }
}
