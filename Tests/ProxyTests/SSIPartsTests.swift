@testable import Proxy
import Testing

/// SSI's other pure parts: the head edit, `if` expressions, `echo`'s encodings, include URIs.
struct SSIPartsTests {
    @Test func headLosesLengthRangesAndValidators() {
        let head = Array("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 12\r\nLast-Modified: x\r\nETag: \"a-b\"\r\nAccept-Ranges: bytes\r\n\r\n".utf8)
        #expect(String(decoding: BodyFilterHead.edit(head, keepLastModified: false), as: UTF8.self)
                == "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n")
        #expect(String(decoding: BodyFilterHead.edit(head, keepLastModified: true), as: UTF8.self)
                == "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nLast-Modified: x\r\nETag: W/\"a-b\"\r\n\r\n")
    }

    @Test func expressions() {
        func p(_ s: String) -> SSIExpression? { SSIExpression.parse(Array(s.utf8)) }
        let b = { (s: String) in Array(s.utf8) }
        #expect(p("$a") == .nonEmpty(b("$a")))
        #expect(p(" $a = text ") == .equals(b("$a"), b("text"), negated: false))
        #expect(p("$a != ${b}x") == .equals(b("$a"), b("${b}x"), negated: true))
        #expect(p("$a=/^(x+)$/") == .matches(b("$a"), pattern: b("^(x+)$"), negated: false))
        #expect(p("$a != /x") == nil)
        #expect(p("$a ~ x") == nil)
    }

    @Test func encodings() {
        #expect(SSIEncoding.entity(Array("<a href=\"x\">&</a>".utf8)) == Array("&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;".utf8))
        #expect(SSIEncoding.url(Array("a b?c%/d".utf8)) == Array("a%20b%3Fc%25/d".utf8))
    }

    @Test func includeURIsMayNotClimb() {
        #expect(URIPathSafety.decodedSafe(Array("/a/b.html".utf8)) != nil)
        #expect(URIPathSafety.decodedSafe(Array("/a/../b".utf8)) == nil)
        #expect(URIPathSafety.decodedSafe(Array("/a/%2E%2e/b".utf8)) == nil)
        #expect(URIPathSafety.decodedSafe(Array("/a%00b".utf8)) == nil)
        #expect(URIPathSafety.decodedSafe(Array("/a%0D%0AX:%20y".utf8)) == nil)   // would split a head via $uri
        #expect(URIPathSafety.decodedSafe(Array("/a%0Ab".utf8)) == nil)
    }

    /// ngx_unescape_uri's handling of escapes that are not two hex digits, which both X-Accel-Redirect and
    /// `include` go through: a `%` before a non-hex byte is dropped, a bad second byte drops all three.
    @Test func badEscapesAreDecodedAsNginxDoes() {
        func d(_ s: String) -> String? { URIPathSafety.decodedSafe(Array(s.utf8)).map { String(decoding: $0, as: UTF8.self) } }
        #expect(d("/a%41%62") == "/aAb")
        #expect(d("/a%zzb") == "/azzb")
        #expect(d("/a%4zb") == "/ab")
        #expect(d("/a%4") == "/a" && d("/a%") == "/a")
        #expect(d("/a%2e%2E") == "/a..")
        #expect(d("a/b") == nil)
    }
}
