import CSystem

/// One wake-up per connection on a listening socket that every worker's loop watches (no `reuseport`).
///
/// Registered plainly, a shared listener wakes every worker for each connection, and all but one find
/// nothing to accept (the thundering herd). `EPOLLEXCLUSIVE` makes the kernel wake one waiting loop, but
/// only for the epoll instance a thread is blocked in: registered in a private epoll that the loop watches
/// (nested), it wakes every loop again, because the kernel counts a nested wake-up as nobody woken (measured
/// on Linux 6.18: 941 wake-ups for 500 connections at 2 threads, against 500 for a direct registration).
/// So the flag goes on the loop's own registration: libevent adds the descriptor, then the shim
/// re-registers it in libevent's epoll instance with `EPOLLEXCLUSIVE` (same event mask, same data).
public enum ExclusiveAccept {
    /// Arms `watcher` (reading `fd`, a listening socket) on `loop`, exclusive when the backend allows it.
    /// Returns false when it fell back to a plain registration (not epoll, or an older kernel): correct,
    /// only with every loop woken per connection.
    @discardableResult
    public static func arm(_ watcher: Watcher, fd: Int32, loop: Loop) -> Bool {
        watcher.arm()
        return loop.base.epollExclusive(fd) == 0
    }
}
