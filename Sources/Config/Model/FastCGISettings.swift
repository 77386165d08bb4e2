/// `fastcgi_*` directives (ngx_http_fastcgi_module) that merge downwards: the family's settings, and FastCGI's
/// own. `fastcgi_pass` itself is the location's `handler` (`LocationHandler.cgi`), not inherited into nested
/// locations, as nginx's.
public struct FastCGISettings: Sendable {
    /// `fastcgi_param`, timeouts, retries, header filters: what uwsgi and scgi have too.
    public var family = CGIParamsSettings()
    /// `fastcgi_index`: appended to `$fastcgi_script_name` when the URI ends with `/`.
    @Setting public var index: String? = nil
    /// `fastcgi_split_path_info`: a regex with two captures, the script name and the path info.
    @Setting public var splitPathInfo: FastCGISplit? = nil
    /// `fastcgi_keep_conn`: FCGI_KEEP_CONN, so the connection can go back to the upstream's `keepalive` pool.
    @Setting public var keepConn: Bool = false
    /// `fastcgi_catch_stderr`: a stderr message before the head containing one of these makes the answer invalid.
    @Setting public var catchStderr: [String] = []

    public init() {}
}

/// `fastcgi_split_path_info regex`, with where it was written (its two captures are counted when compiled).
public struct FastCGISplit: Sendable, Equatable {
    public let pattern: String
    public let location: SourceLocation
}
