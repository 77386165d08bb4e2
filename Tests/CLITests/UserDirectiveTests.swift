import Glibc
import Testing
import SwitchyardTestSupport

/// A `user` that cannot be applied stops the start with nginx's `[emerg]` (issue 13 item 3: switchyard used to
/// log it and go on serving as root). As in nginx the names are checked while loading, so `-t` fails too.
@Suite(.enabled(if: getuid() == 0, "nginx checks `user` only when started as root"))
struct UserDirectiveTests {
    @Test(arguments: [("user no-such-user-13;", "getpwnam(\"no-such-user-13\") failed"),
                      ("user nobody no-such-group-13;", "getgrnam(\"no-such-group-13\") failed"),
                      ("user daemon-13-x;", "getpwnam(\"daemon-13-x\") failed")])
    func anUnknownUserOrGroupStopsTheStart(directive: String, message: String) throws {
        let port = freePort()
        let p = try ProxyProcess(config: """
            \(directive)
            events {}
            http { server { listen 127.0.0.1:\(port); location / { return 200 "ok"; } } }
            """)
        defer { p.stop(SIGKILL) }
        #expect(p.waitForExit(seconds: 20) == 1)
        #expect(p.stderr().contains("[emerg] \(message) in \(p.prefix)/conf/nginx.conf:1"), "\(p.stderr())")
        #expect(access(p.prefix + "/logs/switchyard.pid", F_OK) != 0)
        #expect((try? TestClient(port: port)) == nil, "nothing listens")

        let test = try ProxyProcess.run(arguments: ["-t", "-p", p.prefix], prefix: p.prefix)
        #expect(test.status == 1)
        #expect(test.stderr.contains("[emerg] \(message) in \(p.prefix)/conf/nginx.conf:1"), "\(test.stderr)")
    }
}
