/// Splits configuration text into tokens exactly as nginx's `ngx_conf_read_token` does, plus two kindnesses
/// for text pasted from web pages: U+00A0 counts as whitespace, and typographic quotes are a clear error.
struct Lexer {
    private let bytes: [UInt8]
    private let file: String?
    private var position = 0
    private var line = 1
    /// Words read since the last `;`, `{` or `}`: nginx's `cf->args->nelts`.
    private var pendingWords = 0
    /// U+00A0 read as whitespace (not in comments or quotes, where it is left alone), and the first one's line,
    /// for the loader's one warning.
    private(set) var nonBreakingSpaces = 0
    private(set) var firstNonBreakingSpaceLine = 0

    init(_ bytes: [UInt8], file: String?) {
        self.bytes = bytes
        self.file = file
    }

    /// All tokens, and the line the text ends on (for "unexpected end of file" inside a block).
    mutating func tokenize() throws(ConfigError) -> (tokens: [Token], endLine: Int) {
        var tokens: [Token] = []
        while true {
            skipWhitespace()
            guard position < bytes.count else {
                if pendingWords > 0 { throw unexpectedEnd() }
                return (tokens, line)
            }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: ";"), UInt8(ascii: "{"):
                if pendingWords == 0 { throw error("unexpected \"\(Character(UnicodeScalar(byte)))\"") }
                tokens.append(Token(kind: byte == UInt8(ascii: ";") ? .semicolon : .blockStart, bytes: [], quoted: false, line: line))
                pendingWords = 0
                position += 1
            case UInt8(ascii: "}"):
                if pendingWords != 0 { throw error("unexpected \"}\"") }
                tokens.append(Token(kind: .blockEnd, bytes: [], quoted: false, line: line))
                position += 1
            case UInt8(ascii: "#"):
                while position < bytes.count && bytes[position] != UInt8(ascii: "\n") { position += 1 }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                tokens.append(try quotedWord(closing: byte))
                pendingWords += 1
            default:
                tokens.append(try bareWord())
                pendingWords += 1
            }
        }
    }

    // MARK: - Words

    private mutating func quotedWord(closing quote: UInt8) throws(ConfigError) -> Token {
        let startLine = line
        position += 1
        let start = position
        while true {
            guard position < bytes.count else { throw unexpectedEnd() }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\\") && position + 1 < bytes.count {
                if bytes[position + 1] == UInt8(ascii: "\n") { line += 1 }
                position += 2
                continue
            }
            if byte == UInt8(ascii: "\n") { line += 1 }
            if byte == quote { break }
            position += 1
        }
        if position - start >= Lexer.tokenMax {
            line = startLine
            throw error("too long parameter, probably missing terminating \"\(Character(UnicodeScalar(quote)))\" character")
        }
        let word = Lexer.unescape(bytes[start..<position])
        position += 1
        // nginx needs a separator right after a closing quote.
        if position < bytes.count {
            let next = bytes[position]
            let separators: [UInt8] = [0x20, 0x09, 0x0D, 0x0A, UInt8(ascii: ";"), UInt8(ascii: "{"), UInt8(ascii: ")")]
            if !separators.contains(next) && nonBreakingSpace(at: position) == false {
                if let quoteError = typographicQuote(at: position) { throw quoteError }
                throw error("unexpected \"\(Character(UnicodeScalar(next)))\"")
            }
        }
        return Token(kind: .word, bytes: word, quoted: true, line: startLine)
    }

    private mutating func bareWord() throws(ConfigError) -> Token {
        let startLine = line
        let start = position
        var afterDollar = false
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "{") && afterDollar {  // `${name}` stays inside the word
                afterDollar = false
                position += 1
                continue
            }
            afterDollar = false
            if byte == UInt8(ascii: "\\") {
                if position + 1 < bytes.count && bytes[position + 1] == UInt8(ascii: "\n") { line += 1 }
                position += 2
                continue
            }
            if byte == UInt8(ascii: "$") {
                afterDollar = true
                position += 1
                continue
            }
            if Lexer.isSpace(byte) || byte == UInt8(ascii: ";") || byte == UInt8(ascii: "{") { break }
            // U+00A0 and the typographic quotes start with a byte ≥ 0x80: ASCII needs neither look.
            if byte >= 0x80 {
                if nonBreakingSpace(at: position) { break }   // counted by skipWhitespace, which reads it next
                if let quoteError = typographicQuote(at: position) { throw quoteError }
            }
            position += 1
        }
        let end = min(position, bytes.count)
        if end - start >= Lexer.tokenMax {
            line = startLine
            throw error("too long parameter \"\(String(decoding: bytes[start..<start + 10], as: UTF8.self))...\" started")
        }
        return Token(kind: .word, bytes: Lexer.unescape(bytes[start..<end]), quoted: false, line: startLine)
    }

    /// nginx reads a file in 4 KiB buffers (NGX_CONF_BUFFER), and a token that does not fit in one is an error.
    static let tokenMax = 4096

    /// nginx's escapes: `\"` `\'` `\\` lose the backslash, `\t` `\r` `\n` become control bytes, others stay.
    static func unescape(_ raw: ArraySlice<UInt8>) -> [UInt8] {
        if !raw.contains(UInt8(ascii: "\\")) { return Array(raw) }   // most words: one copy
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index < raw.endIndex {
            let byte = raw[index]
            if byte == UInt8(ascii: "\\") && index + 1 < raw.endIndex {
                let next = raw[index + 1]
                switch next {
                case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "\\"):
                    out.append(next)
                    index += 2
                    continue
                case UInt8(ascii: "t"): out.append(0x09); index += 2; continue
                case UInt8(ascii: "r"): out.append(0x0D); index += 2; continue
                case UInt8(ascii: "n"): out.append(0x0A); index += 2; continue
                default: break
                }
            }
            out.append(byte)
            index += 1
        }
        return out
    }

    // MARK: - Whitespace and pasted-text characters

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    private func nonBreakingSpace(at index: Int) -> Bool {
        index + 1 < bytes.count && bytes[index] == 0xC2 && bytes[index + 1] == 0xA0
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            let byte = bytes[position]
            if byte == 0x0A {
                line += 1
                position += 1
            } else if Lexer.isSpace(byte) {
                position += 1
            } else if nonBreakingSpace(at: position) {
                nonBreakingSpaces += 1
                if firstNonBreakingSpaceLine == 0 { firstNonBreakingSpaceLine = line }
                position += 2
            } else {
                return
            }
        }
    }

    /// ‘ ’ “ ” (E2 80 98/99/9C/9D) outside ASCII quotes: say where, and what to type instead.
    private func typographicQuote(at index: Int) -> ConfigError? {
        guard index + 2 < bytes.count, bytes[index] == 0xE2, bytes[index + 1] == 0x80 else { return nil }
        let scalar: String
        switch bytes[index + 2] {
        case 0x98: scalar = "2018"
        case 0x99: scalar = "2019"
        case 0x9C: scalar = "201C"
        case 0x9D: scalar = "201D"
        default: return nil
        }
        let glyph = String(decoding: bytes[index...(index + 2)], as: UTF8.self)
        return error(
            "unexpected typographic quote \"\(glyph)\" (U+\(scalar)) at column \(column(of: index)); "
                + "use ASCII quotes ' or \"")
    }

    /// 1-based column of `index`, counted in characters (UTF-8 continuation bytes do not count).
    private func column(of index: Int) -> Int {
        var start = index
        while start > 0 && bytes[start - 1] != 0x0A { start -= 1 }
        return bytes[start...index].filter { $0 & 0xC0 != 0x80 }.count
    }

    private func unexpectedEnd() -> ConfigError {
        if file == nil { return error("unexpected end of parameter, expecting \";\"") }
        return error("unexpected end of file, expecting \";\" or \"}\"")
    }

    private func error(_ message: String) -> ConfigError {
        ConfigError(message, at: file.map { SourceLocation(file: $0, line: line) } ?? .commandLine)
    }
}
