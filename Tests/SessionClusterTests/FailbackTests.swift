import Glibc
import SwitchyardTestSupport
import Testing

/// jvm_route's failback (issue 19, part 1) with nodes that do not re-stamp a session they take over (the demo's
/// `--replicated` mode, like Tomcat with DeltaManager): the owner of 100 sessions dies, each continues on its
/// stand-in, the owner comes back with none of them in memory.
@Suite(.serialized) struct FailbackTests {
    /// Three nodes so that the stand-ins differ from session to session; fail_timeout 1 s so the restarted owner
    /// is tried again soon.
    private func cluster(_ jvmRouteParameters: String) throws -> ClusterFixture {
        try ClusterFixture(.jvmRouteSticky, nodes: 3, appMode: ["--replicated"], jvmRouteParameters: jvmRouteParameters,
                           serverParameters: "max_fails=1 fail_timeout=1s")
    }

    /// 100 browsers whose sessions live on tomcat1, each with two hits.
    private func sessionsOnTomcat1(_ cluster: ClusterFixture) throws -> [Browser] {
        var browsers: [Browser] = []
        for _ in 0..<1000 where browsers.count < 100 {
            var b = Browser(port: cluster.proxyPort)
            if try b.refresh().servedBy == "tomcat1" {
                #expect(try b.refresh().hits == 2)
                browsers.append(b)
            }
        }
        try #require(browsers.count == 100)
        return browsers
    }

    /// Kills tomcat1; each session's next request goes to its stand-in with its data. Returns the stand-ins.
    private func killTomcat1(_ cluster: ClusterFixture, _ browsers: inout [Browser]) throws -> [String] {
        cluster.app(route: "tomcat1").stop(SIGKILL)
        var standIns: [String] = []
        for i in browsers.indices {
            let page = try browsers[i].refresh()
            #expect(page.servedBy != "tomcat1")
            #expect(page.hits == 3, "the stand-in read the replicated session")
            #expect(page.setCookie == nil, "replicated mode does not re-stamp")
            standIns.append(page.servedBy)
        }
        #expect(Set(standIns).count == 2, "the moved sessions spread over both other nodes")
        return standIns
    }

    /// Restarts tomcat1 and waits until the proxy sends new sessions to it again.
    private func restartTomcat1(_ cluster: ClusterFixture) throws {
        try cluster.restartApp(route: "tomcat1")
        var newSessionOnTomcat1 = false
        #expect(eventually(seconds: 20) {
            var b = Browser(port: cluster.proxyPort)
            newSessionOnTomcat1 = (try? b.refresh().servedBy) == "tomcat1"
            return newSessionOnTomcat1
        }, "a new session reaches the restarted tomcat1")
    }

    @Test func movedSessionsStayOnTheirStandInWhenTheOwnerReturns() throws {
        let cluster = try cluster("")
        defer { cluster.stop() }
        var browsers = try sessionsOnTomcat1(cluster)
        let standIns = try killTomcat1(cluster, &browsers)
        try restartTomcat1(cluster)

        var wentBack = 0, lostData = 0
        for i in browsers.indices {
            let before = browsers[i].cookie
            let page = try browsers[i].refresh()
            if page.servedBy == "tomcat1" { wentBack += 1 }
            if page.hits != 4 || page.sessionID != before { lostData += 1 }
            #expect(page.servedBy == standIns[i], "session \(page.sessionID) stays on its stand-in")
        }
        #expect(wentBack == 0)
        #expect(lostData == 0)
        let status = try TestClient.get(port: cluster.proxyPort, "/jvm-status").text
        #expect(status.contains("failback: stay, moved_sessions: 100, moves: 100, kept_on_stand_in: 100"), "\(status)")
    }

    /// The old behaviour, kept as `failback=return`: every moved session goes back to the restarted owner, which
    /// has no copy of it (a new, empty session: the data is lost). This is what the test above rules out.
    @Test func failbackReturnSendsEverySessionBackToItsOwner() throws {
        let cluster = try cluster("failback=return")
        defer { cluster.stop() }
        var browsers = try sessionsOnTomcat1(cluster)
        _ = try killTomcat1(cluster, &browsers)
        try restartTomcat1(cluster)

        var wentBack = 0, lostData = 0
        for i in browsers.indices {
            let page = try browsers[i].refresh()
            if page.servedBy == "tomcat1" { wentBack += 1 }
            if page.hits != 4 { lostData += 1 }
        }
        #expect(wentBack == 100)
        #expect(lostData == 100)
    }

    /// Nodes that re-stamp (MSM sticky) tell the proxy themselves: the Set-Cookie with the stand-in's route
    /// drops the entry, and the session belongs to the stand-in by its route from then on.
    @Test func aReStampedSessionLeavesTheTable() throws {
        let cluster = try ClusterFixture(.jvmRouteSticky, serverParameters: "max_fails=1 fail_timeout=1s")
        defer { cluster.stop() }
        var browser = Browser(port: cluster.proxyPort)
        let first = try browser.refresh()
        let owner = first.servedBy
        cluster.app(route: owner).stop(SIGKILL)
        let moved = try browser.refresh()
        #expect(moved.setCookie == "\(first.base).\(cluster.otherRoute(than: owner))")
        #expect(moved.hits == 2)
        let status = try TestClient.get(port: cluster.proxyPort, "/jvm-status").text
        #expect(status.contains("failback: stay, moved_sessions: 0, moves: 1, kept_on_stand_in: 0, restamped: 1"), "\(status)")
    }
}
