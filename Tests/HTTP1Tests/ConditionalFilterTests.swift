import HTTP1
import Testing

/// nginx's not_modified and range filters as pure decisions (NotModifiedFilter, RangeFilter, MultipartRanges).
struct ConditionalFilterTests {
    static func fields(_ lines: String...) -> ConditionalFields {
        let text = "GET / HTTP/1.1\r\nHost: a\r\n" + lines.map { $0 + "\r\n" }.joined() + "\r\n"
        var parser = RequestHeadParser()
        let data = Array(text.utf8)
        guard case .complete(let head, _) = data.withByteView({ parser.parse($0) }) else {
            Issue.record("did not parse"); return ConditionalFields()
        }
        return ConditionalFields(head)
    }

    static let lm: Int64 = 1_000_000_000   // Sun, 09 Sep 2001 01:46:40 GMT
    static let lmText = "Sun, 09 Sep 2001 01:46:40 GMT"
    static let earlier = "Sun, 09 Sep 2001 01:46:39 GMT"
    static let later = "Sun, 09 Sep 2001 01:46:41 GMT"
    static let tag = Array("\"5d-1\"".utf8)[...]

    func verdict(_ f: ConditionalFields, mode: IfModifiedSinceMode = .exact, etag: ArraySlice<UInt8>? = tag,
                 lastModified: Int64? = lm) -> ConditionalVerdict {
        NotModifiedFilter.verdict(f, lastModified: lastModified, etag: etag, mode: mode)
    }

    @Test func ifModifiedSinceByMode() {
        #expect(verdict(Self.fields("If-Modified-Since: \(Self.lmText)")) == .notModified)
        #expect(verdict(Self.fields("If-Modified-Since: \(Self.later)")) == .send)   // exact: only equal
        #expect(verdict(Self.fields("If-Modified-Since: \(Self.later)"), mode: .before) == .notModified)
        #expect(verdict(Self.fields("If-Modified-Since: \(Self.earlier)"), mode: .before) == .send)
        #expect(verdict(Self.fields("If-Modified-Since: \(Self.lmText)"), mode: .off) == .send)
        #expect(verdict(Self.fields("If-Modified-Since: \(Self.lmText)"), lastModified: nil) == .send)
        #expect(verdict(Self.fields("If-Modified-Since: garbage")) == .send)
    }

    @Test func ifNoneMatchListsStarAndWeak() {
        #expect(verdict(Self.fields("If-None-Match: \"5d-1\"")) == .notModified)
        #expect(verdict(Self.fields("If-None-Match: \"x\", W/\"5d-1\"")) == .notModified)
        #expect(verdict(Self.fields("If-None-Match: *")) == .notModified)
        #expect(verdict(Self.fields("If-None-Match: \"5d-2\"")) == .send)
        #expect(verdict(Self.fields("If-None-Match: \"5d-1\""), etag: nil) == .send)
        #expect(verdict(Self.fields("If-None-Match: *"), etag: nil) == .notModified)   // any representation
        #expect(verdict(Self.fields("If-None-Match: *"), etag: nil, lastModified: nil) == .notModified)
        #expect(verdict(Self.fields("If-None-Match: \"5d-1\""), etag: Array("W/\"5d-1\"".utf8)[...]) == .notModified)
        // Both present: both must hold.
        #expect(verdict(Self.fields("If-None-Match: \"5d-1\"", "If-Modified-Since: \(Self.earlier)")) == .send)
    }

    /// Client dates are read as nginx reads them: what follows the time (old IE's `; length=`, a zone other than
    /// GMT, none) does not matter; a date nginx refuses is still refused.
    @Test func clientDatesReadAsNginxReadsThem() {
        for lm in ["Sun, 09 Sep 2001 01:46:40 GMT; length=10240", "Sun, 09 Sep 2001 01:46:40 UTC",
                   "Sun, 09 Sep 2001 01:46:40", "Sun,  09 Sep 2001 01:46:40 GMT"] {
            #expect(verdict(Self.fields("If-Modified-Since: \(lm)")) == .notModified, "\(lm)")
            #expect(verdict(Self.fields("If-Unmodified-Since: \(lm)")) == .send, "\(lm)")
            let f = Self.fields("Range: bytes=0-1", "If-Range: \(lm)")
            #expect(RangeFilter.evaluate(f, length: 10, lastModified: Self.lm, etag: nil, maxRanges: .max) == Self.spans((0, 2)))
        }
        let refused = "Sun, 09 sep 2001 01:46:40 GMT"
        #expect(verdict(Self.fields("If-Modified-Since: \(refused)")) == .send)
        #expect(verdict(Self.fields("If-Unmodified-Since: \(refused)")) == .preconditionFailed)
        let f = Self.fields("Range: bytes=0-1", "If-Range: \(refused)")
        #expect(RangeFilter.evaluate(f, length: 10, lastModified: Self.lm, etag: nil, maxRanges: .max) == .whole)
    }

    @Test func preconditionsFailWith412() {
        #expect(verdict(Self.fields("If-Unmodified-Since: \(Self.earlier)")) == .preconditionFailed)
        #expect(verdict(Self.fields("If-Unmodified-Since: \(Self.lmText)")) == .send)
        #expect(verdict(Self.fields("If-Unmodified-Since: \(Self.lmText)"), lastModified: nil) == .preconditionFailed)
        #expect(verdict(Self.fields("If-Match: \"other\"")) == .preconditionFailed)
        #expect(verdict(Self.fields("If-Match: \"5d-1\"")) == .send)
        // If-Match compares strongly: a weak tag does not match.
        #expect(verdict(Self.fields("If-Match: W/\"5d-1\"")) == .preconditionFailed)
        #expect(verdict(Self.fields("If-Match: *")) == .send)
        #expect(verdict(Self.fields("If-Match: *"), etag: nil) == .send)   // with no ETag too
        #expect(verdict(Self.fields("If-Match: \"5d-1\""), etag: nil) == .preconditionFailed)
    }

    func ranges(_ spec: String, length: Int64 = 1000, max: Int = .max) -> RangeVerdict {
        RangeFilter.parse(Array(spec.utf8)[...], length: length, maxRanges: max)
    }

    static func spans(_ pairs: (Int64, Int64)...) -> RangeVerdict { .partial(pairs.map { ByteSpan(start: $0.0, end: $0.1) }) }

    @Test func rangeForms() {
        #expect(ranges("bytes=0-99") == Self.spans((0, 100)))
        #expect(ranges("bytes=900-") == Self.spans((900, 1000)))
        #expect(ranges("bytes=-100") == Self.spans((900, 1000)))
        #expect(ranges("bytes=-2000") == Self.spans((0, 1000)))
        #expect(ranges("bytes=990-5000") == Self.spans((990, 1000)))
        #expect(ranges("bytes=0-0,-1") == Self.spans((0, 1), (999, 1000)))
        #expect(ranges("bytes= 1 - 2 , 4-5") == Self.spans((1, 3), (4, 6)))
        #expect(ranges("bytes=1000-") == .unsatisfiable)
        #expect(ranges("bytes=5-1") == .unsatisfiable)   // no span: nothing satisfiable
        #expect(ranges("bytes=a-b") == .unsatisfiable)
        #expect(ranges("bytes=99999999999999999999-") == .unsatisfiable)   // overflow
        #expect(ranges("bytes=0-") == Self.spans((0, 1000)))
        #expect(ranges("bytes=0-0", length: 0) == .whole)   // empty body: nginx declines
        // More than the body in total (overlapping parts), or more parts than max_ranges: the whole body.
        #expect(ranges("bytes=0-999,0-999") == .whole)
        #expect(ranges("bytes=0-1,3-4", max: 1) == .whole)
        #expect(ranges("bytes=0-1", max: 1) == Self.spans((0, 2)))
    }

    @Test func ifRangeAndNotBytes() {
        let f1 = Self.fields("Range: bytes=0-1", "If-Range: \"5d-1\"")
        #expect(RangeFilter.evaluate(f1, length: 10, lastModified: Self.lm, etag: Self.tag, maxRanges: .max) == Self.spans((0, 2)))
        let f2 = Self.fields("Range: bytes=0-1", "If-Range: \"old\"")
        #expect(RangeFilter.evaluate(f2, length: 10, lastModified: Self.lm, etag: Self.tag, maxRanges: .max) == .whole)
        let f3 = Self.fields("Range: bytes=0-1", "If-Range: \(Self.lmText)")
        #expect(RangeFilter.evaluate(f3, length: 10, lastModified: Self.lm, etag: nil, maxRanges: .max) == Self.spans((0, 2)))
        let f4 = Self.fields("Range: bytes=0-1", "If-Range: \(Self.earlier)")
        #expect(RangeFilter.evaluate(f4, length: 10, lastModified: Self.lm, etag: nil, maxRanges: .max) == .whole)
        let f5 = Self.fields("Range: items=0-1")
        #expect(RangeFilter.evaluate(f5, length: 10, lastModified: nil, etag: nil, maxRanges: .max) == .whole)
    }

    @Test func multipartLayout() {
        let m = MultipartRanges(spans: [ByteSpan(start: 0, end: 3), ByteSpan(start: 4, end: 8)], length: 8,
                                contentType: Array("text/plain".utf8)[...], boundary: 7)
        let body = m.body(from: Array("SEE-THIS".utf8))
        let expected = "\r\n--00000000000000000007\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-2/8\r\n\r\nSEE"
            + "\r\n--00000000000000000007\r\nContent-Type: text/plain\r\nContent-Range: bytes 4-7/8\r\n\r\nTHIS"
            + "\r\n--00000000000000000007--\r\n"
        #expect(String(decoding: body, as: UTF8.self) == expected)
        #expect(Int64(body.count) == m.contentLength)
        #expect(String(decoding: m.contentType, as: UTF8.self) == "multipart/byteranges; boundary=00000000000000000007")
        #expect(String(decoding: ContentRange.unsatisfied(length: 8), as: UTF8.self) == "bytes */8")
    }
}
