import HTTP1
import Testing

struct HTTPDateTests {
    // Vectors checked against Python's email.utils.formatdate / time.strftime.
    static let vectors: [(Int64, String, String, String)] = [
        (0, "Thu, 01 Jan 1970 00:00:00 GMT", "01/Jan/1970:00:00:00 +0000", "1970-01-01T00:00:00+00:00"),
        (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT", "06/Nov/1994:08:49:37 +0000", "1994-11-06T08:49:37+00:00"),
        (1_795_597_200, "Wed, 25 Nov 2026 09:00:00 GMT", "25/Nov/2026:09:00:00 +0000", "2026-11-25T09:00:00+00:00"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT", "29/Feb/2000:00:00:00 +0000", "2000-02-29T00:00:00+00:00"),
        (4_102_444_799, "Thu, 31 Dec 2099 23:59:59 GMT", "31/Dec/2099:23:59:59 +0000", "2099-12-31T23:59:59+00:00"),
        (-1, "Wed, 31 Dec 1969 23:59:59 GMT", "31/Dec/1969:23:59:59 +0000", "1969-12-31T23:59:59+00:00"),
        (253_402_300_799, "Fri, 31 Dec 9999 23:59:59 GMT", "31/Dec/9999:23:59:59 +0000", "9999-12-31T23:59:59+00:00"),
    ]

    @Test(arguments: vectors)
    func formats(time: Int64, imf: String, local: String, iso: String) {
        #expect(text(HTTPDate.imfFixdate(time)) == imf)
        var out: [UInt8] = []
        HTTPDate.appendTimeLocal(time, to: &out)
        #expect(text(out) == local)
        out = []
        HTTPDate.appendISO8601(time, to: &out)
        #expect(text(out) == iso)
    }

    @Test func formatsWithAnOffset() {
        var local: [UInt8] = []
        HTTPDate.appendTimeLocal(1_795_597_200, utcOffsetMinutes: 480, to: &local)
        #expect(text(local) == "25/Nov/2026:17:00:00 +0800")
        var iso: [UInt8] = []
        HTTPDate.appendISO8601(1_795_597_200, utcOffsetMinutes: -570, to: &iso)
        #expect(text(iso) == "2026-11-24T23:30:00-09:30")
    }

    static let parsed: [(String, Int64?)] = [
        ("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777),
        ("Sunday, 06-Nov-94 08:49:37 GMT", 784_111_777),
        ("Sun Nov  6 08:49:37 1994", 784_111_777),
        ("Wed Nov 25 09:00:00 2026", 1_795_597_200),
        ("Wednesday, 25-Nov-26 09:00:00 GMT", 1_795_597_200),
        ("Tue, 29 Feb 2000 00:00:00 GMT", 951_782_400),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0),
        // Rejected: wrong zone, bad ranges, wrong shapes, trailing bytes, lowercase month, pre-1970.
        ("Sun, 06 Nov 1994 08:49:37 UTC", nil),
        ("Sun, 06 Nov 1994 08:49:37 GMT ", nil),
        ("Sun, 06 Nov 1994 24:00:00 GMT", nil),
        ("Sun, 06 Nov 1994 08:60:00 GMT", nil),
        ("Sun, 06 Nov 1994 08:49:60 GMT", nil),
        ("Tue, 29 Feb 2100 00:00:00 GMT", nil),
        ("Sun, 31 Apr 1994 00:00:00 GMT", nil),
        ("Sun, 00 Nov 1994 08:49:37 GMT", nil),
        ("Sun, 06 nov 1994 08:49:37 GMT", nil),
        ("Sun, 6 Nov 1994 08:49:37 GMT", nil),
        ("Wed, 31 Dec 1969 23:59:59 GMT", nil),
        ("Sun Nov 6 08:49:37 1994", nil),
        ("1994-11-06T08:49:37Z", nil),
        ("", nil),
    ]

    @Test(arguments: parsed)
    func parses(input: String, expected: Int64?) {
        #expect(HTTPDate.parse(bytes(input)) == expected)
    }

    /// nginx's ngx_parse_http_time, each vector checked against nginx 1.22.1 (If-Modified-Since on a file with that
    /// mtime answers 304; the refused ones fail If-Unmodified-Since on a file of 1970).
    static let lm: Int64 = 1_796_691_074   // Tue, 08 Dec 2026 00:51:14 GMT
    static let parsedAsNginx: [(String, Int64?)] = [
        ("Tue, 08 Dec 2026 00:51:14 GMT", lm),
        // Reading stops after the time: a zone other than GMT, none, old IE's length, anything else.
        ("Tue, 08 Dec 2026 00:51:14 GMT; length=10240", lm),
        ("Tue, 08 Dec 2026 00:51:14 UTC", lm),
        ("Tue, 08 Dec 2026 00:51:14 +0000", lm),
        ("Tue, 08 Dec 2026 00:51:14", lm),
        ("Tue, 08 Dec 2026 00:51:14 GMT junk", lm),
        ("Tue, 08 Dec 2026 00:51:14GMT", lm),
        // The weekday is not read, and the spaces after its comma may be any number.
        ("Tue,  08 Dec 2026 00:51:14 GMT", lm),
        ("Tue,08 Dec 2026 00:51:14 GMT", lm),
        (", 08 Dec 2026 00:51:14 GMT", lm),
        ("Wed, 08 Dec 2026 00:51:14 GMT", lm),
        ("Tuesday, 08-Dec-26 00:51:14 GMT", lm),
        ("Tuesday, 08-Dec-26 00:51:14", lm),
        ("Tue Dec  8 00:51:14 2026", lm),
        ("Tue Dec 8 00:51:14 2026", lm),
        ("Tue Dec 08 00:51:14 2026", lm),
        ("Tue Dec  8 00:51:14 2026 GMT", lm),
        ("Tue Dec-08 00:51:14 2026", lm),
        ("Tue   Dec  8 00:51:14 2026", lm),
        // Months by the letters nginx looks at; day 00 is the day before the 1st; leap days; before 1970.
        ("Tue, 08 Dxx 2026 00:51:14 GMT", lm),
        ("Thu, 08 Jxx 2027 00:00:00 GMT", 1_815_004_800),
        ("Tue, 08 Jun 2027 00:00:00 GMT", 1_812_412_800),
        ("Sat, 08 Mxy 2027 00:00:00 GMT", 1_809_734_400),
        ("Mon, 08 Mar 2027 00:00:00 GMT", 1_804_464_000),
        ("Sun, 08 Axx 2027 00:00:00 GMT", 1_817_683_200),
        ("Mon, 00 Dec 2026 00:00:00 GMT", 1_795_996_800),
        ("Fri, 00 Jan 2027 00:00:00 GMT", 1_798_675_200),
        ("Tue, 29 Feb 2028 00:00:00 GMT", 1_835_395_200),
        ("Fri, 01 Jan 1960 00:00:00 GMT", -315_619_200),
        // Refused by nginx too.
        ("Tue, 08  Dec 2026 00:51:14 GMT", nil),
        ("Tue, 08 dec 2026 00:51:14 GMT", nil),
        ("Tue, 8 Dec 2026 00:51:14 GMT", nil),
        ("Tue, 08 Dec 2026 0:51:14 GMT", nil),
        ("Tue, 08 Dec 2026 00:51:1", nil),
        ("Tue Dec  8 00:51:14 202", nil),
        ("Dec  8 00:51:14 2026", nil),
        ("08 Dec 2026 00:51:14 GMT", nil),
        ("Tue, 07 Dec 2026 24:51:14 GMT", nil),
        ("Tue, 08 Dec 2026 00:51:60 GMT", nil),
        ("Tue, 32 Dec 2026 00:51:14 GMT", nil),
        ("Tue,\t08 Dec 2026 00:51:14 GMT", nil),
        ("Mon, 29 Feb 2027 00:00:00 GMT", nil),
        ("Wed, 30 Feb 2028 00:00:00 GMT", nil),
        ("Tue Xyz  8 00:51:14 2027", nil),
        ("Tue, 08 Dec 26 00:51:14 GMT", nil),
        ("Tue, 08-Dec-2026 00:51:14 GMT", nil),
        ("Tue, 08 Dec 2026", nil),
        ("Tue", nil),
        ("", nil),
    ]

    @Test(arguments: parsedAsNginx)
    func parsesAsNginx(input: String, expected: Int64?) {
        #expect(HTTPDate.parseAsNginx(bytes(input)[...]) == expected)
        // Inside a larger buffer (a request head's slice), the same.
        let inHead = bytes("If-Modified-Since: " + input + "\r\n")
        #expect(HTTPDate.parseAsNginx(inHead[19..<(inHead.count - 2)]) == expected)
    }

    @Test func parsesAsNginxWhatParseReads() {
        for (input, expected) in Self.parsed where expected != nil {
            #expect(HTTPDate.parseAsNginx(bytes(input)[...]) == expected, "\(input)")
        }
    }

    @Test func roundTripsAcrossCenturies() {
        // Steps of 86_399 s + 7 walk every weekday, month length and leap-year rule from 1970 to 2300.
        var t: Int64 = 0
        var checked = 0
        while t < 10_413_792_000 {
            let imf = HTTPDate.imfFixdate(t)
            #expect(imf.count == 29)
            guard HTTPDate.parse(imf) == t, HTTPDate.parseAsNginx(imf[...]) == t else {
                Issue.record("\(text(imf)) did not parse back to \(t)")
                return
            }
            t += 86_399 * 37 + 7
            checked += 1
        }
        #expect(checked > 3000)
    }
}

struct HeadWriterTests {
    @Test(arguments: [
        (200, "HTTP/1.1 200 OK\r\n"), (302, "HTTP/1.1 302 Moved Temporarily\r\n"),
        (404, "HTTP/1.1 404 Not Found\r\n"), (431, "HTTP/1.1 431 Request Header Fields Too Large\r\n"),
        (502, "HTTP/1.1 502 Bad Gateway\r\n"), (504, "HTTP/1.1 504 Gateway Time-out\r\n"),
        (599, "HTTP/1.1 599 \r\n"),
    ])
    func statusLines(status: Int, expected: String) {
        var w = HeadWriter()
        w.appendStatusLine(status)
        #expect(text(w.finish()) == expected)
    }

    @Test func buildsAWholeHead() throws {
        var w = HeadWriter()
        w.appendStatusLine(200, version: .http1_0)
        w.appendHeader("Server", "switchyard")
        w.appendHeader("Content-Length", Int64(1_234_567_890_123))
        w.appendHeader("X-Neg", -42)
        w.appendHeader("X-Zero", 0)
        w.appendHeader(bytes("X-Bytes"), bytes("a b")[...])
        w.appendEnd()
        let out = w.finish()
        #expect(
            text(out)
                == "HTTP/1.0 200 OK\r\nServer: switchyard\r\nContent-Length: 1234567890123\r\nX-Neg: -42\r\nX-Zero: 0\r\nX-Bytes: a b\r\n\r\n"
        )
        // What the writer produces, the parser reads back.
        guard case .complete(let head, let consumed) = out.withByteView({ ResponseHeadParser().parseOnce($0) })
        else {
            Issue.record("writer output did not parse")
            return
        }
        #expect(consumed == out.count && head.contentLength == 1_234_567_890_123 && head.headers.count == 5)
    }

    @Test func relaysARequestWithARequestLine() {
        var parser = RequestHeadParser()
        let wire = bytes("PURGE /x?y HTTP/1.1\r\nHost: a\r\nX-Keep: 1\r\n\r\n")
        guard case .complete(let head, _) = wire.withByteView({ parser.parse($0) }) else {
            Issue.record("did not parse")
            return
        }
        var w = HeadWriter()
        w.appendRequestLine(method: head.bytes(head.methodRange), target: head.bytes(head.target))
        for i in head.headers.indices { w.appendHeader(from: head, at: i) }
        w.appendEnd()
        #expect(w.finish() == wire)
        var g = HeadWriter()
        g.appendRequestLine(method: "GET", target: bytes("/"), version: .http1_0)
        #expect(text(g.finish()) == "GET / HTTP/1.0\r\n")
    }

    @Test(arguments: [
        (Int64(0), "0"), (7, "7"), (10, "10"), (-1, "-1"), (Int64.max, "9223372036854775807"),
        (Int64.min, "-9223372036854775808"),
    ])
    func decimals(value: Int64, expected: String) {
        var out: [UInt8] = []
        ASCIIDecimal.append(value, to: &out)
        #expect(text(out) == expected)
        if value >= 0 { #expect(ASCIIDecimal.parseInt64(out) == value) }
    }
}

extension ResponseHeadParser {
    /// Parses a complete buffer with a fresh parser.
    func parseOnce(_ buffer: ByteView) -> HeadParseResult<ResponseHead> {
        var copy = self
        return copy.parse(buffer)
    }
}
