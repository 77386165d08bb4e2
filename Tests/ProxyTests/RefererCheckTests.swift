@testable import Proxy
import Regex
import Testing

/// valid_referers' matching without sockets: the cases of nginx's referer.t, on the compiled check.
struct RefererCheckTests {
    private func check(none: Bool = false, blocked: Bool = false, exact: [String: String?] = [:],
                       leading: [(String, Bool, String?)] = [], trailing: [(String, String?)] = [],
                       nameRegexes: [String] = [], regexes: [String] = []) throws -> RefererCheck {
        func bytes(_ s: String?) -> [UInt8]? { s.map { Array($0.utf8) } }
        var e: [[UInt8]: [UInt8]?] = [:]
        for (k, v) in exact { e[Array(k.utf8)] = bytes(v) }
        return RefererCheck(
            none: none, blocked: blocked,
            hosts: HostPatterns(exact: e, leading: leading.map { (Array($0.0.utf8), $0.1, bytes($0.2)) },
                                trailing: trailing.map { (Array($0.0.utf8), bytes($0.1)) }),
            serverNameRegexes: try nameRegexes.map { try Regex($0, caseless: true) },
            regexes: try regexes.map { try Regex($0, caseless: true) })
    }

    private func valid(_ c: RefererCheck, _ referer: String?) -> Bool {
        c.isValid(referer.map { Array($0.utf8)[...] })
    }

    @Test func hostNamesIgnoreThePortAndTheCaseOfTheHost() throws {
        let c = try check(exact: ["www.example.org": nil])
        #expect(valid(c, "http://www.example.org"))
        #expect(valid(c, "http://www.example.org/uri"))
        #expect(valid(c, "http://WWW.Example.org:8080/uri"))
        #expect(valid(c, "https://www.example.org"))
        #expect(!valid(c, "http://www.example.com"))
        #expect(!valid(c, "localhost"))
        #expect(!valid(c, "foobar"))
        #expect(!valid(c, nil))                               // no `none`
        #expect(valid(c, "http://www.example.org/" + String(repeating: "a", count: 256)))
        #expect(!valid(c, "http://www.example." + String(repeating: "a", count: 256)))
    }

    @Test func noneAndBlocked() throws {
        let none = try check(none: true, exact: ["www.example.org": nil])
        #expect(valid(none, nil))
        #expect(!valid(none, ""))                             // present but empty is not `none`
        let blocked = try check(blocked: true, exact: ["www.example.org": nil])
        #expect(valid(blocked, "www.example.com"))
        #expect(valid(blocked, "http://su"))                  // shorter than "http://i.ru"
        #expect(valid(blocked, ""))
        #expect(!valid(blocked, nil))
        #expect(!valid(blocked, "http://www.example.com"))
    }

    @Test func uriPrefixIsCaseSensitive() throws {
        let c = try check(exact: ["www.example.org": "/uri"], trailing: [("www.example.", "/uri")])
        #expect(valid(c, "http://www.example.org/uri"))
        #expect(valid(c, "http://www.example.org/urii"))
        #expect(valid(c, "http://www.example.org:8080/urii"))
        #expect(!valid(c, "http://www.example.org/uRi"))
        #expect(!valid(c, "http://www.example.org/ur"))
        #expect(!valid(c, "http://www.example.org"))
        #expect(valid(c, "http://www.example.net/urii"))      // the trailing wildcard's own prefix
        #expect(!valid(c, "http://www.example.net/uRI"))
    }

    @Test func wildcards() throws {
        let c = try check(leading: [(".example.com", false, nil), (".example.net", true, nil)],
                          trailing: [("www.example.", nil)])
        #expect(valid(c, "http://a.example.com"))
        #expect(!valid(c, "http://example.com"))              // `*.example.com` wants a name below it
        #expect(valid(c, "http://example.net"))               // `.example.net` takes the name itself too
        #expect(valid(c, "http://www.example.org"))
        #expect(!valid(c, "http://example.org"))
    }

    @Test func regexesMatchAfterTheSchemeCaselessly() throws {
        let c = try check(regexes: ["example.org", "(?-i)example.net"])
        #expect(valid(c, "http://www.eXample.org"))
        #expect(valid(c, "http://www.example.org/uri"))
        #expect(!valid(c, "http://www.eXample.net"))
        #expect(!valid(c, "http://www.example.com"))
        let uri = try check(regexes: ["example.org/uri"])
        #expect(valid(uri, "http://www.example.org/uRI"))
        #expect(!valid(uri, "http://www.example.org"))
        let anchored = try check(regexes: ["example.org$"])
        #expect(valid(anchored, "https://www.eXample.org"))
    }

    @Test func aHostLongerThan256BytesIsInvalidBeforeAnyRegex() throws {
        let c = try check(regexes: [".*"])
        #expect(valid(c, "http://" + String(repeating: "a", count: 256)))
        #expect(!valid(c, "http://" + String(repeating: "a", count: 257)))
    }

    @Test func serverNameRegexesMatchTheHostAlone() throws {
        let c = try check(exact: ["localhost": nil], nameRegexes: ["bar", "^anchoredre$"])
        #expect(valid(c, "http://foobAr/uri"))
        #expect(valid(c, "http://anchoredre/uri"))
        #expect(!valid(c, "foobar"))
        #expect(!valid(c, "http://www/bar"))
    }

    @Test func aListWithoutHostsOrRegexesChecksNothing() throws {
        #expect(valid(try check(), nil))
        #expect(valid(try check(), "junk"))
    }
}
