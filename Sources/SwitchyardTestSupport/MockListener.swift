import EventLoop
import Glibc
import Locking
import Synchronization

/// The listening half of the tests' protocol backends (MockFastCGIBackend, MockCGIStreamBackend): one thread
/// accepts on 127.0.0.1 or a UNIX-domain socket, each connection is served on a thread of its own by blocking
/// reads, and `stop` shuts every socket so those threads end.
final class MockListener: @unchecked Sendable {
    let listening: SocketAddress
    let port: UInt16
    /// `127.0.0.1:PORT` or `unix:/path`, as a configuration names the backend.
    let address: String
    private let listenFD: Int32
    private let open = Lock<[Int32]>([])
    private let connectionCount = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private var acceptor: WorkerThread?

    init(_ listening: SocketAddress) throws {
        self.listening = listening
        port = listening.port
        address = listening.family == .unix ? listening.description : "127.0.0.1:\(listening.port)"
        listenFD = try Socket.listen(listening, backlog: 64, reusePort: false)
        _ = fcntl(listenFD, F_SETFL, fcntl(listenFD, F_GETFL, 0) & ~O_NONBLOCK)
    }

    /// Starts accepting; `serve` gets each connection's blocking descriptor and its number (1, 2, …) and returns
    /// when it is done with it (the listener closes it then).
    func start(_ serve: @escaping @Sendable (Int32, Int) -> Void) {
        let me = UncheckedSendable(self)
        acceptor = WorkerThread.spawn { me.value.acceptLoop(serve) }
    }

    /// Connections accepted so far.
    var connections: Int { connectionCount.load(ordering: .relaxed) }

    /// Stops accepting and shuts every open connection.
    func stop() {
        guard let t = acceptor else { return }
        acceptor = nil
        stopping.store(true, ordering: .relaxed)
        _ = shutdown(listenFD, Int32(SHUT_RDWR))
        for fd in open.withLock({ $0 }) { _ = shutdown(fd, Int32(SHUT_RDWR)) }
        t.join()
        Syscall.close(listenFD)
        _ = Socket.removeSocketFile(listening)
    }

    deinit { stop() }

    private func acceptLoop(_ serve: @escaping @Sendable (Int32, Int) -> Void) {
        while !stopping.load(ordering: .relaxed) {
            switch Socket.accept(listenFD) {
            case .accepted(let fd, _):
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) & ~O_NONBLOCK)
                let n = connectionCount.add(1, ordering: .relaxed).newValue
                open.withLock { $0.append(fd) }
                let me = UncheckedSendable(self)
                // Detached: `stop` ends it by shutting its socket and nobody waits for it (a thread neither joined
                // nor detached keeps its stack: ThreadSanitizer's "thread leak", one per connection served).
                WorkerThread.spawn {
                    serve(fd, n)
                    me.value.open.withLock { $0.removeAll { $0 == fd } }
                    Syscall.close(fd)
                }.detach()
            case .wouldBlock: continue
            case .failed: return
            }
        }
    }
}
