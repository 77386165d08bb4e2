import HTTP1

/// One SSI command as written: `<!--# name param="value" ... -->`, parameter names lowercased, values as
/// written (unescaped, variables not yet evaluated).
struct SSICommand: Equatable {
    var name: [UInt8]
    var params: [(name: [UInt8], value: [UInt8])]

    static func == (a: SSICommand, b: SSICommand) -> Bool {
        a.name == b.name && a.params.count == b.params.count
            && zip(a.params, b.params).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// The value of the parameter `name` (lowercase), the first if repeated.
    func param(_ name: StaticString) -> [UInt8]? {
        let n = name.withUTF8Buffer { Array($0) }
        return params.first { $0.name == n }?.value
    }
}

/// A command that could not be parsed: nginx's log text (without the level); the filter prints `errmsg`.
struct SSIParseError: Error, Equatable {
    var message: String
}

/// nginx's SSI command parser as a streaming value: the body arrives in pieces split anywhere, a command may
/// span pieces, and what is not a command passes through as text (slices of the piece given, or the few bytes of
/// an opening `<!--` held back across a split). Memory is bounded: a command name of at most 32 bytes, at most
/// 16 parameters, names of at most 32 bytes and values of at most `valueLength` bytes (`ssi_value_length`).
/// A malformed command is reported once; its bytes up to the next `-->` are dropped, as nginx skips them.
struct SSIParser {
    enum Output {
        /// Bytes to pass on as they are.
        case text(ByteView)
        case command(SSICommand)
        case failed(SSIParseError)
    }

    static let commandMax = 32
    static let paramNameMax = 32
    static let paramsMax = 16

    let valueLength: Int

    private enum State {
        case text
        /// `matched` bytes of `<!--#` seen (1...4).
        case opening(matched: Int)
        case preCommand, command, postCommand
        case paramName, preEqual, preValue
        case value(quote: UInt8), valueEscape(quote: UInt8), postValue
        case end0, end1
        /// A malformed command: skip to `-->` (`dashes` of it seen).
        case skipping(dashes: Int)
    }

    private var state = State.text
    private var name: [UInt8] = []
    private var params: [(name: [UInt8], value: [UInt8])] = []
    private var paramName: [UInt8] = []
    private var value: [UInt8] = []

    init(valueLength: Int = 256) { self.valueLength = valueLength }

    /// Whether the parser is inside a command (or a possible command's opening) at this point.
    var isInsideCommand: Bool { if case .text = state { return false } else { return true } }

    private static let opener: [UInt8] = Array("<!--#".utf8)

    /// Parses `piece`, calling `emit` in order for text, commands and errors.
    mutating func feed(_ piece: ByteView, _ emit: (Output) -> Void) {
        var i = 0
        var textStart = 0
        let n = piece.count
        func flushText(upTo end: Int) {
            if end > textStart { emit(.text(piece.slice(textStart, end))) }
        }
        while i < n {
            let ch = piece[i]
            switch state {
            case .text:
                // Fast scan for '<'.
                var j = i
                while j < n && piece[j] != 0x3C { j += 1 }
                if j == n { i = n; continue }
                flushText(upTo: j)
                textStart = j
                state = .opening(matched: 1)
                i = j + 1
                continue
            case .opening(let matched):
                if ch == Self.opener[matched] {
                    if matched + 1 == Self.opener.count {
                        // `<!--#`: a command starts; the opening bytes are not text.
                        textStart = i + 1
                        startCommand()
                        state = .preCommand
                    } else {
                        state = .opening(matched: matched + 1)
                    }
                    i += 1
                    continue
                }
                // Not a command: the held bytes are text. Those in this piece are flushed with it; those from an
                // earlier piece are emitted from the opener's constant bytes.
                let held = matched
                let inThisPiece = min(i - textStart, held)
                if inThisPiece < held {
                    Self.opener.withByteView { emit(.text($0.slice(0, held - inThisPiece))) }
                }
                state = .text
                continue   // reconsider `ch` as text (it may be '<')
            case .preCommand:
                if isSpace(ch) { i += 1; continue }
                if ch == 0x2D {   // `<!--#-->`: no command name
                    fail("the SSI command is empty"); state = .skipping(dashes: 1); break
                }
                name.append(ch); state = .command
            case .command:
                if isSpace(ch) { state = .postCommand }
                else if ch == 0x2D { state = .end0 }
                else {
                    if name.count == Self.commandMax {
                        fail("the \"\(text(name))\(char(ch))...\" SSI command is too long")
                    } else { name.append(ch) }
                }
            case .postCommand:
                if isSpace(ch) { break }
                if ch == 0x2D { state = .end0; break }
                if params.count == Self.paramsMax {
                    fail("too many SSI command parameters (\"\(text(name))\")"); break
                }
                paramName = [lower(ch)]; value = []
                state = .paramName
            case .paramName:
                if isSpace(ch) { state = .preEqual }
                else if ch == 0x3D { state = .preValue }
                else if ch == 0x2D {
                    fail("unexpected \"-\" symbol after \"\(text(paramName))\" parameter in \"\(text(name))\" SSI command")
                } else if paramName.count == Self.paramNameMax {
                    fail("too long \"\(text(paramName))\(char(ch))...\" parameter in \"\(text(name))\" SSI command")
                } else { paramName.append(lower(ch)) }
            case .preEqual:
                if isSpace(ch) { break }
                if ch == 0x3D { state = .preValue; break }
                fail("unexpected \"\(char(ch))\" symbol after \"\(text(paramName))\" parameter in \"\(text(name))\" SSI command")
            case .preValue:
                if isSpace(ch) { break }
                if ch == 0x22 || ch == 0x27 { state = .value(quote: ch); break }
                fail("unexpected \"\(char(ch))\" symbol before value of \"\(text(paramName))\" parameter in \"\(text(name))\" SSI command")
            case .value(let quote):
                if ch == quote { params.append((paramName, value)); state = .postValue; break }
                if ch == 0x5C { state = .valueEscape(quote: quote); break }
                appendValue(ch)
            case .valueEscape(let quote):
                // `\"` inside a double-quoted value is a quote; any other escape keeps its backslash.
                state = .value(quote: quote)
                if ch != quote { appendValue(0x5C) }
                if pendingFailure == nil { appendValue(ch) }
            case .postValue:
                if isSpace(ch) { state = .postCommand }
                else if ch == 0x2D { state = .end0 }
                else {
                    fail("unexpected \"\(char(ch))\" symbol after \"\(text(value))\" value of \"\(text(paramName))\" parameter in \"\(text(name))\" SSI command")
                }
            case .end0:
                if ch == 0x2D { state = .end1 }
                else { fail("unexpected \"\(char(ch))\" symbol in \"\(text(name))\" SSI command") }
            case .end1:
                if ch == 0x3E {
                    emit(.command(SSICommand(name: name, params: params)))
                    startCommand()
                    state = .text
                    textStart = i + 1
                } else {
                    fail("unexpected \"\(char(ch))\" symbol in \"\(text(name))\" SSI command")
                }
            case .skipping(let dashes):
                if ch == 0x2D { state = .skipping(dashes: min(dashes + 1, 2)) }
                else if ch == 0x3E && dashes == 2 { state = .text; textStart = i + 1 }
                else { state = .skipping(dashes: 0) }
            }
            if let f = pendingFailure {
                emit(.failed(f))
                pendingFailure = nil
                startCommand()
            }
            i += 1
        }
        // The piece ends: text up to here goes; an opening in progress is held (its bytes are the opener's).
        switch state {
        case .text: flushText(upTo: n)
        case .opening(let matched):
            // Bytes of this piece that began the opening are held; emit the text before them.
            let inThisPiece = min(n - textStart, matched)
            flushText(upTo: n - inThisPiece)
        default: break
        }
    }

    /// The body ended: an opening that never completed is text; an unfinished command is an error.
    mutating func finish(_ emit: (Output) -> Void) {
        switch state {
        case .text, .skipping: break
        case .opening(let matched):
            Self.opener.withByteView { emit(.text($0.slice(0, matched))) }
        default:
            emit(.failed(SSIParseError(message: "unexpected end of the response in \"\(text(name))\" SSI command")))
        }
        startCommand()
        state = .text
    }

    // MARK: - Helpers

    /// An error found at the current byte, emitted once the byte is done.
    private var pendingFailure: SSIParseError? = nil

    private mutating func fail(_ message: String) {
        pendingFailure = SSIParseError(message: message)
        state = .skipping(dashes: 0)
    }

    private mutating func appendValue(_ ch: UInt8) {
        if value.count == valueLength {
            fail("too long \"\(text(value))\(char(ch))...\" value of \"\(text(paramName))\" parameter in \"\(text(name))\" SSI command")
            return
        }
        value.append(ch)
    }

    private mutating func startCommand() {
        if !name.isEmpty { name.removeAll(keepingCapacity: true) }
        if !params.isEmpty { params.removeAll(keepingCapacity: true) }
        paramName.removeAll(keepingCapacity: true)
        value.removeAll(keepingCapacity: true)
    }

    private func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
    private func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }
    private func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }
    private func char(_ c: UInt8) -> String { String(decoding: [c], as: UTF8.self) }
}
