/// The CGI-family protocols a location can pass requests to: each its own `*_pass` and `*_*` directives,
/// the same upstream machinery (README "FastCGI, uwsgi and SCGI").
public enum CGIProtocol: String, Sendable, Equatable {
    case fastcgi, uwsgi, scgi

    /// `fastcgi_pass`, `uwsgi_pass`, `scgi_pass`.
    public var passDirective: String { rawValue + "_pass" }
}
