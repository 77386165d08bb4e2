import EventLoop
import HTTP1

/// The not_modified and range filters applied to a static file: the pure decisions of HTTP1's
/// `NotModifiedFilter` and `RangeFilter` with the location's `if_modified_since`, `etag` and `max_ranges`.
extension StaticFiles {
    static func conditional(_ fields: ConditionalFields, _ filters: ResponseFilters, etag: [UInt8],
                            mtime: Int64) -> ConditionalVerdict {
        guard fields.hasPreconditions else { return .send }
        return NotModifiedFilter.verdict(fields, lastModified: mtime, etag: etag.isEmpty ? nil : etag[...],
                                         mode: filters.ifModifiedSince)
    }

    static func ranges(_ fields: ConditionalFields, _ filters: ResponseFilters, etag: [UInt8], mtime: Int64?,
                       size: Int64) -> RangeVerdict {
        guard fields.range != nil, filters.maxRanges > 0 else { return .whole }
        return RangeFilter.evaluate(fields, length: size, lastModified: mtime, etag: etag.isEmpty ? nil : etag[...],
                                    maxRanges: filters.maxRanges)
    }

    /// The Last-Modified time the range filter sees: the file's, or the one `add_header` gives (nil if empty),
    /// read as nginx's headers filter reads it.
    static func headerMtime(_ r: Request, _ filters: ResponseFilters, _ mtime: Int64) -> Int64? {
        guard let t = filters.lastModifiedHeader else { return mtime }
        return HTTPDate.parseAsNginx(r.evaluate(t)[...])
    }

    /// 416 with `Content-Range: bytes */size`, as nginx's range filter answers. nginx's header filters ran on the
    /// 200 before the range filter made it a 416, so `add_header` and `expires` give it what they give a 200
    /// (nginx runs them again for the error page: an `always` line comes twice there, once here).
    /// An `error_page 416` answers it instead (`servedByErrorPage`).
    static func sendRangeNotSatisfiable(size: Int64, on c: ClientConnection) {
        if servedByErrorPage(size: size, c) { return }
        let page = page416(c)
        Responses.send(status: 416, contentType: Responses.htmlType(c.request), body: page,
                       extra: [(Array("Content-Range".utf8), ContentRange.unsatisfied(length: size))], tailStatus: 200, on: c)
    }

    /// The 416 made of a proxied or cached 200 (`resp`): its fields stay, as in nginx, but for those about the
    /// body (type, length, coding, ranges) and its validators; then `add_header` and `expires` as for the 200.
    static func sendRangeNotSatisfiable(size: Int64, upstream resp: ResponseHead, proxy: ProxyRuntime, on c: ClientConnection) {
        if servedByErrorPage(size: size, c) { return }   // the upstream's answer was dropped already
        let r = c.request
        let page = page416(c)
        var extra = Array("Content-Type: ".utf8) + Responses.htmlType(r) + [13, 10]
        extra += Array("Content-Range: ".utf8) + ContentRange.unsatisfied(length: size) + [13, 10]
        r.status = 416
        r.responseHead = ResponseHeadBuilder.build(for: r, upstream: resp, proxy: proxy, connection: c, chunked: false,
                                                   extra: extra, gzip: nil, filtered: .unsatisfiable, bodyLength: page.count)
        r.sink.cork()
        r.sink.send(r.responseHead)
        if r.head.method != .head {
            r.sink.send(page)
        }
        r.sink.responseComplete()
        r.sink.uncork()
    }

    /// nginx's 416 page, with the location's server_tokens (both 416s used to read it differently).
    private static func page416(_ c: ClientConnection) -> [UInt8] {
        Responses.errorBody(Responses.errorPage(416, tokens: ResponseHeadBuilder.serverTokens(c.request, c))!,
                            status: 416, c.request)
    }

    /// `error_page 416` answers the 416 instead, with the Content-Range kept (nginx's range filter finalizes the
    /// request with its 416, and the page's answer keeps the field it set). True when the page took over.
    private static func servedByErrorPage(size: Int64, _ c: ClientConnection) -> Bool {
        let r = c.request
        guard r.location?.errorPages[416] != nil else { return false }
        let kept = r.errorHeaders.count
        r.errorHeaders.append(static: "Content-Range: ")
        r.errorHeaders.append(contentsOf: ContentRange.unsatisfied(length: size))
        r.errorHeaders.appendCRLF()
        if ErrorPages.serve(416, r, c) { return true }
        r.errorHeaders.removeSubrange(kept...)
        return false
    }

    /// A multipart boundary: unique enough per response (nginx uses a counter; only the body must not contain it).
    static func boundary(_ c: ClientConnection) -> UInt64 {
        Clock.monotonicNanos() &+ c.id &* 0x9E37_79B9_7F4A_7C15
    }
}

extension FileSender {
    /// Sends `m`'s parts: this sender's region becomes the first part, its header queued first.
    func sendParts(_ m: MultipartRanges) {
        nextParts = m.parts[...]
        closingBoundary = m.trailer
        aim(start: 0, count: 0)
    }

    /// Queues the next part's header and points the sender at its bytes; after the last, the closing boundary.
    /// False when nothing is left to send.
    func startNextPart() -> Bool {
        guard let part = nextParts.first else {
            if closingBoundary.isEmpty { return false }
            sink.send(closingBoundary)
            closingBoundary = []
            return false
        }
        nextParts = nextParts.dropFirst()
        sink.send(part.header)
        aim(start: part.span.start, count: part.span.count)
        return true
    }
}
