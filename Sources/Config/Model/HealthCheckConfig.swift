/// `health_check [interval=time] [jitter=time] [fails=N] [passes=N] [uri=uri] [port=N] [match=name]
/// [mandatory [persistent]]` in a location (nginx Plus's ngx_http_upstream_hc_module): the servers of the upstream
/// its `proxy_pass` names are checked by one prober for the whole process.
public struct HealthCheck: Sendable, Equatable {
    public var interval: Duration = .seconds(5)
    /// Each check is delayed by a random time up to this.
    public var jitter: Duration = .zero
    /// Consecutive failed checks that make a server unhealthy, and passed ones that make it healthy again.
    public var fails: Int = 1
    public var passes: Int = 1
    public var uri: String = "/"
    /// nil: the server's own port.
    public var port: Int? = nil
    /// A `match` block's name; nil: the default test (a 2xx or 3xx status).
    public var match: String? = nil
    /// A new server, and every server after a reload, waits for its first passing check before it takes traffic.
    public var mandatory: Bool = false
    /// With `mandatory`: a server that was healthy before a reload stays in rotation meanwhile.
    public var persistent: Bool = false
    public var location: SourceLocation

    public init(location: SourceLocation) { self.location = location }
}

/// `match name { … }` at http level: the tests a health check's response must pass, all of them.
public struct MatchConfig: Sendable, Equatable {
    public var name: String
    public var tests: [MatchTest]
    public var location: SourceLocation

    public init(name: String, tests: [MatchTest], location: SourceLocation) {
        self.name = name; self.tests = tests; self.location = location
    }
}

/// One line of a `match` block.
public enum MatchTest: Sendable, Equatable {
    /// `status [!] 200 301-303 …`: the status is (not) in one of the ranges.
    case status(negated: Bool, ranges: [ClosedRange<Int>])
    /// `header Name …`, `header ! Name`.
    case header(name: String, test: HeaderTest)
    /// `body ~ "regex"`, `body !~ "regex"`: on the first 256 KiB of the body.
    case body(pattern: String, negated: Bool)

    public enum HeaderTest: Sendable, Equatable {
        case present, absent
        case equals(String), notEquals(String)
        case matches(String), notMatches(String)
    }
}
