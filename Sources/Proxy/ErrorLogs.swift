import Config

/// `error_log` in http, server and location blocks: a request's messages go to its location's files (nginx's
/// ngx_http_update_location_config switching the connection's log), the server's before a location is chosen,
/// the default server's before the Host is read, and the main error log where no level names one.
extension Builder {
    /// One file per path and level across the configuration; the main error log's own file is shared.
    mutating func errorLogFiles(_ logs: [ErrorLog]) -> [ErrorLogFile] {
        logs.map { e in
            let path = e.path == "stderr" ? nil : e.path
            let key = "\(e.level.rawValue) \(path ?? "stderr")"
            if let f = levelErrorLogs[key] { return f }
            let f: ErrorLogFile
            if let main = mainErrorLog, main.level == e.level, main.path == path {
                f = main
            } else {
                f = ErrorLogFile(path: openFiles ? path : nil, level: e.level)
                if let p = path { checkOpened(p, openFiles ? f.openError : nil, at: nil) }
            }
            levelErrorLogs[key] = f
            return f
        }
    }
}

extension ClientConnection {
    /// The error_log files of what the connection serves now: the request's location, else its server, else
    /// the address's default server; empty for the main error log.
    var errorLogs: [ErrorLogFile] {
        if let r = currentRequest {
            if let loc = r.location { return loc.errorLogs }
            if let s = r.server { return s.fallback.errorLogs }
        }
        return listen.hosts.defaultServer.fallback.errorLogs
    }
}

extension Worker {
    /// A message about a connection, to its level's error logs.
    func log(_ level: LogLevel, _ message: @autoclosure () -> String, _ c: ClientConnection) {
        let files = c.errorLogs
        if files.isEmpty { return runtime.errorLog.log(level, message(), connection: c.id) }
        guard files.contains(where: { $0.enabled(level) }) else { return }
        let text = message()
        for f in files { f.log(level, text, connection: c.id) }
    }
}
