/// One parsed directive: its name, arguments, optional block, and where it ended (nginx reports that line).
///
///     // proxy_pass http://tomcat-lb;   ->   Directive(name: "proxy_pass", arguments: ["http://tomcat-lb"])
public struct Directive: Sendable, Equatable {
    public let name: String
    public let arguments: [Argument]
    /// The directives inside `{ … }`, nil for a directive ended by `;`.
    public let block: [Directive]?
    public let location: SourceLocation
    /// Where a block's closing `}` stands (nil for a directive ended by `;`): nginx reports the checks it makes
    /// after reading a block, such as the http block's merge, at that line.
    public let blockEnd: SourceLocation?

    public init(name: String, arguments: [Argument], block: [Directive]?, location: SourceLocation,
                blockEnd: SourceLocation? = nil) {
        self.name = name
        self.arguments = arguments
        self.block = block
        self.location = location
        self.blockEnd = blockEnd
    }
}

/// A directive argument after quote removal and escape processing.
public struct Argument: Sendable, Equatable, CustomStringConvertible {
    public let bytes: [UInt8]
    /// Written in quotes (an empty quoted string is still an argument).
    public let quoted: Bool

    public init(_ bytes: [UInt8], quoted: Bool = false) {
        self.bytes = bytes
        self.quoted = quoted
    }

    public init(_ text: String, quoted: Bool = false) {
        self.init(Array(text.utf8), quoted: quoted)
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }
    public var description: String { text }
}

/// A configuration file as read, for `-T` and for reload diagnostics.
public struct ConfigFile: Sendable, Equatable {
    public let path: String
    public let bytes: [UInt8]
}
