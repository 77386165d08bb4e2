import Glibc

/// A plain pthread: workers are long-lived threads each running one `Loop`, not tasks. `spawn` (the thread's
/// entry point, a C function handed a retained box) is in `Kernel-unsafe.swift`.
public struct WorkerThread: @unchecked Sendable {
    let handle: pthread_t

    public func join() { pthread_join(handle, nil) }

    /// For a thread nobody waits for (it ends on its own): its resources go when it returns. A thread
    /// neither joined nor detached is a leak (ThreadSanitizer reports it at exit).
    public func detach() { pthread_detach(handle) }
}
