import Config

/// `error_log` in http, server and location blocks: a request's messages go to its location's files (nginx's
/// ngx_http_update_location_config switching the connection's log), the server's before a location is chosen,
/// the default server's before the Host is read, and the main error log where no level names one.
extension Builder {
    /// One file per path and level across the configuration; the main error log's own file is shared.
    mutating func errorLogFiles(_ logs: [ErrorLog], at loc: SourceLocation) throws(ConfigError) -> [ErrorLogFile] {
        var files: [ErrorLogFile] = []
        for e in logs {
            if let target = e.syslog {
                let key = "\(e.level.rawValue) \(e.path)"
                if let f = levelErrorLogs[key] { files.append(f); continue }
                let f = ErrorLogFile(syslog: try syslogPeer(target, at: loc), level: e.level)
                levelErrorLogs[key] = f
                files.append(f)
                continue
            }
            files.append(errorLogFile(e))
        }
        return files
    }

    private mutating func errorLogFile(_ e: ErrorLog) -> ErrorLogFile {
        let path = e.path == "stderr" ? nil : e.path
        let key = "\(e.level.rawValue) \(path ?? "stderr")"
        if let f = levelErrorLogs[key] { return f }
        let f: ErrorLogFile
        if let main = mainErrorLog, main.also == nil, main.syslog == nil, main.level == e.level, main.path == path {
            f = main
        } else {
            f = ErrorLogFile(path: openFiles ? path : nil, level: e.level)
            if let p = path { checkOpened(p, openFiles ? f.openError : nil, at: nil) }
        }
        levelErrorLogs[key] = f
        return f
    }

    /// The peer of a `syslog:` target, one per target; its server resolved now.
    mutating func syslogPeer(_ target: SyslogTarget, at loc: SourceLocation?) throws(ConfigError) -> SyslogPeer {
        if let p = syslogPeers[target] { return p }
        guard let address = SyslogPeer.address(of: target.server) else {
            throw ConfigError("host not found in syslog server \"\(target.server)\"", at: loc)
        }
        let p = SyslogPeer(target, address: address)
        syslogPeers[target] = p
        return p
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
    /// A message about a connection, to its level's error logs, with nginx's context after it (ErrorLogContext).
    func log(_ level: LogLevel, _ message: @autoclosure () -> String, _ c: ClientConnection) {
        let files = c.errorLogs
        if files.isEmpty {
            guard runtime.errorLog.enabled(level) else { return }
            return runtime.errorLog.log(level, message() + c.logContext, connection: c.id)
        }
        guard files.contains(where: { $0.enabled(level) }) else { return }
        let text = message() + c.logContext
        for f in files { f.log(level, text, connection: c.id) }
    }
}
