@testable import Proxy
import Testing

/// The runtime API's JSON reader and writer, without sockets: RFC 8259's grammar, strictness where a lenient
/// reader would guess, and no input that traps.
@Suite struct JSONTests {
    static func parse(_ text: String) throws -> JSON { try JSON.parse(Array(text.utf8)) }

    @Test func readsEveryKindOfValue() throws {
        let v = try Self.parse(#" {"a": [1, -2, 3.5, 1e3, true, false, null], "b": "x\"\\\/\n\u00e9\ud83d\ude00", "c": {}} "#)
        #expect(v["a"] == .array([.int(1), .int(-2), .double(3.5), .double(1000), .bool(true), .bool(false), .null]))
        #expect(v["b"] == .string("x\"\\/\né😀"))
        #expect(v["c"] == .object([]))
        #expect(v["missing"] == nil)
    }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "-", "1.", ".5", "1e", "+1", "tru", "nul",
        "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"a\u{1}b\"", "{\"a\":1,\"a\":2}", "[1] [2]",
        "1e400", "// c\n1", "'a'", "[" ,
    ])
    func refusesWhatIsNotJSON(_ text: String) {
        #expect(throws: JSON.ParseError.self) { try Self.parse(text) }
    }

    @Test func refusesInvalidUTF8AndDeepNesting() {
        #expect(throws: JSON.ParseError.self) { try JSON.parse([0x22, 0xFF, 0x22]) }
        let deep = String(repeating: "[", count: JSON.maxDepth + 1) + String(repeating: "]", count: JSON.maxDepth + 1)
        #expect(throws: JSON.ParseError.self) { try Self.parse(deep) }
        let ok = String(repeating: "[", count: JSON.maxDepth) + String(repeating: "]", count: JSON.maxDepth)
        #expect((try? Self.parse(ok)) != nil)
        // A million brackets: refused at the depth bound, never a stack overflow.
        #expect(throws: JSON.ParseError.self) { try Self.parse(String(repeating: "[", count: 1_000_000)) }
    }

    @Test func writesWhatItReads() throws {
        let v = JSON.object([("id", .int(3)), ("server", .string("10.0.0.1:80")), ("down", .bool(false)),
                             ("text", .string("quote \" backslash \\ tab \t nl \n ctl \u{1}")), ("n", .null),
                             ("list", .array([.int(-7), .double(0.25)]))])
        let bytes = v.serialized()
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix(#"{"id":3,"server":"10.0.0.1:80","down":false,"text":"quote \" backslash \\ tab \t nl \n ctl \u0001""#))
        #expect(try JSON.parse(bytes) == v)
    }

    /// Random bytes and mutations of a valid body: every one ends in a value or an error (a trap fails the run).
    @Test func arbitraryInputNeverTraps() throws {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return seed >> 33 }
        let alphabet = Array(#"{}[]:,"\u0123456789.eE+-truefalsn x"#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xFF]
        let valid = Array(#"{"weight": 2, "drain": true, "server": "10.0.0.1:80", "list": [1, 2.5e-3, null]}"#.utf8)
        var parsed = 0
        for round in 0..<20_000 {
            var input: [UInt8]
            if round % 2 == 0 {
                input = (0..<Int(next() % 40)).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }
            } else {
                input = valid
                for _ in 0..<(1 + Int(next() % 3)) {
                    let at = Int(next() % UInt64(input.count))
                    switch next() % 3 {
                    case 0: input[at] = alphabet[Int(next() % UInt64(alphabet.count))]
                    case 1: input.remove(at: at)
                    default: input.insert(alphabet[Int(next() % UInt64(alphabet.count))], at: at)
                    }
                }
            }
            if let v = try? JSON.parse(input) {
                parsed += 1
                #expect(try JSON.parse(v.serialized()) == v)   // what is read is written back readable
            }
        }
        #expect(parsed > 0)
    }
}
