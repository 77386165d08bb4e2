@testable import Config
import Testing

/// Renders tokens compactly: words as-is (quoted ones in «»), punctuation as itself, `@line` where it changes.
private func lex(_ text: String) throws -> String {
    var lexer = Lexer(Array(text.utf8), file: "/c/x.conf")
    let (tokens, _) = try lexer.tokenize()
    return tokens.map { token in
        switch token.kind {
        case .word:
            let word = String(decoding: token.bytes, as: UTF8.self)
            return token.quoted ? "«\(word)»" : word
        case .semicolon: return ";"
        case .blockStart: return "{"
        case .blockEnd: return "}"
        }
    }.joined(separator: " ")
}

private func lexError(_ text: String) -> String {
    do {
        _ = try lex(text)
        return "no error"
    } catch {
        return "\(error)"
    }
}

struct LexerTests {
    @Test(arguments: [
        ("a b;", "a b ;"),
        ("a{b c;}", "a { b c ; }"),
        ("a  \t b\r\n c;", "a b c ;"),
        ("# comment ; {\na;", "a ;"),
        ("a b#c;", "a b#c ;"),
        ("a 'x y' \"z w\";", "a «x y» «z w» ;"),
        ("a \"q\\\"q\" 'q\\'q' \"b\\\\s\";", "a «q\"q» «q'q» «b\\s» ;"),
        ("a \"t\\tn\\nr\\r\";", "a «t\tn\nr\r» ;"),
        ("a \\.jpg$;", "a \\.jpg$ ;"),
        ("a x\\;y;", "a x\\;y ;"),
        ("a ${host}x $uri;", "a ${host}x $uri ;"),
        ("a b}c;", "a b}c ;"),
        ("a \"\";", "a «» ;"),
        ("a \"x\";b;", "a «x» ; b ;"),
        ("a\u{00A0}b;", "a b ;"),
        ("a \"\u{00A0}\";", "a «\u{00A0}» ;"),
        ("a \"it’s\";", "a «it’s» ;"),
        ("a\"b\" c;", "a\"b\" c ;"),
        ("}", "}"),
    ])
    func tokens(input: String, expected: String) throws {
        #expect(try lex(input) == expected)
    }

    @Test(arguments: [
        (";", "unexpected \";\" in /c/x.conf:1"),
        ("\n{", "unexpected \"{\" in /c/x.conf:2"),
        ("a }", "unexpected \"}\" in /c/x.conf:1"),
        ("a \"b\"c;", "unexpected \"c\" in /c/x.conf:1"),
        ("a b", "unexpected end of file, expecting \";\" or \"}\" in /c/x.conf:1"),
        ("a \"b\n\n", "unexpected end of file, expecting \";\" or \"}\" in /c/x.conf:3"),
        ("log_format main ‘$a’;",
         "unexpected typographic quote \"‘\" (U+2018) at column 17; use ASCII quotes ' or \" in /c/x.conf:1"),
        ("a;\n  b x’;", "unexpected typographic quote \"’\" (U+2019) at column 6; use ASCII quotes ' or \" in /c/x.conf:2"),
        ("a “b”;", "unexpected typographic quote \"“\" (U+201C) at column 3; use ASCII quotes ' or \" in /c/x.conf:1"),
        ("a \"b\"”;", "unexpected typographic quote \"”\" (U+201D) at column 6; use ASCII quotes ' or \" in /c/x.conf:1"),
        ("\u{00A0}\u{00A0}a ‘", "unexpected typographic quote \"‘\" (U+2018) at column 5; use ASCII quotes ' or \" in /c/x.conf:1"),
    ])
    func errors(input: String, expected: String) {
        #expect(lexError(input) == expected)
    }

    @Test func commandLineEndsWithParameterMessage() {
        var lexer = Lexer(Array("daemon off".utf8), file: nil)
        #expect(throws: ConfigError("unexpected end of parameter, expecting \";\"", at: .commandLine)) {
            _ = try lexer.tokenize()
        }
    }

    @Test func linesCountAcrossQuotesAndComments() throws {
        var lexer = Lexer(Array("a 'x\ny';\n# c\nb;".utf8), file: "/c/x.conf")
        let lines = try lexer.tokenize().tokens.map(\.line)
        #expect(lines == [1, 1, 2, 4, 4])
    }

    /// U+00A0 read as whitespace is counted for the loader's warning, with the first one's line; in a comment or
    /// quotes it is left alone and not counted (a comment pasted with one was warned about, nginx says nothing).
    @Test func nonBreakingSpacesAreCountedWhereTheySeparate() throws {
        var lexer = Lexer(Array("# a\u{00A0}comment\na 'b\u{00A0}c';\nb\u{00A0}\u{00A0}c;\n\u{00A0}".utf8), file: "/c/x.conf")
        let tokens = try lexer.tokenize().tokens
        #expect(tokens.map { String(decoding: $0.bytes, as: UTF8.self) }.contains("b\u{00A0}c"))
        #expect(lexer.nonBreakingSpaces == 3)
        #expect(lexer.firstNonBreakingSpaceLine == 3)
    }
}
