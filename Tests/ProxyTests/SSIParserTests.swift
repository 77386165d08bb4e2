@testable import Proxy
import HTTP1
import Testing

/// The SSI parser without sockets: every input split at every point gives the same text, commands and errors.
struct SSIParserTests {
    enum Item: Equatable { case text(String), command(String, [String: String]), failed(String) }

    /// Parses `pieces` in order, joining adjacent text, so results compare whatever the split.
    static func parse(_ pieces: [String], valueLength: Int = 256) -> [Item] {
        var p = SSIParser(valueLength: valueLength)
        var out: [Item] = []
        func take(_ o: SSIParser.Output) {
            switch o {
            case .text(let v):
                let s = String(decoding: Array(v), as: UTF8.self)
                if case .text(let t)? = out.last { out[out.count - 1] = .text(t + s) } else { out.append(.text(s)) }
            case .command(let c):
                var params: [String: String] = [:]
                for p in c.params { params[String(decoding: p.name, as: UTF8.self)] = String(decoding: p.value, as: UTF8.self) }
                out.append(.command(String(decoding: c.name, as: UTF8.self), params))
            case .failed(let e):
                out.append(.failed(e.message))
            }
        }
        for piece in pieces { Array(piece.utf8).withByteView { p.feed($0, take) } }
        p.finish(take)
        return out
    }

    /// The same result for the whole input and for every split into two and three pieces.
    static func check(_ input: String, _ expected: [Item], valueLength: Int = 256) {
        #expect(parse([input], valueLength: valueLength) == expected, "whole: \(input)")
        let b = Array(input.utf8)
        for i in 0...b.count {
            let a = String(decoding: b[..<i], as: UTF8.self), c = String(decoding: b[i...], as: UTF8.self)
            #expect(parse([a, c], valueLength: valueLength) == expected, "split at \(i): \(input)")
        }
        for i in 0...b.count { for j in i...b.count where (j - i) % 3 == 0 {
            let parts = [b[..<i], b[i..<j], b[j...]].map { String(decoding: $0, as: UTF8.self) }
            #expect(parse(parts, valueLength: valueLength) == expected, "split at \(i), \(j): \(input)")
        } }
        // One byte at a time.
        #expect(parse(b.map { String(decoding: [$0], as: UTF8.self) }, valueLength: valueLength) == expected, "bytewise: \(input)")
    }

    @Test func plainTextPassesThrough() {
        Self.check("hello <b>world</b> <!-- a comment --> <! x", [.text("hello <b>world</b> <!-- a comment --> <! x")])
    }

    @Test func commandsWithParameters() {
        Self.check(#"X<!--#echo var="http_foo" -->X"#, [.text("X"), .command("echo", ["var": "http_foo"]), .text("X")])
        Self.check(#"<!--# include virtual="/a?b=1" set='x' -->tail"#,
                   [.command("include", ["virtual": "/a?b=1", "set": "x"]), .text("tail")])
        Self.check("<!--#endif-->", [.command("endif", [:])])
        Self.check("<<!--#else -->", [.text("<"), .command("else", [:])])
        Self.check(#"<!--#set VAR="a" value="b\"c\d" -->"#, [.command("set", ["var": "a", "value": #"b"c\d"#])])
    }

    @Test func malformedCommandsAreReportedAndSkipped() {
        Self.check(#"a<!--#echo var=x -->b"#,
                   [.text("a"), .failed(#"unexpected "x" symbol before value of "var" parameter in "echo" SSI command"#), .text("b")])
        Self.check(#"a<!--#echo var="x"y -->b"#,
                   [.text("a"), .failed(#"unexpected "y" symbol after "x" value of "var" parameter in "echo" SSI command"#), .text("b")])
        Self.check("a<!--#-->b", [.text("a"), .failed("the SSI command is empty"), .text("b")])
        Self.check(#"<!--#echo var="abcdef" -->"#,
                   [.failed(#"too long "abcde..." value of "var" parameter in "echo" SSI command"#)], valueLength: 4)
        let long = String(repeating: "c", count: 40)
        #expect(Self.parse(["<!--#\(long) -->ok"]) == [.failed(#"the ""# + String(repeating: "c", count: 32) + #"c..." SSI command is too long"#), .text("ok")])
        Self.check("x<!--#echo", [.text("x"), .failed(#"unexpected end of the response in "echo" SSI command"#)])
        Self.check("x<!--", [.text("x<!--")])
    }
}
