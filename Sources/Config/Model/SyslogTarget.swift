/// `syslog:server=address[,facility=…][,severity=…][,tag=…][,nohostname]` in `error_log` and `access_log`
/// (nginx's ngx_syslog_parse_args): where the lines go, and the fields of their RFC 3164 header.
public struct SyslogTarget: Sendable, Hashable {
    /// `127.0.0.1`, `[::1]:514`, `unix:/dev/log`, or a host name resolved at load (port 514 unless given).
    public var server: String
    /// 0 (kern) … 23 (local7, the default).
    public var facility: Int = 23
    /// The access log's severity, 0 (emerg) … 7 (debug); info by default. An error log line has its own level's.
    public var severity: Int = 6
    public var tag: String = "nginx"
    /// `nohostname`: the header leaves the host name out.
    public var sendsHostname = true

    static let facilities = ["kern", "user", "mail", "daemon", "auth", "intern", "lpr", "news", "uucp", "clock",
                             "authpriv", "ftp", "ntp", "audit", "alert", "cron", "local0", "local1", "local2",
                             "local3", "local4", "local5", "local6", "local7"]
    /// nginx's names (`error`, `warn`), not syslog's (`err`, `warning`).
    public static let severities = ["emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"]

    /// Parses the text after `syslog:`; the error is nginx's message.
    public static func parse(_ text: String) throws(SyslogError) -> SyslogTarget {
        var server: String? = nil, facility: Int? = nil, severity: Int? = nil, tag: String? = nil
        var sendsHostname = true
        for piece in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            if piece.hasPrefix("server=") {
                guard server == nil else { throw SyslogError("duplicate syslog \"server\"") }
                server = String(piece.dropFirst(7))
            } else if piece.hasPrefix("facility=") {
                guard facility == nil else { throw SyslogError("duplicate syslog \"facility\"") }
                let name = String(piece.dropFirst(9))
                guard let i = facilities.firstIndex(of: name) else { throw SyslogError("unknown syslog facility \"\(name)\"") }
                facility = i
            } else if piece.hasPrefix("severity=") {
                guard severity == nil else { throw SyslogError("duplicate syslog \"severity\"") }
                let name = String(piece.dropFirst(9))
                guard let i = severities.firstIndex(of: name) else { throw SyslogError("unknown syslog severity \"\(name)\"") }
                severity = i
            } else if piece.hasPrefix("tag=") {
                guard tag == nil else { throw SyslogError("duplicate syslog \"tag\"") }
                let value = String(piece.dropFirst(4))
                guard value.utf8.count <= 32 else { throw SyslogError("syslog tag length exceeds 32") }
                guard value.utf8.allSatisfy({ isTagByte($0) }) else {
                    throw SyslogError("syslog \"tag\" only allows alphanumeric characters and underscore")
                }
                tag = value
            } else if piece == "nohostname" {
                sendsHostname = false
            } else {
                throw SyslogError("unknown syslog parameter \"\(piece)\"")
            }
        }
        guard let server, !server.isEmpty else { throw SyslogError("no syslog server specified") }
        var target = SyslogTarget(server: server)
        if let facility { target.facility = facility }
        if let severity { target.severity = severity }
        if let tag { target.tag = tag }
        target.sendsHostname = sendsHostname
        return target
    }

    private static func isTagByte(_ b: UInt8) -> Bool {
        let c = b | 0x20
        return (b >= 48 && b <= 57) || (c >= 97 && c <= 122) || b == 95
    }
}

public struct SyslogError: Error, Sendable {
    public let message: String
    init(_ message: String) { self.message = message }
}
