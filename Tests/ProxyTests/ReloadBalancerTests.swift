import Balancing
import Config
import EventLoop
@testable import Proxy
import Testing

/// #14 part 3: a request in flight across a reload gives its peer back to the balancer it was picked from.
/// Before, the exchange asked the worker again at release (`worker.balancer(for: up)`), and after
/// `Worker.adopt` had cleared the table that made a fresh box for the retired upstream: the release landed in
/// a balancer that never picked, and the box kept the old runtime's upstream alive until the next reload.
@Suite struct ReloadBalancerTests {
    static func runtime(_ upstream: String, previous: Runtime? = nil, generation: Int) throws -> Runtime {
        let text = """
            events { worker_connections 64; }
            http {
                access_log off;
                upstream pool { \(upstream) }
                server { listen 127.0.0.1:1; location / { proxy_pass http://pool; } }
            }
            """
        let config = try ConfigLoader(options: LoadOptions(prefix: "/tmp"),
                                      source: InMemoryConfigSource(["/c/nginx.conf": text])).load(file: "/c/nginx.conf")
        return try RuntimeBuilder.build(config, prefix: "/tmp", generation: generation, previous: previous, openFiles: false)
    }

    @Test(arguments: ["least_conn;", ""])
    func peerGoesBackToTheBalancerItCameFrom(_ method: String) throws {
        let servers = "\(method) server 127.0.0.1:9 max_conns=1; server 127.0.0.1:10;"
        let old = try Self.runtime(servers, generation: 1)
        let worker = Worker(index: 0, runtime: old, sockets: [], stats: SharedStats(), mailbox: Mailbox())
        let up = old.upstreams[0]
        // A request starts: its balancer is resolved once, and it picks the first server.
        let peers = UpstreamPeers(box: worker.balancer(for: up))
        var state = PickState()
        let now = Instant(nanoseconds: Clock.monotonicNanos())
        let pick = try #require(peers.box.balancer.pick(PickContext(), state: &state, now: now))
        #expect(up.health.activeConnections(pick.peer) == 1)

        // A reload while it is in flight; the new runtime's balancer starts with nothing in flight.
        let new = try Self.runtime(servers, previous: old, generation: 2)
        worker.adopt(new, sockets: [])
        #expect(worker.balancerCount == 0)
        let fresh = worker.balancer(for: new.upstreams[0])
        #expect(new.upstreams[0].health.activeConnections(pick.peer) == 0)

        // The old request ends: its peer goes back to the old runtime's balancer, and the worker makes no box
        // for the retired upstream.
        peers.release(pick.peer, .ok, now: now)
        #expect(up.health.activeConnections(pick.peer) == 0)
        #expect(worker.balancerCount == 1)
        #expect(worker.balancer(for: new.upstreams[0]) === fresh)
        // max_conns=1 server is free again in the new configuration.
        var s2 = PickState()
        let again = fresh.balancer.pick(PickContext(), state: &s2, now: now)
        #expect(again != nil)
    }
}
