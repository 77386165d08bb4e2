import Config
import HTTP1

/// The CGI family's request encoders behind one call (UpstreamTransaction.swift's seam): what `ProxyExchange`
/// sends for a `fastcgi_pass`, `uwsgi_pass` or `scgi_pass` location, and what a cache background update sends
/// for one. `cache`: the request's cache exchange, whose edits go in (no client validators or ranges, the stale
/// entry's validators; CGIVars); nil when the location does not cache.
enum CGIRequest {
    /// Why a request could not be written; the client gets `status`.
    enum Refusal: Error {
        /// The vars do not fit a uwsgi packet: their size.
        case uwsgiTooBig(Int)
        /// memcached answers GET and HEAD only.
        case memcachedMethod
        /// `$memcached_key` is not set, or empty.
        case memcachedKeyUnset

        var status: Int { if case .memcachedMethod = self { 405 } else { 500 } }

        /// nginx's error log line (nil: none, as for its 405).
        var logLine: (level: LogLevel, text: String)? {
            switch self {
            case .uwsgiTooBig(let size): (.alert, "uwsgi request is too big: \(size)")
            case .memcachedMethod: nil
            case .memcachedKeyUnset: (.error, "the \"$memcached_key\" variable is not set")
            }
        }
    }

    /// nil when written.
    static func write(_ r: Request, _ f: CGIRuntime, bodyLength: Int64?, bodyStreams: Bool = false,
                      cache: CacheExchange?, into w: inout HeadWriter) -> Refusal? {
        let validators = cache?.cgiValidatorsIfCaching()
        switch f.wire {
        case .fastcgi:
            FastCGIRequest.write(r, fastcgi: f, bodyLength: bodyLength, bodyStreams: bodyStreams, caching: validators,
                                 into: &w)
        case .scgi: SCGIRequest.write(r, scgi: f, bodyLength: bodyLength, caching: validators, into: &w)
        case .uwsgi(let m1, let m2):
            return UWSGIRequest.write(r, uwsgi: f, modifier1: m1, modifier2: m2, caching: validators, into: &w)
                .map { .uwsgiTooBig($0) }
        case .memcached:
            return MemcachedRequest.write(r, f, into: &w)
        }
        return nil
    }
}
