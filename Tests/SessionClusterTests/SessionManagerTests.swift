@testable import session_app
import SwitchyardTestSupport
import Testing

/// SessionManager without a reachable memcached (a closed port refuses at once): what a node does on its own.
struct SessionManagerTests {
    private func manager(_ args: [String]) throws -> SessionManager {
        let options = try AppOptions.parse(["--port", "8081", "--jvm-route", "tomcat1"] + args)
        return SessionManager(options: options, log: Log(node: "test"))
    }

    private func request(_ id: SessionID) -> RequestedSession {
        RequestedSession.find(path: Array("/tomcat-session/".utf8)[...], cookie: Array(id.text.utf8)[...])
    }

    private let page = Array("/tomcat-session/".utf8)

    @Test func localSessionsAreFoundOnlyUnderTheirOwnRoute() throws {
        let m = try manager([])
        var s = m.create()
        #expect(s.isNew && s.needsCookie)
        #expect(s.id.route == "tomcat1")
        s.record.hits = 1
        m.end(s, modified: true, path: page, lock: nil)
        var lock: SessionLock?
        let again = try #require(m.begin(request(s.id), path: page, lock: &lock))
        #expect(again.record.hits == 1)
        #expect(!again.needsCookie)
        // Plain Tomcat cannot know another node's session: the request gets a new one.
        #expect(m.begin(request(s.id.restamped(route: "tomcat2")), path: page, lock: &lock) == nil)
        #expect(m.begin(request(SessionID(base: "0000", route: "tomcat1")), path: page, lock: &lock) == nil)
    }

    @Test func nonStickyKeepsSessionsLocallyWhileMemcachedIsDownAndLearnsReadOnlyPaths() throws {
        let m = try manager(["--memcached", "n1:127.0.0.1:\(deadPort())", "--non-sticky", "--locking", "auto"])
        var s = m.create()
        s.record.hits = 1
        m.end(s, modified: true, path: page, lock: nil)
        #expect(m.local[s.id.base]?.hits == 1, "no memcached node took it: the local copy is the session now")

        var lock: SessionLock?
        let missing = Array("/missing".utf8)
        let read = try #require(m.begin(request(s.id), path: missing, lock: &lock))
        m.end(read, modified: false, path: missing, lock: lock)
        #expect(m.readOnlyPaths == [missing], "auto locking: a path that left the session alone needs no lock")

        var write = try #require(m.begin(request(s.id), path: page, lock: &lock))
        write.record.hits += 1
        m.end(write, modified: true, path: page, lock: lock)
        #expect(m.local[s.id.base]?.hits == 2)
        #expect(!m.readOnlyPaths.contains(page))
    }

    @Test func stickyTakeOverNeedsTheBackup() throws {
        // Without a reachable memcached there is no backup to take over: another node's session starts anew.
        let m = try manager(["--memcached", "n1:127.0.0.1:\(deadPort())", "--sticky"])
        var lock: SessionLock?
        #expect(m.begin(request(SessionID(base: "ABCD", route: "tomcat2")), path: page, lock: &lock) == nil)
    }
}
