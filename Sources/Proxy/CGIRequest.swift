import HTTP1

/// The CGI family's request encoders behind one call (UpstreamTransaction.swift's seam): what `ProxyExchange`
/// sends for a `fastcgi_pass`, `uwsgi_pass` or `scgi_pass` location, and what a cache background update sends
/// for one. `cache`: the cache's edits (no client validators or ranges, the stale entry's validators), nil
/// when the location does not cache this request.
enum CGIRequest {
    /// nil when written; the vars' size when they do not fit a uwsgi packet (nginx's "uwsgi request is too big").
    static func write(_ r: Request, _ f: CGIRuntime, bodyLength: Int64?, cache: UpstreamRequest.CacheEdits?,
                      into w: inout HeadWriter) -> Int? {
        switch f.wire {
        case .fastcgi: FastCGIRequest.write(r, fastcgi: f, bodyLength: bodyLength, into: &w)
        case .scgi: SCGIRequest.write(r, scgi: f, bodyLength: bodyLength, into: &w)
        case .uwsgi(let m1, let m2):
            return UWSGIRequest.write(r, uwsgi: f, modifier1: m1, modifier2: m2, into: &w)
        }
        return nil
    }
}
