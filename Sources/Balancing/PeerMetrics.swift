/// What the `metrics` page reports per server beyond the balancer's own counters: responses by status class,
/// header and response time histograms, how often the server became unavailable and how often it was passed over
/// at `max_conns`. Lives in the server's `PeerSlot`, so a reload carries it over with the rest of its history.
/// Relaxed atomics: every worker adds, totals are exact, nothing orders against them.
final class PeerMetrics: Sendable {
    /// Histogram bucket upper bounds, in microseconds; one more bucket above the last holds the rest (+Inf).
    static let boundsMicros: [UInt64] = [5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
                                         2_500_000, 5_000_000, 10_000_000]
    static let buckets = boundsMicros.count + 1

    // Word layout: responses by class (1xx…5xx), unavailable periods, max_conns refusals, then each histogram
    // as its buckets (not cumulative) and its sum in microseconds.
    private static let unavailableWord = 5
    private static let maxConnsWord = 6
    private static let headerBase = 7
    private static let responseBase = headerBase + buckets + 1
    private let words = AtomicWords(count: PeerMetrics.responseBase + PeerMetrics.buckets + 1)

    init() {}

    /// One answered try: its status and how long the head and the whole response took (`.max`: not reached).
    func record(status: Int, headerNanos: UInt64, responseNanos: UInt64) {
        if status >= 100 && status < 600 { words.add(status / 100 - 1, 1) }
        observe(headerNanos, base: Self.headerBase)
        observe(responseNanos, base: Self.responseBase)
    }

    func noteUnavailable() { words.add(Self.unavailableWord, 1) }
    func noteMaxConns() { words.add(Self.maxConnsWord, 1) }

    private func observe(_ nanos: UInt64, base: Int) {
        guard nanos != .max else { return }
        let micros = nanos / 1_000
        var bucket = 0
        while bucket < Self.boundsMicros.count && micros > Self.boundsMicros[bucket] { bucket += 1 }
        words.add(base + bucket, 1)
        words.add(base + Self.buckets, micros)
    }

    func copy(from old: PeerMetrics) {
        for i in 0..<words.count { words.store(i, old.words.load(i)) }
    }

    var snapshot: PeerMetricsSnapshot {
        func histogram(_ base: Int) -> LatencyHistogram {
            LatencyHistogram(counts: (0..<Self.buckets).map { Int(words.load(base + $0)) },
                             sumMicros: words.load(base + Self.buckets))
        }
        return PeerMetricsSnapshot(
            responsesByClass: (0..<5).map { Int(words.load($0)) },
            unavailablePeriods: Int(words.load(Self.unavailableWord)),
            maxConnsRefusals: Int(words.load(Self.maxConnsWord)),
            headerTime: histogram(Self.headerBase), responseTime: histogram(Self.responseBase))
    }
}

/// One histogram read out: per-bucket counts (not cumulative; the last is above every bound) and the sum.
public struct LatencyHistogram: Sendable, Equatable {
    public static var boundsMicros: [UInt64] { PeerMetrics.boundsMicros }
    public let counts: [Int]
    public let sumMicros: UInt64
    public var count: Int { counts.reduce(0, +) }
}

/// A server's metrics at one moment.
public struct PeerMetricsSnapshot: Sendable, Equatable {
    /// Responses with status 1xx, 2xx, 3xx, 4xx, 5xx.
    public let responsesByClass: [Int]
    /// Times the server was marked unavailable (`max_fails` reached).
    public let unavailablePeriods: Int
    /// Times a pick passed the server over because it was at `max_conns`.
    public let maxConnsRefusals: Int
    public let headerTime: LatencyHistogram
    public let responseTime: LatencyHistogram
}
