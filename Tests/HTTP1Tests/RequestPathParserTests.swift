import HTTP1
import Testing

/// Issue 13 items 9–11 at the parser: nginx's header-name rule, nginx's absolute-form host, and a chunked
/// body's declared size known before its bytes.
struct RequestPathParserTests {
    private static func headers(_ names: [String]) -> Outcome<RequestSummary> {
        var s = RequestSummary()
        s.headers = names
        return .head(s)
    }

    /// nginx's defaults (`ignore_invalid_headers on; underscores_in_headers off;`): a name with `_`, `.` or any
    /// tchar outside letters, digits and `-` is dropped, at every split of the input; the rest of the head stays.
    @Test(arguments: ["X_Forwarded_For", "X.Forwarded-For", "X#A", "X%A", "X~A", "X!A", "X$A", "X&A", "X'A", "X*A",
                      "X+A", "X^A", "X`A", "X|A", "_"])
    func invalidNamesAreDropped(name: String) throws {
        try expectRequest("GET / HTTP/1.1\r\nHost: a\r\n\(name): 1.2.3.4\r\nX-Ok: y\r\n\r\n",
                          Self.headers(["Host: a", "X-Ok: y"]))
    }

    @Test func validNamesStay() throws {
        try expectRequest("GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 1\r\nabc-XYZ-09: 2\r\n\r\n",
                          Self.headers(["Host: a", "X-Forwarded-For: 1", "abc-XYZ-09: 2"]))
    }

    /// A dropped field cannot frame the body either: `Content_Length` is not `Content-Length`.
    @Test func droppedFieldsDoNotFrame() throws {
        try expectRequest("POST / HTTP/1.1\r\nHost: a\r\nContent_Length: 5\r\n\r\n",
                          .head({ var s = RequestSummary(); s.method = "POST"; s.methodCase = .post; return s }()))
    }

    @Test func theFirstDroppedLineIsKeptForTheLog() throws {
        var p = RequestHeadParser()
        let input = bytes("GET / HTTP/1.1\r\nHost: a\r\nX_A: 1\r\nX.B: 2\r\n\r\n")
        guard case .complete(let head, _) = input.withByteView({ p.parse($0) }) else { Issue.record("no head"); return }
        let line = try #require(head.ignoredLine)
        #expect(String(decoding: head.bytes(line), as: UTF8.self) == "X_A: 1")
    }

    /// realip reads X-Forwarded-For from what the parser kept: the first line, and whether more came.
    @Test func theFirstForwardedForLineIsKept() throws {
        func head(_ text: String) throws -> RequestHead {
            var p = RequestHeadParser()
            guard case .complete(let head, _) = bytes(text).withByteView({ p.parse($0) }) else { throw HTTPParseError.invalidRequest }
            return head
        }
        let two = try head("GET / HTTP/1.1\r\nHost: a\r\nx-forwarded-for: 10.0.0.1\r\nX-FORWARDED-FOR: 192.0.2.1\r\n\r\n")
        #expect(String(decoding: two.bytes(try #require(two.forwardedFor)), as: UTF8.self) == "10.0.0.1")
        #expect(two.forwardedForRepeated)
        let one = try head("GET / HTTP/1.1\r\nAccept-Encoding: gzip\r\nX-Forwarded-For: 192.0.2.1, 10.0.0.2\r\nHost: a\r\n\r\n")
        #expect(String(decoding: one.bytes(try #require(one.forwardedFor)), as: UTF8.self) == "192.0.2.1, 10.0.0.2")
        #expect(!one.forwardedForRepeated)
        #expect(try head("GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-Fo: 1\r\n\r\n").forwardedFor == nil)
    }

    @Test func underscoresAndInvalidNamesCanBeAllowed() throws {
        let input = bytes("GET / HTTP/1.1\r\nHost: a\r\nX_A: 1\r\nX.B: 2\r\n\r\n")
        var underscores = RequestHeadParser(underscoresInHeaders: true)
        guard case .complete(let h1, _) = input.withByteView({ underscores.parse($0) }) else { Issue.record("no head"); return }
        #expect(h1.headers.count == 2)
        var all = RequestHeadParser(ignoreInvalidHeaders: false)
        guard case .complete(let h2, _) = input.withByteView({ all.parse($0) }) else { Issue.record("no head"); return }
        #expect(h2.headers.count == 3 && h2.ignoredLine == nil)
    }

    /// nginx's absolute-form host: letters, digits, `.`, `-`, or `[literal]`, then `:digits`.
    @Test(arguments: ["http://a_b/x", "http://a%41/x", "http://a\u{80}b/x", "http://a:8x/x", "http://[::1/x",
                      "http://a@b/x", "http://:80/x", "http:///x", "http://a..b/x", "http://a~b/x"])
    func badAbsoluteFormHostsAre400(target: String) throws {
        try expectRequest("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n", .error(400, nil))
    }

    @Test func absoluteFormHostWithNULIs400() throws {
        var p = RequestHeadParser()
        var input = bytes("GET http://ab/x HTTP/1.1\r\nHost: a\r\n\r\n")
        input[12] = 0   // the "b"
        guard case .failed(let e) = input.withByteView({ p.parse($0) }) else { Issue.record("accepted"); return }
        #expect(e.status == 400)
    }

    @Test(arguments: [("http://Internal-Admin.example:8080/x?y", "Internal-Admin.example:8080"),
                      ("http://[::1]:80/x", "[::1]:80"), ("http://10.0.0.1/", "10.0.0.1")])
    func goodAbsoluteFormHostsPickTheHost(target: String, host: String) throws {
        var p = RequestHeadParser()
        let input = bytes("GET \(target) HTTP/1.1\r\nHost: other\r\n\r\n")
        guard case .complete(let head, _) = input.withByteView({ p.parse($0) }) else { Issue.record("refused"); return }
        #expect(head.targetForm == .absolute)
        #expect(String(decoding: head.bytes(try #require(head.hostRange)), as: UTF8.self) == host)
    }

    /// The declared size is known once the size line ends, before any data byte arrives.
    @Test func declaredBytesCountTheAnnouncedChunk() throws {
        var d = ChunkedDecoder()
        let r = try bytes("5\r\nhello\r\n100000000000003\r\n").withByteView { try d.decode($0) { _ in } }
        #expect(!r.finished)
        #expect(d.decodedBytes == 5)
        #expect(d.declaredBytes == 5 + 0x100000000000003)
    }
}
