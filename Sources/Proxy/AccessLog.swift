import Config
import Deflate
import Glibc
import EventLoop
import Locking
import Synchronization

/// An open access-log file, shared by workers (each line is one write(2) on O_APPEND, so lines never
/// interleave). Reopened on SIGUSR1.
public final class AccessLogFile: Sendable {
    let path: String
    private let fdBox: Lock<Int32>
    /// `access_log syslog:…`: each line one datagram to this server, nothing written to a file.
    let syslog: SyslogPeer?

    /// An empty `path` is the standard error (`access_log ""`, as nginx's empty file name): a copy of its
    /// descriptor, which a reopen leaves alone.
    init(path: String, open shouldOpen: Bool = true) {
        self.path = path
        fdBox = Lock(!shouldOpen ? -1 : path.isEmpty ? fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3) : LogFileOpener.open(path))
        syslog = nil
    }

    init(syslog peer: SyslogPeer, text: String) {
        path = text
        fdBox = Lock(-1)
        syslog = peer
    }

    deinit { fdBox.withLock { if $0 >= 0 { close($0) } } }

    var isOpen: Bool { fdBox.withLock { $0 >= 0 } }

    /// What the error log should say of a write that failed: every syslog line that could not go (nginx's
    /// `send() to syslog failed`); for a file, nginx's alert, at most once a minute per file (a full disk
    /// fails every line, and each would otherwise be an error-log line too).
    func write(_ bytes: [UInt8]) -> (level: LogLevel, text: String)? {
        if let peer = syslog {
            var datagram: [UInt8] = []
            peer.appendHeader(severity: peer.target.severity, to: &datagram)
            datagram += bytes.last == 10 ? bytes.dropLast() : bytes[...]
            return peer.send(datagram) ? nil : (.warn, "send() to syslog failed")
        }
        let fd = fdBox.withLock { $0 }
        guard fd >= 0 else { return nil }
        let result = Syscall.appendAll(fd, bytes)
        if result == .done(bytes.count) { return nil }
        return AccessLogFailure.report(result, of: bytes.count, path: path.isEmpty ? "stderr" : path,
                                       lastReport: lastReport).map { (.alert, $0) }
    }

    /// The monotonic second of the last failure reported (`write`).
    private let lastReport = Atomic<Int>(Int.min)

    /// Opens the path again (after logrotate moved the file); keeps the old descriptor on failure.
    func reopen() -> Bool {
        if syslog != nil || path.isEmpty { return true }
        let fd = LogFileOpener.open(path)
        if fd < 0 { return false }
        fdBox.withLock { old in if old >= 0 { close(old) }; old = fd }
        return true
    }
}

/// `log_format` escaping.
enum LogEscape { case `default`, json, none }

/// One `access_log` directive of a location: file, compiled format, buffering.
struct AccessLogSink {
    let file: Int              // index into Runtime.accessLogFiles
    let format: CompiledTemplate
    let escape: LogEscape
    let bufferSize: Int        // 0 = write each line at once (nginx without buffer=)
    /// `if=`: the line is written unless the value is empty or "0".
    var condition: CompiledTemplate? = nil
    /// `gzip[=level]`: each flushed buffer is written as one gzip member.
    var gzipLevel = 0
    /// A path with variables: evaluated per line, the file opened, written and closed (nginx without
    /// `open_log_file_cache`); `file` is unused then.
    var dynamicPath: CompiledTemplate? = nil
    /// With `open_log_file_cache`: its index in `Runtime.logFileCaches`, whose table keeps such files open.
    var fileCache: Int? = nil
}

/// A worker's pending access-log lines, per file. Lines are formatted on the worker and written with one
/// write(2) each (or batched with `buffer=`, flushed within a second and at exit).
final class AccessLogWriter {
    private let files: [AccessLogFile]
    private var pending: [[UInt8]]
    /// The gzip level of each file's buffer (0: plain), set by the sinks that write to it.
    private var gzipLevels: [Int]
    private var line: [UInt8] = []
    /// Each `open_log_file_cache`'s table, made on first use.
    private var caches: [LogFileCache?]
    private let cacheSpecs: [OpenLogFileCache]

    /// Where a failed write is reported when no request is at hand (a buffer's flush).
    private let errorLog: ErrorLogFile
    /// The monotonic second of the last failed write to a path with variables reported (once a minute).
    private let dynamicReport = Atomic<Int>(Int.min)

    init(files: [AccessLogFile], caches: [OpenLogFileCache] = [], errorLog: ErrorLogFile) {
        self.files = files
        self.errorLog = errorLog
        pending = Array(repeating: [], count: files.count)
        gzipLevels = Array(repeating: 0, count: files.count)
        cacheSpecs = caches
        self.caches = Array(repeating: nil, count: caches.count)
    }

    deinit { closeCachedFiles() }

    /// Closes the descriptors open_log_file_cache keeps (a reload's old writer; SIGUSR1, as the files are then
    /// opened again by path).
    func closeCachedFiles() {
        var closing: [Int32] = []
        for i in caches.indices { caches[i]?.removeAll(closing: &closing) }
        for fd in closing { close(fd) }
    }

    func write(_ r: Request, sink: AccessLogSink) {
        if let condition = sink.condition {
            let value = r.evaluate(condition)
            if value.isEmpty || value == [UInt8(ascii: "0")] { return }
        }
        line.removeAll(keepingCapacity: true)
        for part in sink.format.parts {
            switch part {
            case .literal(let b): line.append(contentsOf: b)
            case .capture(let n): if n < r.captures.count { Self.escape(r.captures[n], sink.escape, into: &line) }
            case .variable(let v):
                var value: [UInt8] = []
                r.append(v, to: &value)
                // nginx writes `-` for a variable not found; json and none write nothing, and so does a value that
                // is there but empty (an empty $uri, `set $x ""`, a header sent with no value).
                if value.isEmpty && sink.escape == .default {
                    if !r.isFoundEmpty(v) { line.append(UInt8(ascii: "-")) }
                    continue
                }
                Self.escape(value, sink.escape, into: &line)
            }
        }
        line.append(10)
        if let path = sink.dynamicPath { return write(line, toPathOf: path, cache: sink.fileCache, r) }
        if sink.bufferSize == 0 {
            if let failure = files[sink.file].write(line) {
                let context = failure.level == .alert ? " while logging request" : ""   // nginx's, for a file
                r.connection.worker.log(failure.level, failure.text + context, r.connection)
            }
        } else {
            gzipLevels[sink.file] = sink.gzipLevel
            pending[sink.file].append(contentsOf: line)
            if pending[sink.file].count >= sink.bufferSize { flush(sink.file) }
        }
    }

    private func flush(_ i: Int) {
        if pending[i].isEmpty { return }
        if let failure = files[i].write(gzipLevels[i] > 0 ? GzipEncoder.member(pending[i], level: gzipLevels[i]) : pending[i]) {
            errorLog.log(failure.level, failure.text)
        }
        pending[i].removeAll(keepingCapacity: true)
    }

    func flush() { for i in pending.indices { flush(i) } }

    /// Appends `line` to the file `path` names for this request, through the location's open_log_file_cache
    /// when it has one. A value that climbs out with `..` or holds a NUL byte writes nothing: a client must not
    /// choose where the proxy writes.
    private func write(_ line: [UInt8], toPathOf path: CompiledTemplate, cache: Int?, _ r: Request) {
        let bytes = r.evaluate(path)
        if bytes.isEmpty || bytes.contains(0) || Bytes.firstIndex(of: Self.parent, in: bytes + [UInt8(ascii: "/")]) != nil {
            return
        }
        let name = String(decoding: bytes, as: UTF8.self)
        guard let cache else {
            let fd = open(name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return openFailed(name, errno, r) }
            append(line, to: fd, name, r)
            close(fd)
            return
        }
        if caches[cache] == nil {
            let spec = cacheSpecs[cache]
            caches[cache] = LogFileCache(max: spec.max, minUses: spec.minUses, inactiveMillis: Int64(spec.inactiveSeconds) * 1000,
                                         validMillis: Int64(spec.validSeconds) * 1000)
        }
        let now = Int64(Clock.eventNanos() / 1_000_000)
        var closing: [Int32] = []
        defer { for fd in closing { close(fd) } }
        if case .cached(let fd) = caches[cache]!.begin(bytes, now: now, closing: &closing) {
            append(line, to: fd, name, r)
            return
        }
        let fd = open(name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let e = errno
            caches[cache]!.openFailed(bytes, closing: &closing)
            return openFailed(name, e, r)
        }
        append(line, to: fd, name, r)
        if caches[cache]!.opened(bytes, fd: fd, now: now, closing: &closing) { close(fd) }
    }

    /// nginx logs each file a path with variables names that does not open, at `crit`.
    private func openFailed(_ name: String, _ e: Int32, _ r: Request) {
        r.connection.worker.log(.crit, "open() \"\(name)\" failed (\(e): \(Syscall.describe(e))) while logging request", r.connection)
    }

    private func append(_ line: [UInt8], to fd: Int32, _ name: String, _ r: Request) {
        let result = Syscall.appendAll(fd, line)
        if result == .done(line.count) { return }
        if let text = AccessLogFailure.report(result, of: line.count, path: name, lastReport: dynamicReport) {
            r.connection.worker.log(.alert, text + " while logging request", r.connection)
        }
    }

    private static let parent = Array("/../".utf8)

    /// nginx: `default` writes `"`, `\`, and bytes outside 32…126 as `\xXX`; `json` escapes as JSON strings.
    static func escape(_ value: [UInt8], _ mode: LogEscape, into out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
        switch mode {
        case .none:
            out.append(contentsOf: value)
        case .default:
            for c in value {
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 32 || c > 126 {
                    out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "x"), hex[Int(c >> 4)], hex[Int(c & 15)]])
                } else {
                    out.append(c)
                }
            }
        case .json:
            for c in value {
                switch c {
                case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
                case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
                case 10: out.append(contentsOf: [92, UInt8(ascii: "n")])
                case 13: out.append(contentsOf: [92, UInt8(ascii: "r")])
                case 9: out.append(contentsOf: [92, UInt8(ascii: "t")])
                case 0..<32:
                    out.append(contentsOf: Array("\\u00".utf8)); out.append(hex[Int(c >> 4)]); out.append(hex[Int(c & 15)])
                default: out.append(c)
                }
            }
        }
    }
}
