/// nginx's rate rule for `limit_rate` (the client) and `proxy_limit_rate` (the upstream): by now, `rate` bytes a
/// second for the time elapsed plus one second, less what went already; counted in milliseconds, so the rate is
/// smooth rather than a burst at each second (README's differences table).
enum RateLimit {
    /// Bytes allowed now; zero or less means wait.
    @inline(__always)
    static func allowance(rate: Int, elapsedMillis: Int64, used: Int64) -> Int {
        Int(clamping: Int64(rate) * (elapsedMillis + 1000) / 1000 - used)
    }

    /// How long until `deficit` more bytes are allowed, at least a millisecond.
    static func waitMillis(deficit: Int, rate: Int) -> Int {
        max(1, deficit * 1000 / max(rate, 1) + 1)
    }
}
