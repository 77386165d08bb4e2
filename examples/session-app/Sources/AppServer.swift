import EventLoop
import Glibc

/// The listening socket and the connections, on one libevent loop and one thread; SIGINT/SIGTERM stop it.
final class AppServer {
    private let loop = Loop()
    private let app: SessionApp
    private let log: Log
    private let listenFD: Int32
    private var connections: [Int32: HTTPConnection] = [:]

    init(app: SessionApp, log: Log) throws(Socket.Failure) {
        self.app = app
        self.log = log
        listenFD = try Socket.listen(SocketAddress.parse("127.0.0.1:\(app.options.port)")!, backlog: 511, reusePort: false)
    }

    func run() {
        let acceptor = Watcher(loop: loop, fd: listenFD, events: .read) { [unowned self] _ in self.acceptAll() }
        acceptor.arm()
        let stops = [SIGINT, SIGTERM].map { sig in
            Watcher.signal(loop: loop, sig) { [unowned self] in
                self.log.info("signal \(sig): stopping")
                self.loop.stop()
            }
        }
        for s in stops { s.arm() }
        // A persistent timer (no fd): expired local sessions go once a minute.
        let sweep = Watcher(loop: loop, fd: -1, events: [], persist: true) { [unowned self] _ in self.app.manager.sweep() }
        sweep.arm(exactMillis: 60_000)
        log.info("listening on 127.0.0.1:\(app.options.port), jvmRoute \(app.options.jvmRoute ?? "(none)"); sessions: \(app.manager.storeDescription)")
        loop.run()
        acceptor.disarm()
        sweep.disarm()
        for s in stops { s.disarm() }
        for c in Array(connections.values) { c.close() }
        Syscall.close(listenFD)
    }

    private func acceptAll() {
        while true {
            switch Socket.accept(listenFD) {
            case .accepted(let fd, _):
                Socket.setNoDelay(fd)
                connections[fd] = HTTPConnection(fd: fd, loop: loop, app: app) { [unowned self] c in
                    self.connections.removeValue(forKey: c.fd)
                }
            case .wouldBlock: return
            case .failed(let e):
                log.info("accept() failed: \(Syscall.describe(e))")
                return
            }
        }
    }
}
