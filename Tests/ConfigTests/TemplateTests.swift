import Config
import Testing

struct TemplateTests {
    @Test(arguments: [
        ("plain", [Template.Piece.literal(Array("plain".utf8))]),
        ("$host", [.variable("host")]),
        ("$host$uri$is_args$args", [.variable("host"), .variable("uri"), .variable("is_args"), .variable("args")]),
        ("${cookie_JSESSIONID}x", [.variable("cookie_JSESSIONID"), .literal(Array("x".utf8))]),
        ("/new/$1/$2.html", [.literal(Array("/new/".utf8)), .capture(1), .literal(Array("/".utf8)), .capture(2),
                             .literal(Array(".html".utf8))]),
        ("a-$http_x_forwarded_for-b", [.literal(Array("a-".utf8)), .variable("http_x_forwarded_for"), .literal(Array("-b".utf8))]),
        ("", []),
    ])
    func pieces(text: String, expected: [Template.Piece]) throws {
        #expect(try Template(text).pieces == expected)
    }

    @Test(arguments: [
        ("a$", "invalid variable name"),
        ("$-x", "invalid variable name"),
        ("${}", "invalid variable name"),
        ("${host", "the closing bracket in \"host\" variable is missing"),
    ])
    func errors(text: String, message: String) {
        #expect(throws: TemplateError(message)) { try Template(text) }
    }

    @Test func facts() throws {
        let template = try Template("$scheme://$host/$1")
        #expect(!template.isLiteral)
        #expect(template.variableNames == ["scheme", "host"])
        #expect(template.highestCapture == 1)
        #expect(Template(literal: "close").isLiteral)
    }
}
