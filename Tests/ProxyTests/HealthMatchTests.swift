import Config
import HTTP1
@testable import Proxy
import Testing

/// `match` blocks evaluated against responses, without sockets: nginx Plus's tests and the words its log uses.
struct HealthMatchTests {
    static func head(_ text: String) -> ResponseHead {
        var parser = ResponseHeadParser()
        let bytes = Array(text.utf8)
        return bytes.withByteView { view in
            guard case .complete(let head, _) = parser.parse(view) else { fatalError("incomplete head") }
            return head
        }
    }

    static func match(_ tests: [MatchTest]) throws -> HealthMatch {
        try HealthMatch(MatchConfig(name: "m", tests: tests, location: SourceLocation(file: "t", line: 1)))
    }

    @Test(arguments: [(200, true), (204, true), (301, true), (399, true), (404, false), (500, false), (101, false)])
    func theDefaultPassesTwoAndThreeHundreds(_ status: Int, _ passes: Bool) {
        let verdict = HealthMatch.standard.evaluate(head: Self.head("HTTP/1.1 \(status) X\r\nContent-Length: 0\r\n\r\n"), body: [])
        #expect(verdict == (passes ? .pass : .fail("checking status code")))
    }

    @Test func statusListsRangesAndNegation() throws {
        let m = try Self.match([.status(negated: false, ranges: [200...204, 301...301]), .status(negated: true, ranges: [202...202])])
        #expect(m.evaluate(head: Self.head("HTTP/1.1 200 OK\r\n\r\n"), body: []) == .pass)
        #expect(m.evaluate(head: Self.head("HTTP/1.1 301 M\r\n\r\n"), body: []) == .pass)
        #expect(m.evaluate(head: Self.head("HTTP/1.1 202 A\r\n\r\n"), body: []) == .fail("checking status code"))
        #expect(m.evaluate(head: Self.head("HTTP/1.1 302 F\r\n\r\n"), body: []) == .fail("checking status code"))
    }

    @Test func headerTests() throws {
        let h = Self.head("HTTP/1.1 200 OK\r\ncontent-type: text/html\r\nX-State: ready-1\r\n\r\n")
        let cases: [(MatchTest.HeaderTest, String, Bool)] = [
            (.present, "Content-Type", true), (.present, "X-Missing", false),
            (.absent, "X-Missing", true), (.absent, "X-State", false),
            (.equals("text/html"), "Content-Type", true), (.equals("text/plain"), "Content-Type", false),
            (.notEquals("text/plain"), "Content-Type", true), (.notEquals("text/html"), "Content-Type", false),
            (.notEquals("x"), "X-Missing", false),
            (.matches("^ready-[0-9]$"), "X-State", true), (.matches("^down"), "X-State", false),
            (.notMatches("^down"), "X-State", true), (.notMatches("ready"), "X-State", false),
        ]
        for (test, name, passes) in cases {
            let m = try Self.match([.header(name: name, test: test)])
            #expect(m.evaluate(head: h, body: []) == (passes ? .pass : .fail("checking headers")), "\(test) \(name)")
        }
    }

    @Test func bodyTestsReadTheBody() throws {
        let h = Self.head("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n")
        let welcome = try Self.match([.body(pattern: "Welcome to", negated: false)])
        #expect(welcome.readsBody && !HealthMatch.standard.readsBody)
        #expect(welcome.evaluate(head: h, body: Array("<h1>Welcome to x</h1>".utf8)) == .pass)
        #expect(welcome.evaluate(head: h, body: Array("<h1>Maintenance</h1>".utf8)) == .fail("checking body"))
        let notMaintenance = try Self.match([.status(negated: false, ranges: [200...200]), .body(pattern: "aintenance", negated: true)])
        #expect(notMaintenance.evaluate(head: h, body: Array("ok".utf8)) == .pass)
        #expect(notMaintenance.evaluate(head: h, body: Array("Maintenance".utf8)) == .fail("checking body"))
        // The status fails first, whatever the body says.
        #expect(notMaintenance.evaluate(head: Self.head("HTTP/1.1 503 U\r\n\r\n"), body: []) == .fail("checking status code"))
    }
}
