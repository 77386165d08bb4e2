import Glibc
import CLibevent

/// One libevent `event_base`, owned by one thread (a worker or the master).
///
/// Everything registered on a loop — watchers, timers, connections — belongs to that loop's thread: the
/// engine's objects are non-Sendable and only `Mailbox` crosses threads. The base is created without
/// libevent's internal locks because nothing else touches it.
public final class Loop {
    let base: OpaquePointer
    private var commonTimeouts: [Int: UnsafePointer<timeval>] = [:]
    private var ownerThread: pthread_t?

    public init() {
        let cfg = event_config_new()
        event_config_set_flag(cfg, Int32(EVENT_BASE_FLAG_NOLOCK.rawValue))
        guard let b = event_base_new_with_config(cfg) else { fatalError("event_base_new failed") }
        event_config_free(cfg)
        base = b
    }

    deinit { event_base_free(base) }

    /// Runs until `stop()` or until nothing is registered.
    public func run() {
        ownerThread = pthread_self()
        event_base_dispatch(base)
    }

    /// Runs one pass: waits for at least one event, handles what is ready, returns (for tests and shutdown drains).
    public func runOnce() {
        ownerThread = pthread_self()
        event_base_loop(base, EVLOOP_ONCE)
    }

    /// Makes `run()` return after the callbacks now running. Loop thread only.
    public func stop() { event_base_loopbreak(base) }

    public func assertInLoop() {
        assert(ownerThread == nil || pthread_equal(ownerThread!, pthread_self()) != 0, "called off the loop's thread")
    }

    /// A libevent "common timeout" for this duration: timers sharing one duration sit in a queue instead of the
    /// heap, so arming the same connection timeout a million times costs O(1) each time.
    func commonTimeout(millis: Int) -> UnsafePointer<timeval> {
        if let t = commonTimeouts[millis] { return t }
        var tv = timeval(tv_sec: millis / 1000, tv_usec: (millis % 1000) * 1000)
        let t = event_base_init_common_timeout(base, &tv)!
        commonTimeouts[millis] = t
        return t
    }
}
