import Cache
import Glibc
import Deflate
import Gzip
import HTTP1
import Regex
import ASCIIBytes

/// Gzip for a proxied response: asks the Gzip module's policy, then carries the filter for the body.
/// The policy is pure (Gzip/GzipPolicy.swift); this file only gathers the facts from the heads.
enum GzipStage {
    /// A HEAD is decided as a GET (nginx's gzip header filter runs before the HEAD's body is dropped): the caller
    /// writes its head with gzip's edits and compresses nothing.
    static func decide(_ g: GzipRuntime, request r: Request, response resp: ResponseHead) -> GzipDecision {
        var req = requestFacts(g, r)
        req.isHead = false
        var res = GzipResponseFacts(status: resp.status, contentType: nil, contentLength: resp.contentLength.map { Int($0) })
        // One pass over the response's fields (this runs for every response in a gzip location).
        let b = resp.bytes
        var expires: ByteRange? = nil, date: ByteRange? = nil
        for f in resp.headers {
            switch f.name.end - f.name.start {
            case 4:
                if ASCII.named(b, f.name, "etag") { if res.etag == nil { res.etag = b[f.value.start..<f.value.end] } }
                else if ASCII.named(b, f.name, "date") { if date == nil { date = f.value } }
                else if ASCII.named(b, f.name, "vary") {
                    let v = b[f.value.start..<f.value.end]
                    if Bytes.firstIndex(of: Array("accept-encoding".utf8), in: ASCII.lowercased(v)) != nil || v.contains(42) {
                        res.varyCoversAcceptEncoding = true
                    }
                }
            case 7:
                if ASCII.named(b, f.name, "expires"), expires == nil { expires = f.value }
            case 12:
                if ASCII.named(b, f.name, "content-type"), res.contentType == nil { res.contentType = b[f.value.start..<f.value.end] }
            case 13:
                if ASCII.named(b, f.name, "cache-control") { append(b, f.value, to: &res.cacheControl) }
                else if ASCII.named(b, f.name, "last-modified") { res.hasLastModified = true }
            case 16:
                if ASCII.named(b, f.name, "content-encoding"), f.value.end > f.value.start { res.hasContentEncoding = true }
            default:
                break
            }
        }
        if let e = expires {
            let now = date.flatMap { HTTPDate.parse(b[$0.start..<$0.end]) } ?? Int64(time(nil))
            if let t = HTTPDate.parse(b[e.start..<e.end]) { res.expires = t < now ? .inThePast : .notInThePast } else { res.expires = .notInThePast }
        }
        return GzipPolicy.decide(g.config, req, res)
    }

    /// The decision for a static file: `status` (200, or an error_page's) with `length` bytes with nginx's validators, plus whatever the
    /// location's `expires` adds (nginx's headers filter runs before gzip, so `gzip_proxied` sees them; asked only
    /// then, with a `Via`).
    /// A file's decision. A HEAD gets the head a GET would (nginx's gzip header filter runs before HEAD drops the
    /// body), so it is decided as a GET; the caller sends no body.
    /// `encoded`: the file is gzip_static's `.gz` (Content-Encoding set: not compressed again, and no Vary from gzip).
    static func decideForFile(_ g: GzipRuntime, request r: Request, status: Int, contentType: [UInt8], length: Int64,
                              etag: [UInt8], encoded: Bool = false) -> GzipDecision {
        var req = requestFacts(g, r)
        req.isHead = false
        var res = GzipResponseFacts(status: status, contentType: contentType[...], contentLength: Int(length))
        res.hasContentEncoding = encoded
        res.hasLastModified = true
        res.etag = etag[...]
        if req.hasVia, let e = r.location.expires, let h = e.headers(status: status, contentType: contentType, request: r) {
            res.cacheControl = Array(h.cacheControl.utf8)
            let now = Int64(time(nil))
            res.expires = (HTTPDate.parse(Array(h.expires.utf8)) ?? now) < now ? .inThePast : .notInThePast
        }
        return GzipPolicy.decide(g.config, req, res)
    }

    /// The decision for a body switchyard makes, with no validators: an autoindex listing (no length), a page or a
    /// `return` text (`length`, which gzip_min_length compares). A HEAD is decided as a GET, as for a file.
    static func decideForMade(_ g: GzipRuntime, request r: Request, status: Int, contentType: [UInt8],
                              length: Int? = nil) -> GzipDecision {
        var req = requestFacts(g, r)
        req.isHead = false
        var res = GzipResponseFacts(status: status, contentType: contentType[...], contentLength: length)
        if req.hasVia, let e = r.location.expires, let h = e.headers(status: status, contentType: contentType, request: r) {
            res.cacheControl = Array(h.cacheControl.utf8)
            let now = Int64(time(nil))
            res.expires = (HTTPDate.parse(Array(h.expires.utf8)) ?? now) < now ? .inThePast : .notInThePast
        }
        return GzipPolicy.decide(g.config, req, res)
    }

    /// The request's side, in one pass over its fields.
    static func requestFacts(_ g: GzipRuntime, _ r: Request) -> GzipRequestFacts {
        let head = r.head!
        var req = GzipRequestFacts(httpVersion: head.version >= .http1_1 ? .http11 : .http10, acceptEncoding: nil)
        req.isHead = head.method == .head
        let b = head.bytes
        var ua: ByteRange? = nil, acceptEncoding: ByteRange? = nil
        for f in head.headers {
            switch f.name.end - f.name.start {
            case 3: if ASCII.named(b, f.name, "via") { req.hasVia = true }
            case 5: if ASCII.named(b, f.name, "range") { req.hasRange = true }
            case 10: if ASCII.named(b, f.name, "user-agent"), ua == nil { ua = f.value }
            case 13: if ASCII.named(b, f.name, "authorization") { req.hasAuthorization = true }
            case 15:
                if ASCII.named(b, f.name, "accept-encoding") {
                    if let first = acceptEncoding {   // a second line: join them, as nginx sees a list
                        if req.acceptEncoding == nil { append(b, first, to: &req.acceptEncoding) }
                        append(b, f.value, to: &req.acceptEncoding)
                    } else {
                        acceptEncoding = f.value
                    }
                }
            default: break
            }
        }
        if g.disablesAny { req.userAgentDisabled = g.disables(r.userAgentFlags, userAgent: ua.map { b[$0.start..<$0.end] }) }
        // One line (the usual case) is read in place, without a copy; several were joined above.
        if req.acceptEncoding == nil, let v = acceptEncoding { req.acceptsGzip = AcceptEncoding.allowsGzip(b[v.start..<v.end]) }
        return req
    }

    /// Several header lines of one name joined with ", ", as nginx sees a list-valued header.
    private static func append(_ bytes: [UInt8], _ value: ByteRange, to out: inout [UInt8]?) {
        if out == nil { out = Array(bytes[value.start..<value.end]); return }
        out!.append(44); out!.append(32)
        out!.append(contentsOf: bytes[value.start..<value.end])
    }
}

/// A compressed body on its way to one client, proxied or read from a file: the Gzip module's filter
/// writing straight into its reusable buffer, each piece framed in place (chunked for HTTP/1.1,
/// close-delimited for 1.0) and sent with one `send`, which copies only what the socket does not take.
final class GzipStream {
    private let filter: GzipBodyFilter
    private let chunked: Bool
    /// unowned(unsafe): the request and its sink outlive the response's compressor (a checked read is a retain
    /// and a release per piece).
    private unowned(unsafe) let sink: any ResponseSink
    private unowned(unsafe) let request: Request

    init?(decision: GzipDecision, request: Request, chunked: Bool) {
        guard decision.compress, let f = try? GzipBodyFilter(decision: decision) else { return nil }
        filter = f
        self.chunked = chunked
        self.sink = request.sink
        self.request = request
    }

    /// Compresses and sends `piece`; a full client output only pauses the producer (the caller checks
    /// `sink.canAcceptOutput` before reading more), so at most one piece's output is over the limit.
    func write(_ piece: ByteView) { run(piece, .none) }

    /// Everything given so far becomes decodable by the client now (the upstream paused).
    func flush() { run(.empty, .sync) }

    /// Writes the gzip trailer, and the last chunk (`0\r\n\r\n`) when chunked, in one send; sets `$gzip_ratio`.
    func finish() {
        run(.empty, .finish)
        request.gzipRatio = filter.ratio
    }

    private func run(_ input: ByteView, _ flush: GzipFlush) {
        let sink = sink, chunked = chunked
        filter.compress(input, flush: flush, chunked: chunked) { framed in sink.send(framed) }
    }
}
