@testable import Proxy
import Testing

/// The rewrite module's pure parts: named groups found in patterns, map keys with `hostnames`, `set` targets.
struct RewritePartsTests {
    @Test func namedGroupsAreFoundWithoutCompiling() {
        #expect(RegexNames.named(in: "^/u/(?<uid>\\d+)/(?P<page>[a-z]+)$") == ["uid", "page"])
        #expect(RegexNames.named(in: "(?'q'x)") == ["q"])
        #expect(RegexNames.named(in: "(?<=a)b(?<!c)(?:d)\\(?<no>") == [])
        #expect(RegexNames.named(in: "^/plain/(.*)$") == [])
    }

    @Test func mapKeysWithHostnames() {
        func value(_ s: String) -> CompiledTemplate { CompiledTemplate(literal: Array(s.utf8)) }
        let map = MapRuntime(
            source: CompiledTemplate(parts: []), exact: [Array("example.com".utf8): value("exact")], regexes: [],
            defaultValue: value("default"), hostnames: true,
            leading: [(Array(".example.com".utf8), false, value("star")), (Array(".dot.example.com".utf8), true, value("dot"))],
            trailing: [(Array("example.".utf8), value("right"))])
        func lookup(_ key: String) -> [UInt8]? { map.lookup(Array(key.utf8))?.constant }
        #expect(lookup("EXAMPLE.COM.") == Array("exact".utf8))
        #expect(lookup("a.example.com") == Array("star".utf8))
        #expect(lookup("a.dot.example.com") == Array("dot".utf8))   // the longest suffix wins
        #expect(lookup("dot.example.com") == Array("dot".utf8))
        #expect(lookup("example.org") == Array("right".utf8))
        #expect(lookup("other") == nil)
        #expect(lookup("") == nil)
    }

    @Test func setTargets() {
        #expect(SetTargets.isArgs("args") && SetTargets.isArgs("QUERY_STRING"))
        #expect(SetTargets.isReadOnly("uri") && SetTargets.isReadOnly("request_uri"))
        #expect(!SetTargets.isReadOnly("limit_rate") && !SetTargets.isReadOnly("http_foo") && !SetTargets.isReadOnly("mine"))
    }

    @Test func sentHeaderVariableJoinsRepeatedFields() {
        let head = Array("HTTP/1.1 200 OK\r\nCache-Control: max-age=3600\r\nX: y\r\ncache-control: private\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n".utf8)
        func joined(_ name: String) -> String {
            var out: [UInt8] = []
            HeaderScan.appendValues(of: Array(name.utf8), inHead: head, to: &out)
            return String(decoding: out, as: UTF8.self)
        }
        #expect(joined("cache-control") == "max-age=3600, private")
        #expect(joined("set-cookie") == "a=1, b=2")   // nginx: "; " only for Cookie (http_headers_multi.t)
        #expect(joined("x") == "y")
        #expect(joined("missing") == "")
    }
}
