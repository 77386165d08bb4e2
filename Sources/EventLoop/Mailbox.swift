import CSystem
import Glibc
import Locking

/// The one way to reach a loop from another thread: post a closure, the loop runs it on its own thread.
/// Backed by an eventfd watched by the loop (the loop's wake-up), and a short mutex-protected queue
/// that only the poster and the loop touch — workers never wait on it during requests.
public final class Mailbox: Sendable {
    private let fd: Int32
    private let queue = Lock<[@Sendable () -> Void]>([])

    public init() {
        fd = cswy_eventfd(0, cswy_efd_nonblock() | cswy_efd_cloexec())
        precondition(fd >= 0, "eventfd failed")
    }

    deinit { Syscall.close(fd) }

    /// Called from any thread.
    public func post(_ task: @escaping @Sendable () -> Void) {
        queue.withLock { $0.append(task) }
        var one: UInt64 = 1
        _ = Glibc.write(fd, &one, 8)
    }

    /// Registers the wake-up on `loop`. The returned watcher must live as long as the loop serves the mailbox.
    public func attach(to loop: Loop) -> Watcher {
        let w = Watcher(loop: loop, fd: fd, events: .read) { [self] _ in drain() }
        w.arm()
        return w
    }

    private func drain() {
        var counter: UInt64 = 0
        _ = Glibc.read(fd, &counter, 8)
        let tasks = queue.withLock { q -> [@Sendable () -> Void] in
            let t = q; q.removeAll(); return t
        }
        for t in tasks { t() }
    }
}
