/// `share=memcached://HOST:PORT[,HOST:PORT…]`, `share_timeout=TIME` and `share_recheck=TIME`, the parameters that
/// share `sticky learn`'s table and jvm_route's failback table through memcached (issue 19, part 3).
///
///     var reader = RouteShareParameters()
///     try reader.read(argument, in: directive)   // true: it was one of the three
///     let share = try reader.finish(in: directive)
struct RouteShareParameters {
    private var nodes: [String]?
    private var timeout: Duration?
    private var recheck: Duration?

    /// Reads `argument` when it is one of the three parameters.
    mutating func read(_ argument: Argument, in directive: Directive) throws -> Bool {
        if let value = Values.parameter(argument, "share") {
            guard nodes == nil, let list = Self.nodes(value) else {
                throw ConfigError(
                    "invalid parameter \"\(argument.text)\" (share=memcached://HOST:PORT[,HOST:PORT...])",
                    at: directive.location)
            }
            nodes = list
            return true
        }
        if let value = Values.parameter(argument, "share_timeout") {
            guard let millis = Units.milliseconds(value), millis > 0 else {
                throw ConfigError("invalid parameter \"\(argument.text)\"", at: directive.location)
            }
            timeout = .milliseconds(millis)
            return true
        }
        if let value = Values.parameter(argument, "share_recheck") {
            guard let millis = Units.milliseconds(value), millis >= 0 else {
                throw ConfigError("invalid parameter \"\(argument.text)\"", at: directive.location)
            }
            recheck = .milliseconds(millis)
            return true
        }
        return false
    }

    /// The share, nil without `share=`; `share_timeout=` or `share_recheck=` alone is an error.
    func finish(in directive: Directive) throws -> RouteShareConfig? {
        guard let nodes else {
            if timeout != nil || recheck != nil {
                let name = timeout != nil ? "share_timeout" : "share_recheck"
                throw ConfigError("\"\(name)\" needs \"share=memcached://...\"", at: directive.location)
            }
            return nil
        }
        return RouteShareConfig(nodes: nodes, timeout: timeout, recheck: recheck)
    }

    /// `memcached://h1:p1,h2:p2` → ["h1:p1", "h2:p2"]: each node a host (or `[IPv6]`) and a port 1-65535,
    /// no node twice; nil when anything else.
    static func nodes(_ value: String) -> [String]? {
        let scheme = "memcached://"
        guard value.hasPrefix(scheme) else { return nil }
        let list = value.dropFirst(scheme.count).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard !list.isEmpty, Set(list).count == list.count else { return nil }
        for node in list {
            guard let colon = node.lastIndex(of: ":") else { return nil }
            let host = node[..<colon]
            guard let port = Values.decimal(node[node.index(after: colon)...]), (1...65535).contains(port), !host.isEmpty,
                  !host.contains("/"), !host.contains(" ")
            else { return nil }
            if host.hasPrefix("[") != host.hasSuffix("]") { return nil }
        }
        return list
    }
}
