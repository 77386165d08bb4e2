import EventLoop
import Glibc

/// Log lines on stderr, `2024/01/02 03:04:05 [tomcat1] message`, in the spirit of catalina.out.
struct Log {
    let node: String

    func info(_ message: String) {
        let (seconds, _) = Clock.wallTime()
        var t = time_t(seconds)
        var parts = tm()
        localtime_r(&t, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let stamp = "\(parts.tm_year + 1900)/\(two(parts.tm_mon + 1))/\(two(parts.tm_mday)) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
        Self.write("\(stamp) [\(node)] \(message)\n", to: 2)
    }

    /// Unbuffered, so lines reach a log file at once even when the process is killed.
    static func write(_ text: String, to fd: Int32) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            // write(2), not Syscall.write: that one is send(2), for sockets only.
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            offset += n
        }
    }
}
