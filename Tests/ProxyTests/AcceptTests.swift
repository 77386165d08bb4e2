import Config
@testable import Proxy
import SwitchyardTestSupport
import Testing

/// How a worker takes connections off a listener: nginx's `multi_accept` (off: one per wake-up; on: all that
/// wait). Either way a burst of clients waiting in the backlog is served to the last one.
@Suite struct AcceptTests {
    @Test func aBurstWaitingInTheBacklogIsServedOnePerWakeUp() throws {
        let f = try Fixture(http: """
            server { listen 127.0.0.1:PORT; location / { return 200 "ok"; } }
            """)
        // Every client connects before any sends: all of them sit in the backlog at once.
        let clients = try (0..<100).map { _ in try f.client() }
        for c in clients { try c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n") }
        for (i, c) in clients.enumerated() {
            let r = try c.readResponse()
            #expect(r.status == 200 && r.text == "ok", "client \(i)")
        }
    }

    @Test func multiAcceptReachesTheWorkers() throws {
        func runtime(_ events: String) throws -> Runtime {
            let text = "events { \(events) } http { server { listen 127.0.0.1:1; return 200; } }"
            let config = try ConfigLoader(options: LoadOptions(prefix: "/tmp"),
                                          source: InMemoryConfigSource(["/c/nginx.conf": text])).load(file: "/c/nginx.conf")
            return try RuntimeBuilder.build(config, prefix: "/tmp", generation: 1, previous: nil, openFiles: false)
        }
        #expect(try !runtime("").multiAccept)
        #expect(try runtime("multi_accept on;").multiAccept)
    }
}
