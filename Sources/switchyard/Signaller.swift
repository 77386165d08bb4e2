private import Config
private import Glibc

/// `-s SIGNAL`: read the master's pid from the pid file and signal it, with nginx's error texts.
struct Signaller {
    let output: ErrorOutput

    func send(_ signal: ProcessSignal, pidFile: String) -> Int32 {
        let bytes: [UInt8]
        do {
            bytes = try FileSystemConfigSource().read(pidFile)
        } catch {
            output.line("switchyard: [error] \(error.message)")
            return 1
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let trimmed = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == " " }).first.map(String.init) ?? ""
        guard let pid = Int32(trimmed), pid > 0 else {
            output.line("switchyard: [error] invalid PID number \"\(trimmed)\" in \"\(pidFile)\"")
            return 1
        }
        let number = Signaller.number(of: signal)
        if kill(pid, number) != 0 {
            let code = errno
            output.line("switchyard: [alert] kill(\(pid), \(number)) failed (\(code): \(String(cString: strerror(code))))")
            return 1
        }
        return 0
    }

    /// nginx's mapping: stop TERM, quit QUIT, reload HUP, reopen USR1.
    static func number(of signal: ProcessSignal) -> Int32 {
        switch signal {
        case .stop: SIGTERM
        case .quit: SIGQUIT
        case .reload: SIGHUP
        case .reopen: SIGUSR1
        }
    }
}
