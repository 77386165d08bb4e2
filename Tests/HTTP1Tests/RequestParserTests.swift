import HTTP1
import Testing

private func row(_ build: (inout RequestSummary) -> Void) -> Outcome<RequestSummary> {
    var s = RequestSummary()
    build(&s)
    return .head(s)
}

/// Parses `input` every way the verifier knows and reduces the agreed result to what the row compares.
func parseRequest(_ input: String, limits: ParserLimits = ParserLimits()) throws -> Outcome<RequestSummary> {
    let data = bytes(input)
    switch try ParserVerifier.verify(data, make: { RequestHeadParser(limits: limits) }) {
    case .incomplete:
        return .incomplete
    case .failed(let e):
        return .error(e.status, e.reason)
    case .complete(let head, let consumed):
        var s = RequestSummary(head, consumed: consumed)
        if consumed == data.count { s.consumed = nil }
        return .head(s)
    }
}

/// Compares a parse with a row; for error rows the reason is only compared when the row gives one.
func expectRequest(_ input: String, _ expected: Outcome<RequestSummary>, limits: ParserLimits = ParserLimits())
    throws
{
    let got = try parseRequest(input, limits: limits)
    switch (expected, got) {
    case (.error(let status, nil), .error(let gotStatus, _)):
        #expect(status == gotStatus, "\(input.debugDescription)")
    default:
        #expect(got == expected, "\(input.debugDescription)")
    }
}

struct RequestParserTests {
    static let valid: [(String, Outcome<RequestSummary>)] = [
        ("GET / HTTP/1.1\r\nHost: a\r\n\r\n", row { _ in }),
        // Bare LF line ends, accepted like nginx, mixed with CRLF.
        ("GET / HTTP/1.1\nHost: a\n\n", row { _ in }),
        ("GET / HTTP/1.1\r\nHost: a\n\r\n", row { _ in }),
        // Leading empty lines are skipped and counted in consumed.
        ("\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", row { _ in }),
        (
            "GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: a\r\n\r\n",
            row {
                $0.target = "/a/b?x=1&y=2"
                $0.path = "/a/b"
                $0.query = "x=1&y=2"
            }
        ),
        (
            "GET /? HTTP/1.1\r\nHost: a\r\n\r\n",
            row {
                $0.target = "/?"; $0.query = ""
            }
        ),
        (
            "GET http://Example.COM:8080/p?q HTTP/1.1\r\nHost: other\r\n\r\n",
            row {
                $0.target = "http://Example.COM:8080/p?q"
                $0.form = .absolute
                $0.path = "/p"
                $0.query = "q"
                $0.headers = ["Host: other"]
                $0.host = "Example.COM:8080"
            }
        ),
        (
            "GET http://h HTTP/1.1\r\nHost: h\r\n\r\n",
            row {
                $0.target = "http://h"
                $0.form = .absolute
                $0.path = ""
                $0.headers = ["Host: h"]
                $0.host = "h"
            }
        ),
        (
            "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
            row {
                $0.method = "CONNECT"
                $0.methodCase = .connect
                $0.target = "example.com:443"
                $0.form = .authority
                $0.path = ""
                $0.headers = ["Host: example.com:443"]
                $0.host = "example.com:443"
            }
        ),
        (
            "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
            row {
                $0.method = "OPTIONS"
                $0.methodCase = .options
                $0.target = "*"
                $0.form = .asterisk
                $0.path = "*"
            }
        ),
        // Keep-alive rules.
        (
            "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
            row {
                $0.headers.append("Connection: close"); $0.keepAlive = false
            }
        ),
        (
            "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, CLOSE\r\n\r\n",
            row {
                $0.headers.append("Connection: Upgrade, CLOSE"); $0.keepAlive = false
            }
        ),
        (
            "GET / HTTP/1.0\r\n\r\n",
            row {
                $0.version = "1.0"; $0.headers = []; $0.host = nil; $0.keepAlive = false
            }
        ),
        (
            "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
            row {
                $0.version = "1.0"; $0.headers = ["Connection: Keep-Alive"]; $0.host = nil; $0.keepAlive = true
            }
        ),
        (
            "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n",
            row {
                $0.version = "1.0"; $0.headers = ["Connection: keep-alive, close"]; $0.host = nil; $0.keepAlive = false
            }
        ),
        ("GET / HTTP/1.2\r\nHost: a\r\n\r\n", row { $0.version = "1.2" }),
        // Bodies.
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 42\r\n\r\n",
            row {
                $0.method = "POST"; $0.methodCase = .post; $0.headers.append("Content-Length: 42")
                $0.contentLength = 42; $0.framing = .length(42)
            }
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
            row {
                $0.method = "POST"; $0.methodCase = .post; $0.headers.append("Content-Length: 0")
                $0.contentLength = 0; $0.framing = .length(0)
            }
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n",
            row {
                $0.method = "POST"; $0.methodCase = .post; $0.headers.append("Transfer-Encoding: Chunked")
                $0.framing = .chunked
            }
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 9223372036854775807\r\n\r\n",
            row {
                $0.method = "POST"; $0.methodCase = .post
                $0.headers += ["Expect: 100-Continue", "Content-Length: 9223372036854775807"]
                $0.contentLength = .max; $0.framing = .length(.max); $0.expectsContinue = true
            }
        ),
        // nginx ignores Expect on HTTP/1.0.
        (
            "POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n",
            row {
                $0.method = "POST"; $0.methodCase = .post; $0.version = "1.0"; $0.host = nil
                $0.headers = ["Expect: 100-continue"]; $0.keepAlive = false
            }
        ),
        // Header values: OWS trimmed, inner spaces kept, empty values and obs-text allowed, names kept as sent.
        (
            "GET / HTTP/1.1\r\nhOST:a\r\nX-A: \t x  y \t\r\nX-Empty:\r\nX-Utf8: caf\u{e9}\r\n\r\n",
            row { $0.headers = ["hOST: a", "X-A: x  y", "X-Empty: ", "X-Utf8: caf\u{e9}"] }
        ),
        // Host with a port and an IPv6 literal.
        (
            "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
            row {
                $0.headers = ["Host: [::1]:80"]; $0.host = "[::1]:80"
            }
        ),
        // Pipelining: the second request starts at consumed.
        (
            "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
            row { $0.consumed = 27 }
        ),
        // Raw UTF-8 in the target passes (nginx does too).
        (
            "GET /caf\u{e9} HTTP/1.1\r\nHost: a\r\n\r\n",
            row {
                $0.target = "/caf\u{e9}"; $0.path = "/caf\u{e9}"
            }
        ),
    ]

    static let methods: [(String, HTTPMethod, Bool)] = [
        ("GET", .get, true), ("HEAD", .head, true), ("POST", .post, false), ("PUT", .put, true),
        ("DELETE", .delete, true), ("OPTIONS", .options, true), ("TRACE", .trace, true), ("PATCH", .patch, false),
        ("PROPFIND", .propfind, true), ("PROPPATCH", .proppatch, true), ("MKCOL", .mkcol, true),
        ("COPY", .copy, true), ("MOVE", .move, true), ("LOCK", .lock, false), ("UNLOCK", .unlock, true),
        ("PURGE", .other, true), ("X_Y-Z", .other, true), ("GETS", .other, true), ("POS", .other, true),
    ]

    /// Every method token, its case, and nginx's idempotence (POST, LOCK, PATCH are not retried).
    @Test(arguments: methods)
    func recognisesMethods(method: String, expected: HTTPMethod, idempotent: Bool) throws {
        var summary = RequestSummary()
        summary.method = method
        summary.methodCase = expected
        try expectRequest("\(method) / HTTP/1.1\r\nHost: a\r\n\r\n", .head(summary))
        #expect(expected.isIdempotent == idempotent)
    }

    @Test(arguments: valid)
    func parsesValidRequests(input: String, expected: Outcome<RequestSummary>) throws {
        try expectRequest(input, expected)
    }

    static let invalid: [(String, Int, String)] = [
        // Request line.
        ("get / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "client sent invalid method"),
        ("G@T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "client sent invalid method"),
        (" GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "client sent invalid method"),
        ("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "client sent invalid request"),
        ("GET /  HTTP/1.1\r\nHost: a\r\n\r\n", 400, "client sent invalid request"),
        ("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400, "client sent invalid request"),
        ("GET /\r\n\r\n", 400, "client sent invalid request"),
        ("GET\r\n\r\n", 400, "client sent invalid request"),
        ("GET / HTTP/1.1\r\r\nHost: a\r\n\r\n", 400, "client sent invalid request"),
        ("GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n", 400, "client sent invalid request"),
        ("GET /a\u{7f} HTTP/1.1\r\nHost: a\r\n\r\n", 400, "client sent invalid request"),
        ("GET /\tx HTTP/1.1\r\nHost: a\r\n\r\n", 400, "client sent invalid request"),
        ("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "client sent invalid version"),
        ("GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505, "client sent invalid version"),
        ("GET / HTTP/1.x\r\nHost: a\r\n\r\n", 400, "client sent invalid request"),
        ("GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400, "client sent invalid request"),
        ("GET / http/1.1\r\nHost: a\r\n\r\n", 400, "client sent invalid request"),
        ("GET / FOO\r\nHost: a\r\n\r\n", 400, "client sent invalid request"),
        ("GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400, "client sent invalid request"),
        ("GET a.com:80 HTTP/1.1\r\nHost: a\r\n\r\n", 400, "client sent invalid request"),
        ("CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "client sent invalid request"),
        ("GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400, "client sent invalid request"),
        ("GET http:/h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400, "client sent invalid request"),
        ("GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n", 400, "client sent invalid request"),
        ("\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "client sent invalid request"),
        // Header lines.
        ("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400, "client sent invalid header line: obsolete line folding"),
        (
            "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n\tfolded\r\n\r\n", 400,
            "client sent invalid header line: obsolete line folding"
        ),
        ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, "client sent invalid header line"),
        ("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400, "client sent invalid header line"),
        ("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400, "client sent invalid header line"),
        ("GET / HTTP/1.1\r\nHost: a\r\n: empty-name\r\n\r\n", 400, "client sent invalid header line"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX(A): 1\r\n\r\n", 400, "client sent invalid header line"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX\u{e9}: 1\r\n\r\n", 400, "client sent invalid header line"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX-A: a\u{0}b\r\n\r\n", 400, "client sent invalid header line"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX-A: a\u{1}b\r\n\r\n", 400, "client sent invalid header line"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX-A: a\u{7f}\r\n\r\n", 400, "client sent invalid header line"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX-A: a\rb\r\n\r\n", 400, "client sent invalid header line"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\r\n\r\n", 400, "client sent invalid header line"),
        ("GET / HTTP/1.1\r\nHost: a\r\n\r\r\n", 400, "client sent invalid header line"),
        // Host.
        ("GET / HTTP/1.1\r\n\r\n", 400, "client sent HTTP/1.1 request without \"Host\" header"),
        ("GET http://h/ HTTP/1.1\r\n\r\n", 400, "client sent HTTP/1.1 request without \"Host\" header"),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400, "client sent duplicate Host header"),
        ("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400, "client sent duplicate Host header"),
        ("GET / HTTP/1.1\r\nHost:\r\n\r\n", 400, "client sent invalid host header"),
        ("GET / HTTP/1.1\r\nHost: a..b\r\n\r\n", 400, "client sent invalid host header"),
        ("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, "client sent invalid host header"),
        ("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "client sent invalid host header"),
        ("GET / HTTP/1.0\r\nHost: a\\b\r\n\r\n", 400, "client sent invalid host header"),
        // Content-Length.
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", 400,
            "client sent duplicate Content-Length header"
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400,
            "client sent duplicate Content-Length header"
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\n", 400,
            "client sent invalid \"Content-Length\" header"
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400,
            "client sent invalid \"Content-Length\" header"
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n", 400,
            "client sent invalid \"Content-Length\" header"
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", 400,
            "client sent invalid \"Content-Length\" header"
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", 400,
            "client sent invalid \"Content-Length\" header"
        ),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400, "client sent invalid \"Content-Length\" header"),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775808\r\n\r\n", 400,
            "client sent invalid \"Content-Length\" header"
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400,
            "client sent invalid \"Content-Length\" header"
        ),
        // Transfer-Encoding.
        (
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
            "client sent \"Content-Length\" and \"Transfer-Encoding\" headers at the same time"
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400,
            "client sent \"Content-Length\" and \"Transfer-Encoding\" headers at the same time"
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501,
            "client sent unknown \"Transfer-Encoding\""
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 501,
            "client sent unknown \"Transfer-Encoding\""
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 501,
            "client sent unknown \"Transfer-Encoding\""
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", 501,
            "client sent unknown \"Transfer-Encoding\""
        ),
        (
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
            "client sent duplicate Transfer-Encoding header"
        ),
        (
            "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
            "client sent HTTP/1.0 request with \"Transfer-Encoding\" header"
        ),
        // Fields nginx allows once.
        ("GET / HTTP/1.1\r\nHost: a\r\nIf-Match: x\r\nIf-Match: y\r\n\r\n", 400, "client sent duplicate header line"),
        ("GET / HTTP/1.1\r\nHost: a\r\nIf-None-Match: x\r\nif-none-match: x\r\n\r\n", 400,
         "client sent duplicate header line"),
        ("GET / HTTP/1.1\r\nHost: a\r\nIf-Modified-Since: x\r\nIf-Modified-Since: y\r\n\r\n", 400,
         "client sent duplicate header line"),
        ("GET / HTTP/1.1\r\nHost: a\r\nIf-Unmodified-Since: x\r\nIf-Unmodified-Since: y\r\n\r\n", 400,
         "client sent duplicate header line"),
        ("GET / HTTP/1.1\r\nHost: a\r\nIf-Range: x\r\nIf-Range: y\r\n\r\n", 400, "client sent duplicate header line"),
        ("GET / HTTP/1.1\r\nHost: a\r\nContent-Range: x\r\nContent-Range: y\r\n\r\n", 400,
         "client sent duplicate header line"),
        ("GET / HTTP/1.1\r\nHost: a\r\nExpect: x\r\nExpect: y\r\n\r\n", 400, "client sent duplicate header line"),
        ("GET / HTTP/1.1\r\nHost: a\r\nAuthorization: x\r\nAuthorization: y\r\n\r\n", 400,
         "client sent duplicate header line"),
        // nginx order: a missing Host is reported before framing problems.
        ("POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", 400, "client sent HTTP/1.1 request without \"Host\" header"),
    ]

    @Test(arguments: invalid)
    func refusesMalformedRequests(input: String, status: Int, reason: String) throws {
        try expectRequest(input, .error(status, reason))
    }

    /// Binary such as a TLS ClientHello is refused at its first byte, without waiting for a line end.
    @Test(arguments: ["\u{16}\u{3}\u{1}\u{2}\u{0}", "\r\nGE\u{0}", "GET\t", "get"])
    func badMethodBytesFailBeforeTheLineEnds(input: String) throws {
        try expectRequest(input, .error(400, "client sent invalid method"))
    }

    @Test func incompleteHeadsWait() throws {
        for input in [
            "", "\r\n", "\r", "G", "GET", "GET\r", "X_Y-Z ", "GET \u{1}", "GET / HTTP/1.1",
            "GET / HTTP/1.1\r\nHost: a\r\n", "GET / HTTP/1.1\r\nHost: a\r\n\r",
        ] {
            #expect(try parseRequest(input) == .incomplete, "\(input.debugDescription)")
        }
    }

    static let small = ParserLimits(requestLineMax: 20, headerLineMax: 16, headMax: 48, maxHeaders: 3)

    static let limited: [(String, Outcome<RequestSummary>)] = [
        // Request line of exactly 20 bytes with CRLF passes; 21 does not, and is refused before its end arrives.
        (
            "GET /1234 HTTP/1.1\r\nHost: a\r\n\r\n",
            row {
                $0.target = "/1234"; $0.path = "/1234"
            }
        ),
        ("GET /12345 HTTP/1.1\r\nHost: a\r\n\r\n", .error(414, "client sent too long URI")),
        ("GET /123456789012345678901234567890", .error(414, "client sent too long URI")),
        // A bad method byte before the limit is reported as such, however the bytes arrive.
        ("G@T /123456789012345678901234567890", .error(400, "client sent invalid method")),
        ("GET\r/123456789012345678901234567890", .error(414, "client sent too long URI")),
        // Header line of 16 bytes with CRLF passes, 17 does not.
        ("GET / HTTP/1.1\r\nHost: a\r\nX-Abcdefgh: 12\r\n\r\n", row { $0.headers.append("X-Abcdefgh: 12") }),
        ("GET / HTTP/1.1\r\nHost: a\r\nX-Abcdefgh: 123\r\n\r\n", .error(431, "client sent too long header line")),
        ("GET / HTTP/1.1\r\nHost: a\r\nX-Abcdefghijklmnopqrstuvwxyz", .error(431, "client sent too long header line")),
        // Three headers pass, four do not.
        ("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n", row { $0.headers += ["A: 1", "B: 2"] }),
        ("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", .error(400, "client sent too many header lines")),
        // The head limit counts everything, leading empty lines too.
        (
            "GET / HTTP/1.1\r\nHost: a\r\nA: 123456789\r\nB: 123456789\r\n\r\n",
            .error(431, "client sent too large request header")
        ),
        (String(repeating: "\r\n", count: 40), .error(431, "client sent too large request header")),
    ]

    @Test(arguments: limited)
    func enforcesLimits(input: String, expected: Outcome<RequestSummary>) throws {
        try expectRequest(input, expected, limits: Self.small)
    }

    @Test func headOfExactlyHeadMaxPasses() throws {
        let input = "GET / HTTP/1.1\r\nHost: a\r\nA: 1234567\r\nB: 1234567\r\n\r\n"
        let limits = ParserLimits(requestLineMax: 20, headerLineMax: 16, headMax: input.utf8.count, maxHeaders: 3)
        try expectRequest(input, row { $0.headers += ["A: 1234567", "B: 1234567"] }, limits: limits)
        let longer = ParserLimits(requestLineMax: 20, headerLineMax: 16, headMax: input.utf8.count - 1, maxHeaders: 3)
        try expectRequest(input, .error(431), limits: longer)
    }

    @Test func pipelinedRequestsParseOneAfterAnother() throws {
        let wire = bytes(
            "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: b\r\nContent-Length: 0\r\n\r\nGET /3 HTTP/1.0\r\n\r\n"
        )
        var parser = RequestHeadParser()
        var offset = 0
        var seen: [String] = []
        while offset < wire.count {
            let result = wire[offset...].withByteView { parser.parse($0) }
            guard case .complete(let head, let consumed) = result else {
                Issue.record("unexpected \(result)")
                return
            }
            seen.append(text(head.bytes(head.methodRange)) + " " + text(head.bytes(head.path)))
            offset += consumed
            parser.reset()
        }
        #expect(seen == ["GET /1", "POST /2", "GET /3"])
        #expect(offset == wire.count)
    }

    /// A second read for an invalid Host's 400 (answered through error_page): the head parses without it; other
    /// failures stay failures.
    @Test func anInvalidHostCanBeReadAsAbsent() throws {
        var parser = RequestHeadParser()
        parser.invalidHostAsAbsent = true
        let wire = bytes("GET /p?a=1 HTTP/1.1\r\nHost: a..b\r\nX-A: 1\r\n\r\n")
        guard case .complete(let head, let consumed) = wire.withByteView({ parser.parse($0) }) else {
            Issue.record("an invalid Host read as absent did not parse")
            return
        }
        #expect(head.hostRange == nil && consumed == wire.count)
        #expect(head.firstHeader("x-a").map { Array($0) } == bytes("1"))
        parser.reset()
        let duplicate = bytes("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").withByteView { parser.parse($0) }
        #expect(duplicate == .failed(.duplicateHost))
        var plain = RequestHeadParser()
        #expect(wire.withByteView { plain.parse($0) } == .failed(.invalidHost))
    }

    @Test func resultIsRepeatedUntilReset() throws {
        var parser = RequestHeadParser()
        let bad = bytes("BAD\u{1} / HTTP/1.1\r\n")
        let first = bad.withByteView { parser.parse($0) }
        let again = bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n").withByteView { parser.parse($0) }
        #expect(first == .failed(.invalidMethod))
        #expect(again == first)
        parser.reset()
        let fresh = bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n").withByteView { parser.parse($0) }
        guard case .complete = fresh else {
            Issue.record("reset parser did not parse: \(fresh)")
            return
        }
    }
}

/// The head scans read eight bytes at a time: a forbidden byte, or the line end, must be found at every
/// offset of a value, on both sides of each eight-byte step.
struct WordScanTests {
    @Test(arguments: 0..<24)
    func aControlByteAnywhereInAValueIsRefused(offset: Int) throws {
        for bad in ["\u{1}", "\u{7f}", "\u{1f}", "\r"] {
            var value = String(repeating: "v", count: 24)
            let at = value.index(value.startIndex, offsetBy: offset)
            value.replaceSubrange(at...at, with: bad)
            try expectRequest("GET / HTTP/1.1\r\nHost: a\r\nX-Long: \(value)\r\n\r\n", .error(400, nil))
        }
    }

    @Test(arguments: 0..<24)
    func valuesOfEveryLengthParseWhole(length: Int) throws {
        let value = String(String(repeating: "v\t", count: 12).prefix(length))
        let expected = value.hasSuffix("\t") ? String(value.dropLast()) : value   // trailing OWS is not the value's
        let got = try parseRequest("GET / HTTP/1.1\r\nHost: a\r\nX-Long: \(value)\r\n\r\n")
        guard case .head(let s) = got else { Issue.record("not parsed: \(got)"); return }
        #expect(s.headers.last == "X-Long: \(expected)")
    }
}
