import Config
import Balancing
import EventLoop
import Glibc
import Synchronization

/// A listening socket and the configuration it serves, handed from the master to each worker.
struct ListenSocket: @unchecked Sendable {
    let fd: Int32
    let listen: ListenRuntime
}

/// A balancer instance owned by one worker (balancers are value types with per-worker rotation state; the
/// peers' health is shared through `PeerHealth`). Boxed so `pick`/`release` mutate it in place.
final class BalancerBox {
    var balancer: any Balancer
    init(_ b: any Balancer) { balancer = b }
    func release(_ p: PeerID, _ outcome: PeerOutcome, now: Instant) { balancer.release(p, outcome, now: now) }
}

/// One worker thread: its loop, the listeners it accepts on, its connections, upstream keep-alive pool and
/// balancers. Everything here is touched only on the worker's own thread; the master talks to it through
/// `mailbox`.
final class Worker {
    let index: Int
    let loop = Loop()
    let mailbox: Mailbox
    private(set) var runtime: Runtime
    let stats: SharedStats
    let pool: UpstreamPool
    let clock = LogClock()
    private(set) var accessLog: AccessLogWriter
    private var connections: [Int32: ClientConnection] = [:]
    private var acceptors: [Watcher] = []
    private var mailboxWatcher: Watcher?
    private var balancers: [ObjectIdentifier: BalancerBox] = [:]
    private(set) var isShuttingDown = false
    private var onIdle: (() -> Void)?
    private var flushTimer: Watcher?

    init(index: Int, runtime: Runtime, sockets: [ListenSocket], stats: SharedStats, mailbox: Mailbox) {
        self.index = index
        self.runtime = runtime
        self.stats = stats
        self.mailbox = mailbox
        self.pool = UpstreamPool(loop: loop)
        self.accessLog = AccessLogWriter(files: runtime.accessLogFiles)
        listen(on: sockets)
        mailboxWatcher = mailbox.attach(to: loop)
        flushTimer = Watcher.timer(loop: loop) { [unowned self] in self.periodic() }
        flushTimer?.arm(exactMillis: 1000)
    }

    func run() { loop.run() }

    // MARK: - Accepting

    private func listen(on sockets: [ListenSocket]) {
        for w in acceptors { w.disarm() }
        acceptors = sockets.map { s in
            let w = Watcher(loop: loop, fd: s.fd, events: .read) { [unowned self] _ in self.accept(s) }
            w.arm()
            return w
        }
    }

    private func accept(_ s: ListenSocket) {
        // Accept a bounded batch per wake-up so one busy listener cannot starve the connections.
        for _ in 0..<64 {
            switch Socket.accept(s.fd) {
            case .accepted(let fd, let peer):
                stats.accepted.add(1, ordering: .relaxed)
                if connections.count >= runtime.workerConnections {
                    log(.alert, "\(runtime.workerConnections) worker_connections are not enough", 0)
                    Syscall.close(fd)
                    continue
                }
                // tcp_nodelay on (nginx's default): a head and body written separately must not wait for
                // the client's delayed ACK (40 ms per keep-alive request otherwise).
                Socket.setNoDelay(fd)
                stats.handled.add(1, ordering: .relaxed)
                stats.active.add(1, ordering: .relaxed)
                let id = stats.nextConnectionID.add(1, ordering: .relaxed).newValue
                connections[fd] = ClientConnection(worker: self, fd: fd, peer: peer, listen: s.listen, id: id)
            case .wouldBlock:
                return
            case .failed(let e):
                if e == EMFILE || e == ENFILE {
                    log(.crit, "accept4() failed (\(e): \(Syscall.describe(e)))", 0)
                }
                return
            }
        }
    }

    func connectionClosed(_ c: ClientConnection) {
        if connections.removeValue(forKey: c.fd) != nil {
            stats.active.subtract(1, ordering: .relaxed)
            c.releaseSocket()
        }
        if isShuttingDown && connections.isEmpty { onIdle?() }
    }

    // MARK: - Reload and stop (called through the mailbox, on this thread)

    /// A new configuration: new requests use it; requests in flight finish on the one they started with.
    func adopt(_ new: Runtime, sockets: [ListenSocket]) {
        runtime = new
        balancers.removeAll()
        accessLog.flush()
        accessLog = AccessLogWriter(files: new.accessLogFiles)
        listen(on: sockets)
    }

    /// Graceful stop: stop accepting, close idle connections now, let busy ones finish, then end the loop.
    func beginShutdown(graceful: Bool, done: @escaping () -> Void) {
        isShuttingDown = true
        for w in acceptors { w.disarm() }
        acceptors.removeAll()
        onIdle = { [unowned self] in
            self.finish()
            done()
        }
        if !graceful {
            for c in Array(connections.values) { c.close() }
        } else {
            for c in Array(connections.values) { c.closeIfIdle() }
        }
        if connections.isEmpty { onIdle?() }
    }

    /// Fast stop after the shutdown timeout: close whatever is left.
    func forceClose() {
        for c in Array(connections.values) { c.close() }
    }

    private func finish() {
        onIdle = nil
        accessLog.flush()
        pool.closeAll()
        flushTimer?.disarm()
        mailboxWatcher?.disarm()
        loop.stop()
    }

    private func periodic() {
        accessLog.flush()
        flushTimer?.arm(exactMillis: 1000)
    }

    func reopenLogs() {
        accessLog.flush()
        accessLog = AccessLogWriter(files: runtime.accessLogFiles)
    }

    // MARK: - Services for connections

    func log(_ level: LogLevel, _ message: @autoclosure () -> String, _ connection: UInt64) {
        runtime.errorLog.log(level, message(), connection: connection)
    }

    func logAccess(_ r: Request) {
        guard let loc = r.location else { return }
        for sink in loc.accessLogs { accessLog.write(r, sink: sink) }
    }

    func now() -> Instant { Instant(nanoseconds: Clock.monotonicNanos()) }

    func balancer(for up: UpstreamRuntime) -> BalancerBox {
        let key = ObjectIdentifier(up)
        if let b = balancers[key] { return b }
        let b = BalancerBox(up.policy.makeBalancer())
        balancers[key] = b
        return b
    }

    func pickContext(for r: Request, upstream up: UpstreamRuntime) -> PickContext {
        up.policy.context(for: r)
    }
}
