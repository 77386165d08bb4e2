/// nginx's leaky bucket arithmetic (ngx_http_limit_req_module), in its units: `excess` and `rate` count
/// thousandths of a request (a rate of 1000 is one request a second), times are milliseconds.
public enum LeakyBucket {
    /// The `last` of an entry no request has been accounted to yet: any elapsed time empties it.
    public static let never = Int64.min

    /// Milliseconds since `last`, as nginx counts them: a clock that went back by up to a minute counts as no
    /// time passed, further back as one millisecond; `never` is forever.
    public static func elapsed(since last: Int64, now: Int64) -> Int64 {
        if last == never { return .max }
        let ms = now &- last
        if ms < -60_000 { return 1 }
        return ms < 0 ? 0 : ms
    }

    /// The excess after one more request `ms` after the previous: what drained meanwhile is taken off, one
    /// request added, never below zero.
    public static func excess(after previous: Int, elapsed ms: Int64, rate: Int) -> Int {
        let drained = drained(elapsed: ms, rate: rate)
        return drained >= previous + 1000 ? 0 : previous - drained + 1000
    }

    /// The thousandths of a request drained in `ms`, saturating.
    static func drained(elapsed ms: Int64, rate: Int) -> Int {
        let (product, overflow) = Int(ms).multipliedReportingOverflow(by: rate)
        return overflow ? Int.max : product / 1000
    }
}
