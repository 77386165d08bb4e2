import HTTP1
import Testing

/// What a chunked decode produced: the body, input bytes used, whether it ended, or the error status.
struct ChunkedOutcome: Equatable, CustomStringConvertible {
    var body: String
    var consumed: Int
    var finished: Bool
    var error: Int? = nil

    var description: String {
        "body=\(body.debugDescription) consumed=\(consumed) finished=\(finished) error=\(error.map(String.init) ?? "-")"
    }
}

/// Feeds `input` in pieces cut at `cuts`; each call gets only bytes not yet consumed, like a read loop.
private func decodeChunked(_ input: [UInt8], cuts: [Int], limits: ParserLimits, upstream: Bool) -> ChunkedOutcome {
    var decoder = ChunkedDecoder(limits: limits, upstream: upstream)
    var body: [UInt8] = []
    var offset = 0
    for cut in cuts where cut >= offset {
        do {
            let (used, finished) = try input[offset..<cut].withByteView { piece in
                try decoder.decode(piece) { body.append(contentsOf: $0) }
            }
            offset += used
            if finished { return ChunkedOutcome(body: text(body), consumed: offset, finished: true) }
            #expect(offset == cut, "an unfinished decoder must use all its input")
        } catch {
            return ChunkedOutcome(
                body: text(body), consumed: offset, finished: false, error: (error as? HTTPParseError)?.status ?? -1)
        }
    }
    return ChunkedOutcome(body: text(body), consumed: offset, finished: false)
}

/// Whole, byte by byte and every two-part split must agree (the body before an error may differ in length, so
/// error outcomes compare only the status).
func verifyChunked(_ input: String, limits: ParserLimits = ParserLimits(), upstream: Bool = false) -> ChunkedOutcome {
    let data = bytes(input)
    let whole = decodeChunked(data, cuts: [data.count], limits: limits, upstream: upstream)
    var feeds = [Array(0...data.count)]
    for cut in 0...data.count { feeds.append([cut, data.count]) }
    for cuts in feeds {
        let other = decodeChunked(data, cuts: cuts, limits: limits, upstream: upstream)
        if whole.error != nil {
            #expect(other.error == whole.error, "cuts \(cuts) of \(input.debugDescription)")
        } else {
            #expect(other == whole, "cuts \(cuts) of \(input.debugDescription)")
        }
    }
    return whole
}

struct ChunkedDecoderTests {
    static let valid: [(String, String, Int?, Bool)] = [
        // input, body, consumed (nil = all), finished
        ("5\r\nhello\r\n0\r\n\r\n", "hello", nil, true),
        ("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world", nil, true),
        ("A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n", "0123456789abcdefghij", nil, true),
        ("000005\r\nhello\r\n000\r\n\r\n", "hello", nil, true),
        ("5\nhello\n0\n\n", "hello", nil, true),
        ("5;name=value\r\nhello\r\n0;last\r\n\r\n", "hello", nil, true),
        ("5 ; a = \"q\\\"x;y\" ; b ;c=d\r\nhello\r\n0\r\n\r\n", "hello", nil, true),
        ("0\r\nX-Trailer: 1\r\nChecksum: abc\r\n\r\n", "", nil, true),
        ("0\nX: 1\n\n", "", nil, true),
        ("3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n", "abc", 13, true),
        ("5\r\nhel", "hel", nil, false),
        ("5\r\nhello\r\n0\r\n\r", "hello", nil, false),
        ("4000000000000000\r\nab", "ab", nil, false),
        ("", "", nil, false),
    ]

    @Test(arguments: valid)
    func decodes(input: String, body: String, consumed: Int?, finished: Bool) {
        let expected = ChunkedOutcome(body: body, consumed: consumed ?? input.utf8.count, finished: finished)
        #expect(verifyChunked(input) == expected)
    }

    static let invalid: [String] = [
        "x\r\n",
        "\r\n",
        "-1\r\n",
        " 5\r\nhello\r\n0\r\n\r\n",
        "5\r\nhelloX\r\n0\r\n\r\n",
        "5\r\nhello\rX",
        "5\r\r\nhello",
        "5\rhello",
        "5;\r\nhello",
        "5;a=\r\nhello",
        "5;=b\r\nhello",
        "5;a=\"open\r\nhello",
        "5;a b\r\nhello",
        "5;a=(b)\r\nhello",
        "5x\r\nhello",
        "4000000000000001\r\n",
        "FFFFFFFFFFFFFFFFFFFF\r\n",
        "0\r\n folded: 1\r\n\r\n",
        "0\r\nno-colon\r\n\r\n",
        "0\r\nX : 1\r\n\r\n",
        "0\r\nX: a\u{1}b\r\n\r\n",
        "0\r\nX: a\rb\r\n\r\n",
        "0\r\n\rX",
    ]

    @Test(arguments: invalid)
    func refuses(input: String) {
        #expect(verifyChunked(input).error == 400, "\(input.debugDescription)")
    }

    @Test func upstreamErrorsAre502() {
        #expect(verifyChunked("zz\r\n", upstream: true).error == 502)
        do {
            var decoder = ChunkedDecoder(upstream: true)
            _ = try bytes("zz").withByteView { try decoder.decode($0) { _ in } }
            Issue.record("no error")
        } catch {
            #expect(error as? HTTPParseError == .upstreamInvalidChunkedResponse)
        }
    }

    @Test func limitsBoundSizeLinesAndTrailers() {
        let limits = ParserLimits(requestLineMax: 100, headerLineMax: 10, headMax: 20, maxHeaders: 2)
        // A 10-byte size line passes, 11 bytes do not.
        #expect(verifyChunked("1;abcdef\r\nx\r\n0\r\n\r\n", limits: limits).finished)
        #expect(verifyChunked("1;abcdefg\r\nx\r\n0\r\n\r\n", limits: limits).error == 400)
        // Trailer lines of at most 10 bytes, at most 2 of them, at most 20 bytes in all.
        #expect(verifyChunked("0\r\nA: 12345\r\n\r\n", limits: limits).finished)
        #expect(verifyChunked("0\r\nA: 123456\r\n\r\n", limits: limits).error == 400)
        #expect(verifyChunked("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: limits).error == 400)
        #expect(verifyChunked("0\r\nA: 1234\r\nB: 12345\r\n\r\n", limits: limits).error == 400)
    }

    @Test func errorIsSticky() throws {
        var decoder = ChunkedDecoder()
        #expect(throws: HTTPParseError.invalidChunkedBody) {
            _ = try bytes("q").withByteView { try decoder.decode($0) { _ in } }
        }
        #expect(throws: HTTPParseError.invalidChunkedBody) {
            _ = try bytes("5\r\nhello\r\n").withByteView { try decoder.decode($0) { _ in } }
        }
    }

    @Test func countsDecodedBytesAndStopsAfterTheEnd() throws {
        var decoder = ChunkedDecoder()
        let wire = bytes("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        let (used, finished) = try wire.withByteView { try decoder.decode($0) { _ in } }
        #expect(used == wire.count && finished && decoder.isFinished && decoder.decodedBytes == 5)
        let again = try bytes("1\r\nx").withByteView { try decoder.decode($0) { _ in Issue.record("emitted") } }
        #expect(again == (0, true))
    }
}

struct ChunkedEncoderTests {
    @Test(arguments: [
        (1, "1\r\n"), (15, "f\r\n"), (16, "10\r\n"), (255, "ff\r\n"), (4096, "1000\r\n"), (0x7fff_ffff, "7fffffff\r\n"),
    ])
    func chunkHeader(length: Int, expected: String) {
        var out: [UInt8] = []
        ChunkedEncoder.appendChunkHeader(length, to: &out)
        #expect(text(out) == expected)
    }

    @Test func roundTripsThroughTheDecoder() throws {
        var wire: [UInt8] = []
        let pieces = ["hello", "", " ", String(repeating: "x", count: 300)]
        for p in pieces { ChunkedEncoder.appendChunk(bytes(p), to: &wire) }
        ChunkedEncoder.appendLastChunk(to: &wire)
        #expect(text(wire.suffix(5)) == "0\r\n\r\n")
        let result = verifyChunked(text(wire))
        #expect(result == ChunkedOutcome(body: pieces.joined(), consumed: wire.count, finished: true))
    }
}
