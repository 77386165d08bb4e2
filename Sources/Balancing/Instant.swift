/// A point on a monotonic clock, in nanoseconds, passed in by the caller so tests drive time by hand.
///
///     let now = Instant(nanoseconds: 5_000_000_000)   // 5 s after the clock's origin
public struct Instant: Comparable, Hashable, Sendable {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) {
        self.nanoseconds = nanoseconds
    }

    /// Whole seconds after the clock's origin: `Instant.seconds(10)`.
    public static func seconds(_ seconds: UInt64) -> Instant {
        Instant(nanoseconds: seconds * 1_000_000_000)
    }

    public static func < (lhs: Instant, rhs: Instant) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    public static func + (lhs: Instant, rhs: Duration) -> Instant {
        Instant(nanoseconds: lhs.nanoseconds &+ UInt64(clamping: rhs.nanoseconds))
    }

    /// Signed nanoseconds, the unit `PeerHealth` stores in its atomics.
    var signed: Int64 { Int64(clamping: nanoseconds) }
}

extension Duration {
    /// Whole nanoseconds (attoseconds truncated); config durations are far from overflowing.
    var nanoseconds: Int64 {
        let parts = components
        return parts.seconds &* 1_000_000_000 &+ parts.attoseconds / 1_000_000_000
    }
}
