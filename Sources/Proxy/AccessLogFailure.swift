import EventLoop
import Synchronization

/// nginx's words for an access-log write that failed, and its pace: one report a minute for each log
/// (ngx_http_log_write's `error_log_time`), however many lines fail meanwhile.
enum AccessLogFailure {
    /// The text to log for `result` (a write of `length` bytes to `path`), or nil when this log reported a
    /// failure less than a minute ago. `lastReport` holds that report's monotonic second.
    static func report(_ result: IOResult, of length: Int, path: String, lastReport: borrowing Atomic<Int>,
                       now: Int = Int(Clock.monotonicNanos() / 1_000_000_000)) -> String? {
        let last = lastReport.load(ordering: .relaxed)
        guard last == Int.min || now - last > 59,
              lastReport.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged
        else { return nil }
        switch result {
        case .error(let e): return "write() to \"\(path)\" failed (\(e): \(Syscall.describe(e)))"
        case .done(let n): return "write() to \"\(path)\" was incomplete: \(n) of \(length)"
        case .eof, .wouldBlock: return "write() to \"\(path)\" was incomplete: 0 of \(length)"
        }
    }
}
