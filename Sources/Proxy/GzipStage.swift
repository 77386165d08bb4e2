import Cache
import Glibc
import Deflate
import Gzip
import HTTP1
import Regex

/// Gzip for a proxied response: asks the Gzip module's policy, then carries the filter for the body.
/// The policy is pure (Gzip/GzipPolicy.swift); this file only gathers the facts from the heads.
enum GzipStage {
    static func decide(_ g: GzipRuntime, request r: Request, response resp: ResponseHead) -> GzipDecision {
        let req = requestFacts(g, r)
        var res = GzipResponseFacts(status: resp.status, contentType: resp.firstHeader("content-type").map(Array.init),
                                    contentLength: resp.contentLength.map { Int($0) })
        res.hasContentEncoding = resp.firstHeader("content-encoding").map { !$0.isEmpty } ?? false
        res.cacheControl = joined(resp, "cache-control")
        if let e = resp.firstHeader("expires") {
            let date = resp.firstHeader("date").flatMap { HTTPDate.parse($0) } ?? Int64(time(nil))
            if let t = HTTPDate.parse(e) { res.expires = t < date ? .inThePast : .notInThePast } else { res.expires = .notInThePast }
        }
        res.hasLastModified = resp.firstHeader("last-modified") != nil
        res.etag = resp.firstHeader("etag").map(Array.init)
        resp.forEachHeader(named: "vary") { v in
            if Bytes.firstIndex(of: Array("accept-encoding".utf8), in: Bytes.lowercased(v)) != nil || v.contains(42) {
                res.varyCoversAcceptEncoding = true
            }
        }
        return GzipPolicy.decide(g.config, req, res)
    }

    /// The decision for a static file: `status` (200, or an error_page's) with `length` bytes with nginx's validators, plus whatever the
    /// location's `expires` adds (nginx's headers filter runs before gzip, so `gzip_proxied` sees them).
    static func decideForFile(_ g: GzipRuntime, request r: Request, status: Int, contentType: [UInt8], length: Int64,
                              etag: [UInt8]) -> GzipDecision {
        let req = requestFacts(g, r)
        var res = GzipResponseFacts(status: status, contentType: contentType, contentLength: Int(length))
        res.hasLastModified = true
        res.etag = etag
        if let e = r.location.expires, let h = e.headers(status: status) {
            res.cacheControl = Array(h.cacheControl.utf8)
            let now = Int64(time(nil))
            res.expires = (HTTPDate.parse(Array(h.expires.utf8)) ?? now) < now ? .inThePast : .notInThePast
        }
        return GzipPolicy.decide(g.config, req, res)
    }

    private static func requestFacts(_ g: GzipRuntime, _ r: Request) -> GzipRequestFacts {
        let head = r.head!
        var req = GzipRequestFacts(httpVersion: head.version >= .http1_1 ? .http11 : .http10,
                                   acceptEncoding: joined(head, "accept-encoding"))
        req.hasVia = head.firstHeader("via") != nil
        req.hasAuthorization = head.firstHeader("authorization") != nil
        req.isHead = head.method == .head
        req.hasRange = head.firstHeader("range") != nil
        if let ua = head.firstHeader("user-agent") { req.userAgentDisabled = g.disables(userAgent: Array(ua)) }
        return req
    }

    /// Several header lines of one name joined with ", " (nil when absent).
    private static func joined(_ head: some HTTPHead, _ name: StaticString) -> [UInt8]? {
        var out: [UInt8]? = nil
        head.forEachHeader(named: name) { v in
            if out == nil { out = Array(v) } else { out! += [44, 32] + v }
        }
        return out
    }
}


/// A compressed body on its way to one client, proxied or read from a file: the Gzip module's filter
/// writing straight into its reusable buffer, each piece framed in place (chunked for HTTP/1.1,
/// close-delimited for 1.0) and sent with one `send`, which copies only what the socket does not take.
final class GzipStream {
    private let filter: GzipBodyFilter
    private let chunked: Bool
    private unowned let client: ClientConnection

    init?(decision: GzipDecision, client: ClientConnection, chunked: Bool) {
        guard decision.compress, let f = try? GzipBodyFilter(decision: decision) else { return nil }
        filter = f
        self.chunked = chunked
        self.client = client
    }

    /// Compresses and sends `piece`; a full client output only pauses the producer (the caller checks
    /// `client.canAcceptOutput` before reading more), so at most one piece's output is over the limit.
    func write(_ piece: UnsafeRawBufferPointer) { run(piece, .none) }

    /// Everything given so far becomes decodable by the client now (the upstream paused).
    func flush() { run(UnsafeRawBufferPointer(start: nil, count: 0), .sync) }

    /// Writes the gzip trailer and sets `$gzip_ratio`; the caller sends the last chunk (`0\r\n\r\n`).
    func finish() {
        run(UnsafeRawBufferPointer(start: nil, count: 0), .finish)
        client.request.gzipRatio = filter.ratio.map { Array($0.text.utf8) }
    }

    private func run(_ input: UnsafeRawBufferPointer, _ flush: GzipFlush) {
        let before = filter.bytesOut
        let c = client, chunked = chunked
        filter.compress(input, flush: flush, chunked: chunked) { framed in _ = c.send(framed) }
        c.request.bodyBytesSent += Int64(filter.bytesOut - before)
    }
}
