/// Where a directive or value came from, rendered the way nginx ends its messages.
///
///     SourceLocation(file: "/srv/conf/nginx.conf", line: 12).description == "/srv/conf/nginx.conf:12"
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// Absolute path of the file, or nil for `-g` directives given on the command line.
    public let file: String?
    public let line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    private init(commandLine: ()) {
        self.file = nil
        self.line = 0
    }

    /// Directives from `-g`: nginx says `in command line`.
    public static let commandLine = SourceLocation(commandLine: ())

    public var isCommandLine: Bool { file == nil }

    /// `file:line`, or `command line`.
    public var description: String {
        guard let file else { return "command line" }
        return "\(file):\(line)"
    }
}
