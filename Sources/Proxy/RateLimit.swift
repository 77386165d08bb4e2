/// nginx's rate rule for `limit_rate` (the client) and `proxy_limit_rate` (the upstream): by now, `rate` bytes a
/// second for the time elapsed plus one second, less what went already; counted in milliseconds, so the rate is
/// smooth rather than a burst at each second (README's differences table).
enum RateLimit {
    /// Bytes allowed now; zero or less means wait.
    @inline(__always)
    static func allowance(rate: Int, elapsedMillis: Int64, used: Int64) -> Int {
        Int(clamping: Int64(rate) * (elapsedMillis + 1000) / 1000 - used)
    }

    /// How long until `deficit` more bytes are allowed and then a batch of sending: a tenth of a second's worth,
    /// at least 1 KiB (a second's worth when that is less), or `want` when less is left to send. Waking for what
    /// the last millisecond allowed sent a slow download as a few bytes a segment, 250 a second (nginx, by
    /// the second, sends one burst a second).
    static func waitMillis(deficit: Int, rate: Int, want: Int = .max) -> Int {
        let rate = max(rate, 1)
        let batch = min(want, rate, max(rate / 10, 1024))
        return max(1, (deficit + batch) * 1000 / rate + 1)
    }
}
