/// `memcached_*` directives (ngx_http_memcached_module) that merge downwards. `memcached_pass` is the location's
/// `handler` (`LocationHandler.cgi`); the key is the `$memcached_key` variable a `set` gives.
public struct MemcachedSettings: Sendable {
    /// Timeouts, retries and the head's buffer: the rows memcached shares with the CGI family.
    public var family = CGIParamsSettings()
    /// `memcached_gzip_flag`: a value whose flags have this bit set goes out with `Content-Encoding: gzip`.
    @Setting public var gzipFlag: Int = 0

    public init() {}
}
