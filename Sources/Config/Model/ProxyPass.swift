/// A parsed `proxy_pass` target.
///
///     proxy_pass http://tomcat-lb;      -> .static(scheme: "http", target: .upstream("tomcat-lb"), uri: nil)
///     proxy_pass http://127.0.0.1:8081/app/;  -> .static(.address(host: "127.0.0.1", port: 8081), uri: "/app/")
///     proxy_pass http://$backend;       -> .dynamic(template) (resolved per request)
public enum ProxyPass: Sendable, Equatable {
    case `static`(ProxyURL)
    /// The URL has variables; evaluate the template per request, then parse.
    case dynamic(Template)
}

/// A `proxy_pass` URL without variables.
public struct ProxyURL: Sendable, Equatable {
    /// `http` or `https`; for the CGI family its protocol's name (`fastcgi`, `uwsgi`, `scgi`), and `suwsgi` for
    /// uwsgi over TLS.
    public let scheme: String
    public let target: ProxyTarget
    /// The host part as written (`tomcat-lb`, `127.0.0.1:8081`): nginx's `$proxy_host`.
    public let hostHeader: String
    /// The URI part (`/app/`) when given: it replaces the matched location prefix.
    public let uri: String?
    public let location: SourceLocation

    /// TLS toward the server: `https://`, or uwsgi's `suwsgi://`.
    public var isSecure: Bool { scheme == "https" || scheme == "suwsgi" }
}

/// Where a static `proxy_pass` sends requests.
public enum ProxyTarget: Sendable, Equatable {
    /// An `upstream {}` block of this name.
    case upstream(String)
    /// A single host (IP literal or a name the loader's resolver accepted) and port.
    case address(host: String, port: Int)
    case unix(path: String)
}

/// What answers requests in a location.
public enum LocationHandler: Sendable, Equatable {
    case proxy(ProxyPass)
    /// `fastcgi_pass`, `uwsgi_pass`, `scgi_pass address | unix:path | upstream`: a `ProxyURL` whose scheme is the
    /// protocol's name (no URI part), or a template evaluated per request as `proxy_pass`'s is.
    case cgi(CGIProtocol, ProxyPass)
    case stubStatus
    /// `jvm_route_status upstream`: peer state of one upstream as text.
    case jvmRouteStatus(upstream: String)
    /// `upstream_status`: peer state of every upstream.
    case upstreamStatus
    /// `metrics`: the Prometheus text exposition of the process, upstream and server counters.
    case metrics
    /// `api [write=on]`: nginx Plus's runtime API for upstream servers; without `write=on`, read only.
    case api(write: Bool)
    /// `empty_gif`: nginx's 43-byte transparent GIF.
    case emptyGIF
    /// `flv`: the location's files, an FLV file from a `start=` byte offset behind an FLV header.
    case flv
    /// `dashboard [api=URI]`: a live HTML page over the runtime API at `api` (default `/api`).
    case dashboard(api: String)

    /// One of nginx's handlers (not switchyard's status pages, API or dashboard).
    var isNginxs: Bool {
        switch self {
        case .proxy, .cgi, .stubStatus, .emptyGIF, .flv: true
        case .jvmRouteStatus, .upstreamStatus, .metrics, .api, .dashboard: false
        }
    }

    /// The module of a `*_pass` (nil for the other handlers): the one handler nginx refuses twice in a location.
    var passModule: String? {
        switch self {
        case .proxy: "proxy"
        case .cgi(let wire, _): wire.rawValue
        default: nil
        }
    }
}
