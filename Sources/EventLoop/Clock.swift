import CSystem
import Glibc

/// Monotonic and wall-clock readings. Coarse clocks are enough for timeouts and logs and cost no syscall.
public enum Clock {
    /// Monotonic nanoseconds (CLOCK_MONOTONIC).
    public static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Monotonic nanoseconds as read once per wake-up of the loop (inside a `Watcher`'s handler), fresh elsewhere:
    /// the time of the events being handled, for what a request measures and the timers it arms. nginx reads its
    /// clock once per wake-up too; a request's dozen fresh readings cost a vDSO call each, and one per callback
    /// still cost one a request. Not for timing work inside one callback (a reload's load time): that is
    /// `monotonicNanos`.
    @inline(__always)
    public static func eventNanos() -> UInt64 { UInt64(cswy_event_nanos()) }

    /// Wall time as (seconds, milliseconds) since the epoch.
    public static func wallTime() -> (seconds: Int, millis: Int) {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return (ts.tv_sec, ts.tv_nsec / 1_000_000)
    }

    /// The kernel's id of the calling thread (nginx prints it in error-log lines).
    public static func threadID() -> Int32 { cswy_gettid() }
}
