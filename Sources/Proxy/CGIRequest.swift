import HTTP1

/// The CGI family's request encoders behind one call (UpstreamTransaction.swift's seam): what `ProxyExchange`
/// sends for a `fastcgi_pass`, `uwsgi_pass` or `scgi_pass` location, and what a cache background update sends
/// for one. `cache`: the request's cache exchange, whose edits go in (no client validators or ranges, the stale
/// entry's validators; CGIVars); nil when the location does not cache.
enum CGIRequest {
    /// nil when written; the vars' size when they do not fit a uwsgi packet (nginx's "uwsgi request is too big").
    static func write(_ r: Request, _ f: CGIRuntime, bodyLength: Int64?, cache: CacheExchange?,
                      into w: inout HeadWriter) -> Int? {
        let validators = cache?.cgiValidatorsIfCaching()
        switch f.wire {
        case .fastcgi: FastCGIRequest.write(r, fastcgi: f, bodyLength: bodyLength, caching: validators, into: &w)
        case .scgi: SCGIRequest.write(r, scgi: f, bodyLength: bodyLength, caching: validators, into: &w)
        case .uwsgi(let m1, let m2):
            return UWSGIRequest.write(r, uwsgi: f, modifier1: m1, modifier2: m2, caching: validators, into: &w)
        }
        return nil
    }
}
