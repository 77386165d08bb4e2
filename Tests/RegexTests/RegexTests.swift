import Regex
import Testing

struct RegexTests {
    @Test(arguments: [
        ("(a", "pcre2_compile() failed: missing closing parenthesis in \"(a\""),
        ("a)b", "pcre2_compile() failed: unmatched closing parenthesis in \"a)b\" at \")b\""),
        ("x{2,1}", "pcre2_compile() failed: numbers out of order in {} quantifier in \"x{2,1}\" at \"}\""),
    ])
    func compileErrorsReadAsNginx(pattern: String, message: String) {
        do {
            _ = try Regex(pattern)
            Issue.record("compiled")
        } catch {
            #expect(error.description == message)
            #expect(error.pattern == pattern)
        }
    }

    @Test func capturesAsByteRanges() throws {
        let regex = try Regex(#"^/(\w+)/(\d+)?x?$"#)
        #expect(regex.captureCount == 2)
        let matchData = regex.makeMatchData()
        #expect(regex.matches(Array("/abc/".utf8), with: matchData))
        #expect(matchData.range(0) == 0..<5)
        #expect(matchData.range(1) == 1..<4)
        #expect(matchData.range(2) == nil)
        #expect(matchData.range(3) == nil)
        #expect(!regex.matches(Array("nope".utf8), with: matchData))
        #expect(matchData.range(0) == nil)
    }

    @Test func caselessMatchesNginxTildeStar() throws {
        let plain = try Regex(#"\.png$"#)
        let caseless = try Regex(#"\.png$"#, caseless: true)
        #expect(plain.firstMatch(in: Array("/A.PNG".utf8)) == nil)
        #expect(caseless.firstMatch(in: Array("/A.PNG".utf8)) == [2..<6])
        #expect(caseless.caseless)
    }

    @Test func namedGroups() throws {
        let regex = try Regex(#"^(?<session>[^.]+)\.(?<route>tomcat\d+)$"#)
        #expect(regex.namedGroups.map(\.name) == ["session", "route"])
        #expect(regex.groupIndex(named: "route") == 2)
        #expect(regex.groupIndex(named: "missing") == nil)
        let subject = Array("8F3AC2.tomcat1".utf8)
        let ranges = regex.firstMatch(in: subject)!
        #expect(String(decoding: subject[ranges[2]!], as: UTF8.self) == "tomcat1")
    }

    @Test func emptySubjectAndBytesNotUTF8() throws {
        let regex = try Regex("^$")
        #expect(regex.firstMatch(in: []) == [0..<0])
        let any = try Regex("^.\\xff$")
        #expect(any.firstMatch(in: [0x61, 0xFF]) != nil)
    }

    @Test func matchDataIsReusable() throws {
        let regex = try Regex("(b+)")
        let matchData = regex.makeMatchData()
        for (subject, range) in [("abbc", 1..<3), ("bbbb", 0..<4), ("xb", 1..<2)] {
            #expect(regex.matches(Array(subject.utf8), with: matchData))
            #expect(matchData.range(1) == range)
        }
    }
}
