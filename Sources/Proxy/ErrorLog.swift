public import Config
import EventLoop
import Glibc
import Locking

/// The error log: `2026/11/25 09:00:00 [error] 1234#5: *7 message`, as nginx writes it.
///
/// Lines are written with one write(2) on an O_APPEND descriptor, so lines from several worker threads never
/// interleave and nothing is lost at exit. The error log is not on the request hot path (only failures log),
/// so it is written at once; `reopen()` serves SIGUSR1 (logrotate).
public final class ErrorLogFile: Sendable {
    private struct State { var fd: Int32; var path: String? }
    private let state: Lock<State>
    public let level: LogLevel
    /// The file's path; nil for stderr or syslog.
    let path: String?
    /// `error_log syslog:…`: lines go to this server instead (SyslogPeer.swift).
    let syslog: SyslogPeer?
    /// The next `error_log` of the same level of configuration (nginx's log->next): each line goes to every
    /// file of the chain whose level admits it.
    let also: ErrorLogFile?
    /// The errno of a file that could not be opened (lines then go to stderr); the runtime builder refuses it.
    let openError: Int32?

    /// `path == nil` writes to stderr.
    public init(path: String?, level: LogLevel, also: ErrorLogFile? = nil) {
        self.level = level
        var fd: Int32 = 2
        var failure: Int32? = nil
        if let path, path != "stderr" {
            fd = LogFileOpener.open(path)
            if fd < 0 { failure = errno; fd = 2 }
        }
        openError = failure
        self.path = path == "stderr" ? nil : path
        syslog = nil
        self.also = also
        state = Lock(State(fd: fd, path: path == "stderr" ? nil : path))
    }

    /// `error_log syslog:…`: each line a datagram, its severity the line's level (nginx's ngx_syslog_writer).
    init(syslog peer: SyslogPeer, level: LogLevel, also: ErrorLogFile? = nil) {
        self.level = level
        openError = nil
        path = nil
        syslog = peer
        self.also = also
        state = Lock(State(fd: -1, path: nil))
    }

    /// Each reload opens the file again; the replaced runtime's descriptor closes with it.
    deinit { state.withLock { if $0.fd > 2 { close($0.fd) } } }

    public static let stderr = ErrorLogFile(path: nil, level: .notice)

    @inline(__always) public func enabled(_ l: LogLevel) -> Bool { l >= level || also?.enabled(l) == true }

    /// Some file of the chain writes to stderr (no echo of a line there is needed then).
    var reachesStderr: Bool { (syslog == nil && path == nil) || also?.reachesStderr == true }

    public func log(_ l: LogLevel, _ message: @autoclosure () -> String, connection: UInt64 = 0) {
        guard enabled(l) else { return }
        let text = message()
        var file: ErrorLogFile? = self
        while let f = file {
            if l >= f.level { f.write(l, text, connection: connection) }
            file = f.also
        }
    }

    private func write(_ l: LogLevel, _ message: String, connection: UInt64) {
        var line = Self.timestamp()
        line += " [\(l.rawValue)] \(getpid())#\(Self.threadID()): "
        if connection != 0 { line += "*\(connection) " }
        line += message
        if let peer = syslog {
            var datagram: [UInt8] = []
            peer.appendHeader(severity: SyslogTarget.severities.firstIndex(of: l.rawValue) ?? 6, to: &datagram)
            peer.send(datagram + Array(line.utf8))
            return
        }
        line += "\n"
        // Every byte, by count: a NUL a client sent (in a request line the context quotes) ended the line at it
        // through strlen, without its line feed, and the next line was glued on.
        let bytes = Array(line.utf8)
        state.withLock { s in _ = Syscall.appendAll(s.fd, bytes) }
    }

    /// A daemon's standard error becomes this file (nginx's ngx_log_redirect_stderr): it no longer holds the
    /// starting shell's terminal or pipe (`out=$(switchyard 2>&1)` returned only when the server stopped), and
    /// what the runtime itself writes there lands in the error log. Not for stderr or syslog logs.
    public func becomeStderr() {
        state.withLock { s in
            if syslog == nil && s.path != nil && s.fd > 2 { _ = dup2(s.fd, 2) }
        }
    }

    /// Reopens the file (after logrotate renamed it). Returns an error text on failure, keeping the old file.
    @discardableResult
    public func reopen() -> String? {
        let mine: String? = state.withLock { s in
            guard syslog == nil, let path = s.path else { return nil }
            let fd = LogFileOpener.open(path)
            if fd < 0 { return "open() \"\(path)\" failed (\(errno): \(Syscall.describe(errno)))" }
            if s.fd != 2 { close(s.fd) }
            s.fd = fd
            return nil
        }
        let rest = also?.reopen()
        return mine ?? rest
    }

    static func threadID() -> Int32 { Clock.threadID() }

    /// `2026/11/25 09:00:00` in local time, as nginx's error log prints it.
    static func timestamp() -> String {
        var t = time(nil)
        var tmv = tm()
        localtime_r(&t, &tmv)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(tmv.tm_year + 1900)/\(two(tmv.tm_mon + 1))/\(two(tmv.tm_mday)) "
            + "\(two(tmv.tm_hour)):\(two(tmv.tm_min)):\(two(tmv.tm_sec))"
    }
}

