import Glibc

/// One libevent `event_base`, owned by one thread (a worker or the master).
///
/// Everything registered on a loop — watchers, timers, connections — belongs to that loop's thread: the
/// engine's objects are non-Sendable and only `Mailbox` crosses threads. The base is created without
/// libevent's internal locks because nothing else touches it. Its pointer and libevent's calls are in
/// `Libevent-unsafe.swift`.
public final class Loop {
    let base: EventBase
    /// (millis, libevent's common timeout): a handful per loop, scanned linearly (cheaper than hashing an Int
    /// on every arm, several times per request).
    private var commonTimeouts: [(millis: Int, timeout: CommonTimeout)] = []
    private var ownerThread: pthread_t?

    public init() { base = EventBase() }

    deinit { base.free() }

    /// Runs until `stop()` or until nothing is registered.
    public func run() {
        ownerThread = pthread_self()
        base.dispatch()
    }

    /// Runs one pass: waits for at least one event, handles what is ready, returns (for tests and shutdown drains).
    public func runOnce() {
        ownerThread = pthread_self()
        base.loopOnce()
    }

    /// Makes `run()` return after the callbacks now running. Loop thread only.
    public func stop() { base.loopBreak() }

    public func assertInLoop() {
        assert(ownerThread == nil || pthread_equal(ownerThread!, pthread_self()) != 0, "called off the loop's thread")
    }

    /// A libevent "common timeout" for this duration: timers sharing one duration sit in a queue instead of the
    /// heap, so arming the same connection timeout a million times costs O(1) each time.
    /// Nil once libevent's 256 common timeouts are taken (a config with that many distinct timeouts): the caller
    /// then arms an ordinary timer.
    func commonTimeout(millis: Int) -> CommonTimeout? {
        for entry in commonTimeouts where entry.millis == millis { return entry.timeout }
        guard let t = base.commonTimeout(millis: millis) else { return nil }
        commonTimeouts.append((millis, t))
        return t
    }
}
