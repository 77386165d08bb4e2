import Glibc

/// A value guarded by a `pthread_mutex_t`: the lock every shared table, log and mailbox uses.
///
/// Why not `Synchronization.Mutex`: on Linux it waits on a futex directly, which ThreadSanitizer cannot
/// see, so every access under it was reported as a race and a clean TSan run meant nothing. TSan (and
/// helgrind) intercept `pthread_mutex_lock`, so this lock's critical sections are ordered for them.
/// Uncontended, a pthread mutex is one atomic exchange to lock and one to unlock, as the futex mutex is
/// (callgrind figures in docs/SANITIZERS.md).
///
/// The same surface as `Mutex`, so a swap is a change of type name:
///
///     let seen = Lock<[Int]>([])
///     seen.withLock { $0.append(1) }
///     let n = seen.withLock { $0.count }
///
/// The mutex lives in its own allocation: a `pthread_mutex_t` must not move once initialised, and a
/// class's stored property has no stable address to hand to C.
public final class Lock<Value: ~Copyable>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    @usableFromInline var value: Value

    public init(_ value: consuming Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let rc = pthread_mutex_init(mutex, nil)
        precondition(rc == 0, "pthread_mutex_init failed: \(rc)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the value while holding the lock. Not reentrant: `body` must not take this lock again.
    @inlinable
    public func withLock<Result, E: Error>(_ body: (inout Value) throws(E) -> Result) throws(E) -> Result {
        lock()
        defer { unlock() }
        return try body(&value)
    }

    // Not inlinable: Glibc is an internal import. Release builds inline across modules anyway (CMO).
    @usableFromInline
    func lock() {
        let rc = pthread_mutex_lock(mutex)
        precondition(rc == 0, "pthread_mutex_lock failed: \(rc)")
    }

    @usableFromInline
    func unlock() {
        pthread_mutex_unlock(mutex)
    }
}
