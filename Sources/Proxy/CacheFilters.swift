import Cache
import EventLoop
import HTTP1

/// A response head made from a stored 200 by the not_modified or range filter.
struct FilteredHead {
    let status: Int
    /// Stored fields the new head leaves out.
    let dropped: NameSet
    /// The status `add_header` and `expires` go by: nginx's range filter runs after them, so the 416 it makes of
    /// a 200 gets what they gave the 200.
    var tailStatus: Int { status == 416 ? 200 : status }

    /// nginx's 304: no Content-Type, Content-Length, Accept-Ranges or Content-Encoding.
    static let notModified = FilteredHead(status: 304, dropped: NameSet(["content-type", "accept-ranges", "content-encoding"]))
    static let singleRange = FilteredHead(status: 206, dropped: NameSet(["accept-ranges", "content-range"]))
    static let multipart = FilteredHead(status: 206, dropped: NameSet(["accept-ranges", "content-range", "content-type"]))
    /// nginx's 416 is its error page: the validators and Accept-Ranges go (ngx_http_send_special_response), the
    /// type is the page's. The coding goes too (nginx keeps it, on a page that is not so coded).
    static let unsatisfiable = FilteredHead(status: 416, dropped: NameSet(["content-type", "content-encoding", "accept-ranges",
                                                                           "content-range", "etag", "last-modified"]))
}

/// nginx's not_modified and range filters on a response served from the cache: a client that has the entry
/// (If-None-Match, If-Modified-Since) gets a 304, a failed If-Match / If-Unmodified-Since a 412, a Range a 206
/// (one part, or `multipart/byteranges`) or a 416. Ranges need the stored response to have said
/// `Accept-Ranges`, as in nginx.
enum CacheFilters {
    /// True when the filters answered (the caller sends nothing more).
    /// `age`: the entry's current `Age`, sent with the 304 or 206 too.
    /// `ranges: false`: the body will change (SSI), so no range is served from it.
    static func answer(_ e: CacheHotEntry, request r: Request, proxy: ProxyRuntime, connection c: ClientConnection,
                       age: Int64, ranges: Bool = true, recode: [UInt8]? = nil) -> Bool {
        let resp = e.response
        guard resp.status == 200, !e.meta.flags.contains(.headOnly), ConditionalFields.present(in: r.head) else { return false }
        let fields = ConditionalFields(r.head)
        let wantsRange = ranges && fields.range != nil
        guard fields.hasPreconditions || wantsRange else { return false }
        let etag = resp.firstHeader("etag")
        let lastModified = e.meta.lastModified
        let filters = r.location.filters
        if fields.hasPreconditions {
            // RFC 9110 §13.2.2: If-None-Match, when present, decides alone (nginx requires If-Modified-Since to
            // agree too); RFC 9111 §4.3.2: a stored response without Last-Modified is compared by its Date, else
            // the time it was stored.
            var f = fields
            if f.ifNoneMatch != nil { f.ifModifiedSince = nil }
            var validatorTime = lastModified
            if validatorTime == nil, f.ifModifiedSince != nil, f.ifUnmodifiedSince == nil {
                validatorTime = resp.firstHeader("date").flatMap { HTTPDate.parse($0) } ?? e.meta.storedAt
            }
            switch NotModifiedFilter.verdict(f, lastModified: validatorTime, etag: etag, mode: filters.cacheIfModifiedSince) {
            case .notModified:
                send(head: build(r, resp, proxy, c, .notModified, extra: [], age: age), body: nil, r, c)
                return true
            case .preconditionFailed:
                c.sendError(412, closeAfter: false)
                return true
            case .send: break
            }
        }
        guard wantsRange, filters.maxRanges > 0, r.head.version >= .http1_0,
              proxy.forceRanges || resp.firstHeader("accept-ranges") != nil
        else { return false }
        let length = Int64(e.bodyLength)
        switch RangeFilter.evaluate(fields, length: length, lastModified: lastModified, etag: etag, maxRanges: filters.maxRanges) {
        case .whole:
            return false
        case .unsatisfiable:
            StaticFiles.sendRangeNotSatisfiable(size: length, upstream: resp, proxy: proxy, on: c)
            return true
        case .partial(let spans) where spans.count == 1:
            let s = spans[0]
            var extra = Array("Content-Range: ".utf8) + ContentRange.single(s, length: length) + [13, 10]
            appendLength(s.count, to: &extra)
            let head = build(r, resp, proxy, c, .singleRange, extra: extra, age: age)
            if let body = e.inlineBody {
                send(head: head, body: mapped(Array(body[Int(s.start)..<Int(s.end)]), recode), r, c)
            } else {
                send(head: head, file: e, offset: s.start, count: s.count, parts: nil, recode: recode, r, c)
            }
            return true
        case .partial(let spans):
            // Each part's Content-Type is the one the charset filter gives the response.
            let marked = r.location.charset?.plan(for: resp, status: resp.status, request: r).contentType
            let m = MultipartRanges(spans: spans, length: length,
                                    contentType: marked.map { $0[...] } ?? resp.firstHeader("content-type") ?? [],
                                    boundary: StaticFiles.boundary(c))
            var extra = Array("Content-Type: ".utf8) + m.contentType + [13, 10]
            appendLength(m.contentLength, to: &extra)
            let head = build(r, resp, proxy, c, .multipart, extra: extra, age: age)
            if let body = e.inlineBody {
                send(head: head, body: m.body(from: recode == nil ? body : mapped(Array(body), recode)), r, c)
            } else {
                send(head: head, file: e, offset: 0, count: 0, parts: m, recode: recode, r, c)
            }
            return true
        }
    }

    /// The bytes through an 8-bit charset table (nil: as they are).
    private static func mapped(_ bytes: [UInt8], _ table: [UInt8]?) -> [UInt8] {
        guard let table else { return bytes }
        return bytes.map { table[Int($0)] }
    }

    private static func appendLength(_ n: Int64, to out: inout [UInt8]) {
        out += Array("Content-Length: ".utf8)
        ASCIIDecimal.append(n, to: &out)
        out += [13, 10]
    }

    private static func build(_ r: Request, _ resp: ResponseHead, _ proxy: ProxyRuntime, _ c: ClientConnection,
                              _ f: FilteredHead, extra: [UInt8], age: Int64) -> [UInt8] {
        r.status = f.status
        let out = ResponseHeadBuilder.build(for: r, upstream: resp, proxy: proxy, connection: c, chunked: false,
                                            extra: extra, gzip: nil, filtered: f, age: age)
        r.responseHead = out
        return out
    }

    /// Head and body (nil: none) in one write.
    private static func send(head: [UInt8], body: [UInt8]?, _ r: Request, _ c: ClientConnection) {
        r.sink.cork()
        r.sink.send(head)
        if let body, r.head.method != .head {
            r.sink.send(body)
        }
        r.sink.responseComplete()
        r.sink.uncork()
    }

    /// Head, then the entry's bytes with sendfile from its shared descriptor.
    private static func send(head: [UInt8], file e: CacheHotEntry, offset: Int64, count: Int64, parts: MultipartRanges?,
                             recode: [UInt8]? = nil, _ r: Request, _ c: ClientConnection) {
        r.sink.send(head)
        if r.head.method == .head { return r.sink.responseComplete() }
        let base = Int64(e.bodyOffset)
        let sender = FileSender(request: r, fd: e.file.fd, offset: base + offset, remaining: count, sharedOwner: e.file)
        sender.layout = FileBodyLayout(fileStart: base)
        if let m = parts { sender.sendParts(m) }
        sender.recode = recode
        r.sink.fileSender = sender
        sender.resume()
    }
}
