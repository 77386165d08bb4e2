/// The protocols other than HTTP a location can pass requests to: each its own `*_pass` and `*_*` directives,
/// the same upstream machinery (README "FastCGI, uwsgi and SCGI", "Pages from memcached"). memcached is not CGI,
/// but nginx builds its module on the same upstream slots, and so does switchyard (a subset of the rows).
public enum CGIProtocol: String, Sendable, Equatable {
    case fastcgi, uwsgi, scgi, memcached

    /// `fastcgi_pass`, `uwsgi_pass`, `scgi_pass`, `memcached_pass`.
    public var passDirective: String { rawValue + "_pass" }
}
