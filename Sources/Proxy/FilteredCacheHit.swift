import Cache
import Gzip
import HTTP1

/// Content filters on a response served from the cache (HIT, STALE, UPDATING, REVALIDATED), as nginx filters
/// cached responses: the stored head without length, ranges and validators, the stored body (in memory, or read
/// from the entry's file) through the filters, then gzip and the client's framing. A compressed variant is not
/// used: the filters' output is compressed as it goes.
enum FilteredCacheHit {
    static func serve(_ e: CacheHotEntry, _ f: BodyFilters, _ r: Request, _ c: ClientConnection, proxy: ProxyRuntime,
                      age: Int64) {
        let resp = e.response
        let chunked = FilteredFraming.chunked(r, c)
        var decision = r.isSubrequest ? nil : r.location.gzip.map { GzipStage.decide($0, request: r, response: resp) }
        if decision?.compress != true { decision = nil }
        let headOnly = r.head.method == .head   // its head as the GET's, with no compressor
        let gzip = headOnly ? nil : decision.flatMap { GzipStream(decision: $0, request: r, chunked: chunked) }
        let head = ResponseHeadBuilder.build(for: r, upstream: resp, proxy: proxy, connection: c, chunked: chunked,
                                             gzip: gzip != nil || headOnly ? decision : nil, age: age)
        r.responseHead = f.editHead(head)
        let sink = r.sink
        if r.head.method == .head || e.bodyLength == 0 {
            sink.send(r.responseHead)
            if chunked && r.head.method != .head {
                sink.send(ChunkedEncoder.lastChunk)
            }
            return sink.responseComplete()
        }
        let writer = BodyWriter(request: r, gzip: gzip, chunked: chunked)
        let filter = f.start(r, output: writer)
        sink.cork()
        defer { sink.uncork() }
        sink.send(r.responseHead)
        if let body = e.inlineBody {
            body.withByteView { filter.bodyWrite($0) }
            return filter.bodyEnd()
        }
        let sender = FileSender(request: r, fd: e.file.fd, offset: Int64(e.bodyOffset), remaining: Int64(e.bodyLength),
                                sharedOwner: e.file)
        sender.filter = (filter, writer)
        sink.fileSender = sender
        sender.resume()
    }
}
