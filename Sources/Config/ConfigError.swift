/// A configuration error in nginx's words; `description` is the text after `[emerg] `.
///
///     ConfigError("unknown directive \"prxy_pass\"", at: loc).description
///     // unknown directive "prxy_pass" in /srv/conf/vhosts/test.conf:12
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    /// Nil for whole-configuration errors, which nginx prints without a place.
    public let location: SourceLocation?

    public init(_ message: String, at location: SourceLocation?) {
        self.message = message
        self.location = location
    }

    public var description: String {
        guard let location else { return message }
        return "\(message) in \(location)"
    }
}

/// The severity of a log line, in nginx's order.
public enum LogLevel: String, Sendable, CaseIterable, Comparable {
    case debug, info, notice, warn, error, crit, alert, emerg

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A non-fatal message produced while loading (`[warn]`, `[notice]`); the CLI prints them.
///
///     ConfigDiagnostic(level: .notice, message: "directive \"tcp_nopush\" has no effect …", location: loc)
public struct ConfigDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public let level: LogLevel
    public let message: String
    public let location: SourceLocation?

    public init(level: LogLevel, message: String, location: SourceLocation?) {
        self.level = level
        self.message = message
        self.location = location
    }

    /// `[warn] message in file:line`, as nginx writes it after the program name.
    public var description: String {
        let text = location.map { "\(message) in \($0)" } ?? message
        return "[\(level.rawValue)] \(text)"
    }
}
