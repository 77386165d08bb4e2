/// `fastcgi_*` directives (ngx_http_fastcgi_module) that merge downwards. `fastcgi_pass` itself is the location's
/// `handler` (`LocationHandler.fastcgi`), not inherited into nested locations, as nginx's.
public struct FastCGISettings: Sendable {
    /// `fastcgi_param`: a level that sets any does not inherit its parent's (nginx's array rule).
    @Setting public var params: [FastCGIParam] = []
    /// `fastcgi_index`: appended to `$fastcgi_script_name` when the URI ends with `/`.
    @Setting public var index: String? = nil
    /// `fastcgi_split_path_info`: a regex with two captures, the script name and the path info.
    @Setting public var splitPathInfo: FastCGISplit? = nil
    @Setting public var hideHeaders: [String] = []
    @Setting public var passHeaders: [String] = []
    @Setting public var ignoreHeaders: Set<String> = []
    @Setting public var nextUpstream: Set<NextUpstreamCondition> = [.error, .timeout]
    @Setting public var nextUpstreamTries: Int = 0
    @Setting public var nextUpstreamTimeout: Duration = .zero
    @Setting public var connectTimeout: Duration = .seconds(60)
    @Setting public var sendTimeout: Duration = .seconds(60)
    @Setting public var readTimeout: Duration = .seconds(60)
    /// The largest CGI head accepted from the application (nginx: the first buffer, which holds it).
    @Setting public var bufferSize: Int = 4096
    /// Checked as nginx checks them; the response streams through one bounded buffer (README).
    @Setting public var buffers = BufferCount(count: 8, size: 4096)
    @Setting public var busyBuffersSize: Int = 8192
    @Setting public var tempFileWriteSize: Int = 8192
    @Setting public var interceptErrors: Bool = false
    @Setting public var passRequestHeaders: Bool = true
    @Setting public var passRequestBody: Bool = true
    /// `fastcgi_keep_conn`: FCGI_KEEP_CONN, so the connection can go back to the upstream's `keepalive` pool.
    @Setting public var keepConn: Bool = false
    /// `fastcgi_request_buffering off`: a Content-Length body streams to the application as it arrives.
    @Setting public var requestBuffering: Bool = true
    /// `fastcgi_catch_stderr`: a stderr message before the head containing one of these makes the answer invalid.
    @Setting public var catchStderr: [String] = []

    public init() {}
}

/// `fastcgi_param NAME VALUE [if_not_empty]`.
public struct FastCGIParam: Sendable, Equatable {
    public let name: String
    public let value: Template
    /// `if_not_empty`: the parameter is not sent when its value is empty.
    public let ifNotEmpty: Bool
    public let location: SourceLocation?
}

/// `fastcgi_split_path_info regex`, with where it was written (its two captures are counted when compiled).
public struct FastCGISplit: Sendable, Equatable {
    public let pattern: String
    public let location: SourceLocation
}
