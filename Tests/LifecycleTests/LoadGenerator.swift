import EventLoop
import Glibc
import Locking
import Synchronization
import SwitchyardTestSupport

/// Several client threads, each looping GET requests on one keep-alive connection, as a browser would.
///
/// A connection is reopened without counting a failure only when the server ended it while it was idle: the
/// last response said `Connection: close`, or the server had already closed it before the next request was
/// written (HTTP lets a client resend then). Once a request is written, any close, reset or timeout before
/// its response, and any broken or non-200 response, is a failure: the proxy may have read that request and
/// dropped it (during a reload, say), and resending it would hide the loss.
final class LoadGenerator: Sendable {
    struct Served: Sendable { let startNanos: UInt64; let backend: String }
    struct Totals: Sendable {
        var served: [Served] = []
        var failures: [String] = []
        var cleanCloses = 0
        var connections = 0
    }

    private let port: UInt16
    private let running = Atomic<Bool>(true)
    private let servedCount = Atomic<Int>(0)
    private let totals = Lock(Totals())
    private let threads = Lock<[WorkerThread]>([])

    init(port: UInt16, clients: Int) {
        self.port = port
        let spawned = (0..<clients).map { i in WorkerThread.spawn { [self] in self.loop(client: i) } }
        threads.withLock { $0 = spawned }
    }

    /// Requests answered so far (cheap, for polling).
    var served: Int { servedCount.load(ordering: .relaxed) }

    /// Stops the clients and returns what they saw.
    func stop() -> Totals {
        running.store(false, ordering: .relaxed)
        for t in threads.withLock({ t in defer { t = [] }; return t }) { t.join() }
        return totals.withLock { $0 }
    }

    private func loop(client: Int) {
        var connection: TestClient?
        var n = 0, onConnection = 0   // requests so far, and on this connection
        while running.load(ordering: .relaxed) {
            if let c = connection, c.closedWhileIdle() {
                connection = nil
                totals.withLock { $0.cleanCloses += 1 }      // ended while idle: nothing was lost
            }
            if connection == nil {
                do {
                    connection = try TestClient(port: port)
                    onConnection = 0
                    totals.withLock { $0.connections += 1 }
                } catch {
                    totals.withLock { $0.failures.append("client \(client): \(error)") }
                    return
                }
            }
            n += 1
            onConnection += 1
            let start = nowNanos()
            do {
                try connection!.send("GET /load/\(client)/\(n) HTTP/1.1\r\nHost: localhost\r\n\r\n")
                let r = try connection!.readResponse()
                let backend = r.header("X-Backend") ?? "-"
                guard r.status == 200, r.text == backend else {
                    totals.withLock { $0.failures.append("client \(client) #\(n): \(r.status) from \(backend)") }
                    connection = nil
                    continue
                }
                totals.withLock { $0.served.append(Served(startNanos: start, backend: backend)) }
                servedCount.add(1, ordering: .relaxed)
                if r.header("Connection")?.lowercased() == "close" {
                    connection = nil
                    totals.withLock { $0.cleanCloses += 1 }  // the server said so: the next request goes elsewhere
                }
            } catch {
                connection = nil
                let place = onConnection > 1 ? ", request \(onConnection) on a connection whose last response said keep-alive" : ""
                totals.withLock { $0.failures.append("client \(client) #\(n)\(place): \(error)") }
            }
        }
    }
}
