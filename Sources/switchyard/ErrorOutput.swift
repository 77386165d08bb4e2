private import Glibc
private import EventLoop

/// Where nginx-style messages go: standard error, plus the `-e` file when one is given.
struct ErrorOutput {
    private let logFile: String?

    init(logFile: String?) {
        self.logFile = logFile == "stderr" ? nil : logFile
    }

    /// Writes one line (a newline is added) to stderr and the log file.
    func line(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        ErrorOutput.write(bytes, to: 2)
        guard let logFile else { return }
        let fd = open(logFile, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { return }
        ErrorOutput.write(bytes, to: fd)
        close(fd)
    }

    /// Text for standard output (`-T` dumps).
    static func standardOutput(_ bytes: [UInt8]) { write(bytes, to: 1) }

    /// Whether the `-e` file can be opened; nginx reports `[alert] could not open error log file` otherwise.
    func openFailure() -> String? {
        guard let logFile else { return nil }
        let fd = open(logFile, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if fd >= 0 {
            close(fd)
            return nil
        }
        let code = errno
        return "could not open error log file: open() \"\(logFile)\" failed (\(code): \(String(cString: strerror(code))))"
    }

    private static func write(_ bytes: [UInt8], to fd: Int32) { Syscall.writeAll(fd, bytes) }
}
