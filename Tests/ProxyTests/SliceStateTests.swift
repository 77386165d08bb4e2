import HTTP1
@testable import Proxy
import Testing

/// The slice filter's pure parts: where the first slice starts, each slice's check, the plan after the first and
/// which bytes of each slice the client gets; the client's head made from the first slice's.
struct SliceStateTests {
    static func fields(range: String?, ifRange: String? = nil) -> ConditionalFields {
        var f = ConditionalFields()
        f.range = range.map { Array($0.utf8)[...] }
        f.ifRange = ifRange.map { Array($0.utf8)[...] }
        return f
    }

    static func b(_ s: String) -> ArraySlice<UInt8> { Array(s.utf8)[...] }

    @Test func theFirstSliceHoldsTheRangesFirstByte() {
        #expect(SliceState(size: 2, fields: nil).range == Array("bytes=0-1".utf8))
        #expect(SliceState(size: 2, fields: Self.fields(range: "bytes=3-4")).range == Array("bytes=2-3".utf8))
        #expect(SliceState(size: 1 << 20, fields: Self.fields(range: "bytes=3000000-")).range
                == Array("bytes=2097152-3145727".utf8))
        // nginx starts at 0 for a suffix range, several ranges, If-Range, or anything it cannot read.
        for r in ["bytes=-10", "bytes=4-5,8-9", "items=4-5", "bytes="] {
            #expect(SliceState.requestedStart(Self.fields(range: r)) == 0)
        }
        #expect(SliceState.requestedStart(Self.fields(range: "bytes=6-7", ifRange: "\"e\"")) == 0)
        #expect(SliceState.requestedStart(Self.fields(range: "BYTES= 6-7")) == 6)
        #expect(SliceState.requestedStart(Self.fields(range: "bytes=99999999999999999999-")) == 0)
    }

    @Test func contentRangeAsNginxReadsIt() {
        #expect(SliceState.parseContentRange(Self.b("bytes 0-1/10"))! == (0, 2, 10))
        #expect(SliceState.parseContentRange(Self.b("bytes  2 - 3 / 10 "))! == (2, 4, 10))
        #expect(SliceState.parseContentRange(Self.b("bytes 0-1/*"))! == (0, 2, nil))
        for bad in ["bytes", "bytes 0-1", "bytes -1/10", "bytes 0-1/10x", "items 0-1/10", "bytes 0-99999999999999999999/1"] {
            #expect(SliceState.parseContentRange(Self.b(bad)) == nil)
        }
    }

    @Test func wholeBodyInSlices() {
        var s = SliceState(size: 4, fields: nil)
        #expect(s.check(status: 206, contentRange: Self.b("bytes 0-3/10"), etag: Self.b("\"e\""), lastModified: nil) == .ok)
        s.plan(send: nil)
        #expect(s.completeLength == 10)
        #expect(s.take(4) == (0, 4))
        #expect(s.sliceComplete)
        #expect(s.next() == Array("bytes=4-7".utf8))
        #expect(s.check(status: 206, contentRange: Self.b("bytes 4-7/10"), etag: Self.b("\"e\""), lastModified: nil) == .ok)
        #expect(s.take(3) == (0, 3))
        #expect(!s.sliceComplete)
        #expect(s.take(1) == (0, 1))
        #expect(s.next() == Array("bytes=8-11".utf8))
        // The last slice is shorter: its range ends at the whole length.
        #expect(s.check(status: 206, contentRange: Self.b("bytes 8-11/10"), etag: Self.b("\"e\""), lastModified: nil)
                == .failed("unexpected range in slice response: 8-12, expected: 8-10"))
        var t = s
        #expect(t.check(status: 206, contentRange: Self.b("bytes 8-9/10"), etag: Self.b("\"e\""), lastModified: nil) == .ok)
        #expect(t.take(2) == (0, 2))
        #expect(t.next() == nil)
    }

    @Test func aRangeInsideAndAcrossSlices() {
        // bytes=3-6 with slices of 2: the slices 2-3, 4-5, 6-7; the client gets 3, 4-5, 6.
        var s = SliceState(size: 2, fields: Self.fields(range: "bytes=3-6"))
        #expect(s.range == Array("bytes=2-3".utf8))
        #expect(s.check(status: 206, contentRange: Self.b("bytes 2-3/16"), etag: nil, lastModified: nil) == .ok)
        s.plan(send: ByteSpan(start: 3, end: 7))
        #expect(s.take(2) == (1, 1))
        #expect(s.next() == Array("bytes=4-5".utf8))
        _ = s.check(status: 206, contentRange: Self.b("bytes 4-5/16"), etag: nil, lastModified: nil)
        #expect(s.take(2) == (0, 2))
        _ = s.check(status: 206, contentRange: Self.b("bytes 6-7/16"), etag: nil, lastModified: nil)
        #expect(s.take(2) == (0, 1))
        #expect(s.next() == nil)
    }

    @Test func aRangeFarPastTheFirstSliceSkipsTheSlicesBetween() {
        // If-Range: the first slice is 0-1; the range 6-7 then fetches 6-7 next, not 2-3 (nginx's ctx->start).
        var s = SliceState(size: 2, fields: Self.fields(range: "bytes=6-7", ifRange: "\"e\""))
        #expect(s.range == Array("bytes=0-1".utf8))
        _ = s.check(status: 206, contentRange: Self.b("bytes 0-1/16"), etag: Self.b("\"e\""), lastModified: nil)
        s.plan(send: ByteSpan(start: 6, end: 8))
        #expect(s.take(2) == (2, 0))
        #expect(s.next() == Array("bytes=6-7".utf8))
        _ = s.check(status: 206, contentRange: Self.b("bytes 6-7/16"), etag: Self.b("\"e\""), lastModified: nil)
        #expect(s.take(2) == (0, 2))
        #expect(s.next() == nil)
    }

    @Test func aHeadOnlyAnswerFetchesNoMore() {
        var s = SliceState(size: 2, fields: nil)
        _ = s.check(status: 206, contentRange: Self.b("bytes 0-1/16"), etag: nil, lastModified: nil)
        s.plan(send: nil, headOnly: true)
        #expect(s.take(2) == (2, 0))
        #expect(s.next() == nil)
    }

    @Test func nginxsErrors() {
        func first(_ status: Int, _ cr: String?, etag: String? = nil) -> SliceState.Check {
            var s = SliceState(size: 2, fields: nil)
            return s.check(status: status, contentRange: cr.map(Self.b), etag: etag.map(Self.b), lastModified: nil)
        }
        #expect(first(200, nil) == .notPartial)
        #expect(first(404, "bytes 0-1/10") == .notPartial)
        #expect(first(206, "bytes") == .failed("invalid range in slice response"))
        #expect(first(206, nil) == .failed("invalid range in slice response"))
        #expect(first(206, "bytes 0-1/*") == .failed("no complete length in slice response"))
        #expect(first(206, "bytes 0-2/100") == .failed("unexpected range in slice response: 0-3, expected: 0-2"))
        // nginx's expected end counts from the answer's start: "expected: 0-3".
        #expect(first(206, "bytes 1-2/100") == .failed("unexpected range in slice response: 1-3, expected: 0-3"))
    }

    @Test func laterSlicesKeepTheFirstsValidators() {
        var s = SliceState(size: 2, fields: nil)
        _ = s.check(status: 206, contentRange: Self.b("bytes 0-1/10"), etag: Self.b("\"a\""), lastModified: nil)
        s.plan(send: nil)
        _ = s.take(2)
        var changed = s
        #expect(changed.check(status: 206, contentRange: Self.b("bytes 2-3/10"), etag: Self.b("\"b\""), lastModified: nil)
                == .failed("etag mismatch in slice response"))
        var missing = s
        #expect(missing.check(status: 206, contentRange: Self.b("bytes 2-3/10"), etag: nil, lastModified: nil)
                == .failed("etag mismatch in slice response"))
        #expect(s.check(status: 200, contentRange: nil, etag: Self.b("\"a\""), lastModified: nil) == .notPartial)
        // Without an ETag, Last-Modified must stay the same.
        var lm = SliceState(size: 2, fields: nil)
        _ = lm.check(status: 206, contentRange: Self.b("bytes 0-1/10"), etag: nil, lastModified: Self.b("Mon, 01 Jan 2024 00:00:00 GMT"))
        lm.plan(send: nil)
        _ = lm.take(2)
        var lm2 = lm
        #expect(lm2.check(status: 206, contentRange: Self.b("bytes 2-3/10"), etag: nil,
                          lastModified: Self.b("Tue, 02 Jan 2024 00:00:00 GMT")) == .failed("last-modified mismatch in slice response"))
        #expect(lm.check(status: 206, contentRange: Self.b("bytes 2-3/10"), etag: nil,
                         lastModified: Self.b("Mon, 01 Jan 2024 00:00:00 GMT")) == .ok)
    }

    @Test func theClientsHeadFromTheFirstSlices() {
        let head = Array(("HTTP/1.1 206 Partial Content\r\nServer: s\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
                          + "Content-Range: bytes 0-1/16\r\nAccept-Ranges: bytes\r\nETag: \"e\"\r\nConnection: close\r\n"
                          + "X-Cache-Status: MISS\r\n\r\n").utf8)
        let whole = SliceHead.rewrite(head, status: 200, dropped: SliceHead.framing,
                                      extra: SliceHead.field("Content-Length", 16) + Array("Connection: keep-alive\r\n".utf8))
        #expect(String(decoding: whole, as: UTF8.self) == "HTTP/1.1 200 OK\r\nServer: s\r\nContent-Type: text/plain\r\nETag: \"e\"\r\n"
                + "X-Cache-Status: MISS\r\nContent-Length: 16\r\nConnection: keep-alive\r\n\r\n")
        let notModified = SliceHead.rewrite(head, status: 304, dropped: SliceHead.notModified, extra: [])
        #expect(String(decoding: notModified, as: UTF8.self)
                == "HTTP/1.1 304 Not Modified\r\nServer: s\r\nETag: \"e\"\r\nX-Cache-Status: MISS\r\n\r\n")
        let kept = SliceHead.rewrite(head, status: nil, dropped: SliceHead.connectionFields, extra: [])
        #expect(String(decoding: kept, as: UTF8.self).hasPrefix("HTTP/1.1 206 Partial Content\r\nServer: s\r\n"))
        #expect(String(decoding: kept, as: UTF8.self).contains("Content-Range: bytes 0-1/16\r\n"))
        #expect(!String(decoding: kept, as: UTF8.self).contains("Content-Length"))
    }
}
