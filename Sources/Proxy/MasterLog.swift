import Config
import EventLoop

/// The master's error log. While the process starts, a warning or worse also goes to stderr as
/// `switchyard: [emerg] …`, as nginx writes it there until it lets go of stderr: a start that fails in a
/// terminal, or under systemd, says why where the operator looks (the journal), not only in the log file.
struct MasterLog {
    let file: ErrorLogFile
    /// True until the start completes (`Server.run`'s "started" notice).
    let starting: Bool

    func log(_ level: LogLevel, _ message: @autoclosure () -> String) {
        guard starting, level >= .warn, !file.reachesStderr else { return file.log(level, message()) }
        let text = message()
        file.log(level, text)
        Syscall.writeAll(2, Array("switchyard: [\(level.rawValue)] \(text)\n".utf8))
    }
}
