/// `uwsgi_*` directives (ngx_http_uwsgi_module) that merge downwards: the family's settings and the packet's
/// two modifiers. `uwsgi_pass` is the location's `handler` (`LocationHandler.cgi`).
public struct UWSGISettings: Sendable {
    /// `uwsgi_param`, timeouts, retries, header filters: what FastCGI and SCGI have too.
    public var family = CGIParamsSettings()
    /// `uwsgi_modifier1`, `uwsgi_modifier2`: the packet header's first and last bytes (0: a WSGI request).
    @Setting public var modifier1: Int = 0
    @Setting public var modifier2: Int = 0

    public init() {}
}
