import ASCIIBytes
import HTTP1

/// nginx's slice filter (ngx_http_slice_filter_module) as a value: which slice to fetch next, what each slice's
/// answer must say, and which of its bytes the client gets. No sockets: SliceDriver feeds it heads and body
/// lengths and acts on what it answers.
///
///     var s = SliceState(size: 4, fields: nil)            // no Range: slices from 0
///     s.range                                             // "bytes=0-3"
///     s.check(status: 206, contentRange: "bytes 0-3/10", etag: nil, lastModified: nil)   // .ok
///     s.plan(send: nil)                                   // the whole 10 bytes, as a 200
///     s.take(4)                                           // (skip: 0, count: 4)
///     s.next()                                            // "bytes=4-7"
struct SliceState: Equatable {
    /// A slice's answer, as nginx's header filter judges it.
    enum Check: Equatable {
        case ok
        /// Not a 206: the main request passes it through as it is; a later slice is an error.
        case notPartial
        /// nginx's error_log text; the response is cut.
        case failed(String)
    }

    let size: Int64
    /// The first byte of the slice being fetched (nginx's ctx->start before the answer, the next one after).
    private(set) var start: Int64
    /// Fetching stops here (nginx's ctx->end): the end of the bytes the client gets, or the whole length.
    private(set) var end: Int64 = 0
    /// The entity's bytes the client gets.
    private(set) var send = ByteSpan(start: 0, end: 0)
    /// The entity offset of the next body byte of the current slice, and where that slice ends.
    private(set) var position: Int64 = 0
    private(set) var sliceEnd: Int64 = 0
    /// The whole length the first slice's Content-Range stated.
    private(set) var completeLength: Int64 = -1
    /// The first slice's validators: every later slice must carry the same (ETag as nginx; Last-Modified when
    /// there is no ETag).
    private(set) var etag: [UInt8]? = nil
    private(set) var lastModified: [UInt8]? = nil
    private var checkedFirst = false

    /// `fields`: the main request's Range and If-Range (nil: neither).
    init(size: Int64, fields: ConditionalFields?) {
        self.size = size
        start = size * (Self.requestedStart(fields) / size)
    }

    /// `$slice_range` of the slice being fetched: `bytes=START-END`, END being START + size - 1.
    var range: [UInt8] {
        var out = Array("bytes=".utf8)
        ASCIIDecimal.append(start, to: &out)
        out.append(UInt8(ascii: "-"))
        ASCIIDecimal.append(start + size - 1, to: &out)
        return out
    }

    /// nginx's ngx_http_slice_get_start: the first byte of a single `bytes=N-…` range; 0 with If-Range (the
    /// answer may be the whole body), several ranges, a suffix range or anything unreadable.
    static func requestedStart(_ fields: ConditionalFields?) -> Int64 {
        guard let f = fields, f.ifRange == nil, let v = f.range, v.count >= 7,
              ASCII.hasPrefixLowercased(v, "bytes=") else { return 0 }
        let rest = v.dropFirst(6)
        if rest.contains(UInt8(ascii: ",")) { return 0 }
        var p = rest.startIndex
        while p < rest.endIndex && rest[p] == 32 { p += 1 }
        if p < rest.endIndex && rest[p] == UInt8(ascii: "-") { return 0 }
        var n: Int64 = 0
        while p < rest.endIndex, rest[p] >= 48, rest[p] <= 57 {
            let d = Int64(rest[p] - 48)
            if n > (Int64.max - d) / 10 { return 0 }
            n = n * 10 + d
            p += 1
        }
        return n
    }

    /// A slice's head: a 206 whose Content-Range is exactly the slice asked for (the last one shorter), with the
    /// first slice's validators. On `.ok` the next slice starts where this one ends.
    mutating func check(status: Int, contentRange: ArraySlice<UInt8>?, etag tag: ArraySlice<UInt8>?,
                        lastModified lm: ArraySlice<UInt8>?) -> Check {
        guard status == 206 else { return .notPartial }
        if let known = etag {
            guard let tag, tag.elementsEqual(known) else { return .failed("etag mismatch in slice response") }
        } else if checkedFirst, let known = lastModified {
            guard let lm, lm.elementsEqual(known) else { return .failed("last-modified mismatch in slice response") }
        }
        if let tag { etag = Array(tag) }
        if !checkedFirst, let lm { lastModified = Array(lm) }
        guard let cr = contentRange, let parsed = Self.parseContentRange(cr) else {
            return .failed("invalid range in slice response")
        }
        guard let complete = parsed.complete else { return .failed("no complete length in slice response") }
        let expectedEnd = min(parsed.start + size, complete)
        if parsed.start != start || parsed.end != expectedEnd {
            var text = "unexpected range in slice response: \(parsed.start)-\(parsed.end), "
            text += "expected: \(start)-\(expectedEnd)"
            return .failed(text)
        }
        if !checkedFirst { completeLength = complete }
        checkedFirst = true
        position = parsed.start
        sliceEnd = expectedEnd
        start = expectedEnd
        return .ok
    }

    /// After the first slice: what the client gets. `span`: the one range the range filter answers with (a 206),
    /// nil for the whole body (a 200). `headOnly`: nothing (a HEAD, a 304, a 412, a 416): no more slices.
    /// A range past the slices below it skips them (nginx's ctx->start moves to the range's slice).
    mutating func plan(send span: ByteSpan?, headOnly: Bool = false) {
        if headOnly {
            send = ByteSpan(start: 0, end: 0)
            end = start
            return
        }
        if let s = span {
            send = s
            if start + size <= s.start { start = size * (s.start / size) }
            end = s.end
        } else {
            send = ByteSpan(start: 0, end: completeLength)
            end = completeLength
        }
    }

    /// `count` body bytes of the current slice arrived: how many to skip, then how many the client gets.
    /// Bytes past the slice's end are skipped.
    mutating func take(_ count: Int) -> (skip: Int, count: Int) {
        let pieceStart = position
        let pieceEnd = min(position + Int64(count), max(sliceEnd, position))
        position += Int64(count)
        let from = max(pieceStart, send.start), to = min(pieceEnd, send.end)
        guard from < to else { return (count, 0) }
        return (Int(from - pieceStart), Int(to - from))
    }

    /// Whether the current slice's body was whole.
    var sliceComplete: Bool { position == sliceEnd }

    /// The next slice's range, nil when the client has all it asked for.
    func next() -> [UInt8]? { start < end ? range : nil }

    /// nginx's ngx_http_slice_parse_content_range: `bytes START-END/LENGTH` (spaces allowed between the parts,
    /// `*` for an unknown length: `complete` nil); END is made exclusive.
    static func parseContentRange(_ value: ArraySlice<UInt8>) -> (start: Int64, end: Int64, complete: Int64?)? {
        guard value.count >= 7, value.prefix(6).elementsEqual("bytes ".utf8) else { return nil }
        var p = value.startIndex + 6
        let e = value.endIndex
        func spaces() { while p < e && value[p] == 32 { p += 1 } }
        func number() -> Int64? {
            guard p < e, value[p] >= 48, value[p] <= 57 else { return nil }
            var n: Int64 = 0
            while p < e, value[p] >= 48, value[p] <= 57 {
                let d = Int64(value[p] - 48)
                if n > (Int64.max - d) / 10 { return nil }
                n = n * 10 + d
                p += 1
            }
            return n
        }
        spaces()
        guard let s = number() else { return nil }
        spaces()
        guard p < e, value[p] == UInt8(ascii: "-") else { return nil }
        p += 1
        spaces()
        guard let last = number(), last < Int64.max else { return nil }
        spaces()
        guard p < e, value[p] == UInt8(ascii: "/") else { return nil }
        p += 1
        spaces()
        var complete: Int64? = nil
        if p < e && value[p] == UInt8(ascii: "*") {
            p += 1
        } else {
            guard let n = number() else { return nil }
            complete = n
        }
        spaces()
        guard p == e else { return nil }
        return (s, last + 1, complete)
    }
}
