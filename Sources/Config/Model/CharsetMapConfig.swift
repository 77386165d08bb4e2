/// `charset_map from to { … }` (http level): what each byte of `from` is in `to`. With `to` UTF-8 a line gives the
/// byte's UTF-8 sequence; otherwise a byte. Lines are checked as nginx checks them when read.
public struct CharsetMapConfig: Sendable, Equatable {
    public let from: String
    public let to: String
    /// `to` is utf-8 (in any case).
    public let utf8: Bool
    /// Source byte → target bytes (one byte, or one to three of UTF-8), in file order.
    public var lines: [Line]
    public let location: SourceLocation

    public struct Line: Sendable, Equatable {
        public let byte: UInt8
        public let target: [UInt8]

        public init(byte: UInt8, target: [UInt8]) { self.byte = byte; self.target = target }
    }

    public init(from: String, to: String, lines: [Line] = [], location: SourceLocation) {
        self.from = from; self.to = to
        utf8 = to.lowercased() == "utf-8"
        self.lines = lines; self.location = location
    }
}
