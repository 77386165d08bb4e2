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

    /// A fixed-seed xorshift, so the random cases are the same on every run.
    struct XorShift: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
    }

    /// Random bytes from SSI's own alphabet, split at random (fixed seed): the same items for every split, no
    /// crash, no value beyond the parser's bound.
    @Test func randomInputsAreSplitInvariant() {
        let alphabet = Array("<!--#-> =\"'\\abcehilostvxr$\n".utf8)
        var rng = XorShift(state: 0x5eed_55_1)
        for _ in 0..<2000 {
            let n = Int.random(in: 0...120, using: &rng)
            let bytes = (0..<n).map { _ in alphabet.randomElement(using: &rng)! }
            let text = String(decoding: bytes, as: UTF8.self)
            let whole = Self.parse([text], valueLength: 8)
            var pieces: [String] = []
            var rest = bytes[...]
            while !rest.isEmpty {
                let k = Int.random(in: 1...max(1, rest.count), using: &rng)
                pieces.append(String(decoding: rest.prefix(k), as: UTF8.self)); rest = rest.dropFirst(k)
            }
            #expect(Self.parse(pieces, valueLength: 8) == whole, "\(text.debugDescription) split \(pieces)")
            for case .command(_, let params) in whole { #expect(params.values.allSatisfy { $0.utf8.count <= 8 }) }
        }
    }
}
