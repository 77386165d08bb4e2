import Glibc
import SwitchyardTestSupport
import Testing

/// `listen … reuseport` gives each worker its own socket: the kernel spreads connections over the workers.
/// Seen as nginx shows it: the debug error log's `accept:` lines, whose `pid#tid` prefix names the worker.
@Suite(.serialized) struct ReusePortTests {
    static func config(_ listens: [String]) -> String {
        """
        worker_processes 2;
        error_log logs/error.log debug;
        pid logs/switchyard.pid;
        events { worker_connections 256; }
        http {
            access_log off;
            server {
                \(listens.map { "listen \($0);" }.joined(separator: "\n        "))
                location / { return 200 "ok"; }
            }
        }
        """
    }

    /// The worker thread ids of the `accept:` lines logged after `offset` characters of the error log.
    static func acceptingWorkers(_ p: ProxyProcess, after offset: Int = 0) -> [Substring: Int] {
        var counts: [Substring: Int] = [:]
        for line in p.file("logs/error.log").dropFirst(offset).split(separator: "\n") where line.contains("accept: ") {
            // `2026/12/05 03:00:00 [debug] 123#456: *7 accept: 127.0.0.1:5000 fd:9`
            guard let hash = line.firstIndex(of: "#"), let colon = line[hash...].firstIndex(of: ":") else { continue }
            counts[line[line.index(after: hash)..<colon], default: 0] += 1
        }
        return counts
    }

    static func requests(_ port: UInt16, _ n: Int) throws {
        for _ in 0..<n { #expect(try TestClient.get(port: port, "/").status == 200) }
    }

    @Test func connectionsLandOnBothWorkers() throws {
        let port = freePort()
        let p = try ProxyProcess(config: Self.config(["127.0.0.1:\(port) reuseport"]), waitForPort: port)
        defer { p.stop() }
        try Self.requests(port, 40)
        // The kernel hashes each connection's address pair over the two sockets: all 40 on one worker would
        // happen with probability 2^-39. Without per-worker sockets one shared socket woke whichever worker.
        #expect(eventually { Self.acceptingWorkers(p).values.reduce(0, +) >= 40 })
        let workers = Self.acceptingWorkers(p)
        #expect(workers.count == 2, "accepting workers: \(workers)")
    }

    @Test func reloadKeepsPerWorkerSocketsAndClosesRemovedOnes() throws {
        let kept = freePort(), removed = freePort()
        let p = try ProxyProcess(config: Self.config(["127.0.0.1:\(kept) reuseport", "127.0.0.1:\(removed)"]),
                                 waitForPort: kept)
        defer { p.stop() }
        // The master handles signals once it has logged "started" (a SIGHUP before that is issue 13 item 1).
        #expect(eventually { p.file("logs/error.log").contains("started") })
        try TempDir.write(p.prefix + "/conf/nginx.conf", Self.config(["127.0.0.1:\(kept) reuseport"]))
        p.signal(SIGHUP)
        #expect(eventually { p.file("logs/error.log").contains("reconfigured in") })
        #expect(p.file("logs/error.log").contains("listen removed 127.0.0.1:\(removed)"))
        // The removed address refuses connections: its socket closed once both workers moved.
        #expect(eventually { (try? TestClient(port: removed, timeoutSeconds: 1)) == nil })
        // The kept address still has a socket per worker.
        let offset = p.file("logs/error.log").count
        try Self.requests(kept, 40)
        #expect(eventually { Self.acceptingWorkers(p, after: offset).values.reduce(0, +) >= 40 })
        let workers = Self.acceptingWorkers(p, after: offset)
        #expect(workers.count == 2, "accepting workers after reload: \(workers)")
    }

    @Test func sharedListenerServesWithTwoWorkers() throws {
        let port = freePort()
        let p = try ProxyProcess(config: Self.config(["127.0.0.1:\(port)"]), waitForPort: port)
        defer { p.stop() }
        try Self.requests(port, 20)
    }
}
