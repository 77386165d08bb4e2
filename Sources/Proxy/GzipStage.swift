import Glibc
import Gzip
import HTTP1
import Regex

/// Gzip for a proxied response: asks the Gzip module's policy, then carries the filter for the body.
/// The policy is pure (Gzip/GzipPolicy.swift); this file only gathers the facts from the heads.
enum GzipStage {
    static func decide(_ g: GzipRuntime, request r: Request, response resp: ResponseHead) -> GzipDecision {
        let head = r.head!
        var req = GzipRequestFacts(httpVersion: head.version >= .http1_1 ? .http11 : .http10,
                                   acceptEncoding: joined(head, "accept-encoding"))
        req.hasVia = head.firstHeader("via") != nil
        req.hasAuthorization = head.firstHeader("authorization") != nil
        req.isHead = head.method == .head
        req.hasRange = head.firstHeader("range") != nil
        if let ua = head.firstHeader("user-agent") { req.userAgentDisabled = g.disables(userAgent: Array(ua)) }
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

    /// Several header lines of one name joined with ", " (nil when absent).
    private static func joined(_ head: some HTTPHead, _ name: StaticString) -> [UInt8]? {
        var out: [UInt8]? = nil
        head.forEachHeader(named: name) { v in
            if out == nil { out = Array(v) } else { out! += [44, 32] + v }
        }
        return out
    }
}

