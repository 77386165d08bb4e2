import Glibc
import HTTP1

/// Formatted times cached per second (nginx's ngx_time_update idea): `$time_local`, `$time_iso8601`, the
/// `Date` header. Each worker owns one, so formatting happens at most once a second per worker, with no lock.
final class LogClock {
    private var second = -1
    private var local: [UInt8] = []
    private var iso: [UInt8] = []
    private var http: [UInt8] = []
    /// `Date: …\r\n`, the whole header line: one copy per response head instead of three appends.
    private var dateLine: [UInt8] = []

    private func refresh() {
        let now = time(nil)
        if now == second { return }
        second = now
        var t = now, tmv = tm()
        localtime_r(&t, &tmv)
        let offset = tmv.tm_gmtoff / 60   // $time_local and $time_iso8601 are in local time, as nginx prints them
        http = HTTPDate.imfFixdate(Int64(now))
        dateLine = Array("Date: ".utf8) + http + [13, 10]
        local.removeAll(keepingCapacity: true); HTTPDate.appendTimeLocal(Int64(now), utcOffsetMinutes: offset, to: &local)
        iso.removeAll(keepingCapacity: true); HTTPDate.appendISO8601(Int64(now), utcOffsetMinutes: offset, to: &iso)
    }

    func timeLocal() -> [UInt8] { refresh(); return local }
    func timeISO8601() -> [UInt8] { refresh(); return iso }
    func httpDate() -> [UInt8] { refresh(); return http }
    /// The `Date` line copied into a head where it is (handing out the array would cost a retain and a release).
    func appendDateLine(to w: inout HeadWriter) { refresh(); w.append(dateLine) }

    /// The wall clock's seconds as `$msec` reads them. time(2) reads the kernel's coarse clock, which may still
    /// say the last second for a tick after `$msec` has moved on: a cookie's expiry computed from it came out a
    /// second short of `$msec` + its lifetime (nginx's userid.t "expires time", now and then).
    static func seconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec)
    }

    /// `$msec`: seconds with millisecond resolution.
    static func msec() -> [UInt8] {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var out: [UInt8] = []
        ASCIIDecimal.append(ts.tv_sec, to: &out)
        out.append(UInt8(ascii: "."))
        let ms = ts.tv_nsec / 1_000_000
        if ms < 100 { out.append(48) }
        if ms < 10 { out.append(48) }
        ASCIIDecimal.append(ms, to: &out)
        return out
    }
}

/// Facts about this process, read once.
enum ProcessInfo {
    static let pid: Int32 = getpid()
    static let hostname: [UInt8] = {
        var buf = [CChar](repeating: 0, count: 256)
        gethostname(&buf, 255)
        return buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    }()
}

/// The versions `-v` prints: switchyard's own and the nginx release whose behaviour it follows.
public enum Version {
    public static let switchyard = "0.1.0"
    public static let nginx = "1.22.1"
}
