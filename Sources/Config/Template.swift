/// A value with variables, compiled once at load: `$host$uri`, `${cookie_x}suffix`, `/new/$1`.
/// The proxy evaluates the pieces per request.
///
///     try Template("$scheme$proxy_host$request_uri").pieces
///     // [.variable("scheme"), .variable("proxy_host"), .variable("request_uri")]
public struct Template: Sendable, Hashable, CustomStringConvertible {
    public enum Piece: Sendable, Hashable {
        case literal([UInt8])
        /// A named variable as written; nginx matches variable names case-insensitively.
        case variable(String)
        /// `$1` … `$9`: a capture from the last regex match.
        case capture(Int)
    }

    public let pieces: [Piece]
    /// The text as written.
    public let source: String

    /// Parses `text`; the error message is nginx's (`invalid variable name "$"`, …) for the caller to place.
    public init(_ text: String) throws(TemplateError) {
        try self.init(bytes: Array(text.utf8))
    }

    public init(bytes: [UInt8]) throws(TemplateError) {
        source = String(decoding: bytes, as: UTF8.self)
        var pieces: [Piece] = []
        var literal: [UInt8] = []
        var index = 0
        func flush() {
            if !literal.isEmpty { pieces.append(.literal(literal)); literal = [] }
        }
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "$") else {
                literal.append(byte)
                index += 1
                continue
            }
            index += 1
            if index < bytes.count, bytes[index] >= UInt8(ascii: "1"), bytes[index] <= UInt8(ascii: "9") {
                flush()
                pieces.append(.capture(Int(bytes[index] - UInt8(ascii: "0"))))
                index += 1
                continue
            }
            var braced = false
            if index < bytes.count && bytes[index] == UInt8(ascii: "{") {
                braced = true
                index += 1
            }
            let start = index
            while index < bytes.count && Template.isNameByte(bytes[index]) { index += 1 }
            let name = String(decoding: bytes[start..<index], as: UTF8.self)
            if braced {
                guard index < bytes.count && bytes[index] == UInt8(ascii: "}") else {
                    throw TemplateError("the closing bracket in \"\(name)\" variable is missing")
                }
                index += 1
            }
            guard !name.isEmpty else { throw TemplateError("invalid variable name") }
            flush()
            pieces.append(.variable(name))
        }
        flush()
        self.pieces = pieces
    }

    /// Templates one after another, each parsed on its own (a variable name ends where its template does).
    public init(concatenating parts: [Template]) {
        var pieces: [Piece] = []
        for piece in parts.lazy.flatMap(\.pieces) {
            if case .literal(let next) = piece, case .literal(let last)? = pieces.last {
                pieces[pieces.count - 1] = .literal(last + next)
            } else {
                pieces.append(piece)
            }
        }
        self.pieces = pieces
        source = parts.map(\.source).joined()
    }

    /// A template with no variables.
    public init(literal text: String) {
        source = text
        pieces = text.isEmpty ? [] : [.literal(Array(text.utf8))]
    }

    /// True when evaluation needs no request (no variables, no captures).
    public var isLiteral: Bool {
        pieces.allSatisfy { if case .literal = $0 { true } else { false } }
    }

    /// Every variable name the template reads, in order.
    public var variableNames: [String] {
        pieces.compactMap { if case .variable(let name) = $0 { name } else { nil } }
    }

    /// The highest `$N` used (0 when none): a regex must have at least this many groups.
    public var highestCapture: Int {
        pieces.reduce(0) { if case .capture(let n) = $1 { max($0, n) } else { $0 } }
    }

    public var description: String { source }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
    }
}

/// Why a template failed to parse; the loader adds ` in file:line`.
public struct TemplateError: Error, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
}
