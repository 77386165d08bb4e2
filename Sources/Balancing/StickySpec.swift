/// The `sticky` directive (nginx 1.29.6+ syntax), parsed:
/// `sticky cookie NAME [expires=] [domain=] [path=] [httponly] [secure] [samesite=]`,
/// `sticky route $var …`, or
/// `sticky learn create=$var lookup=$var zone=NAME:SIZE [timeout=] [header] [sync]`;
/// switchyard adds `strict` to any of them (an unusable bound server gives 502, no stand-in).
///
///     let spec = try StickySpec(arguments: ["learn", "create=$upstream_cookie_JSESSIONID",
///                                           "lookup=$cookie_JSESSIONID", "zone=client_sessions:1m"])
public struct StickySpec: Sendable, Equatable {
    /// `sticky learn`'s parameters.
    public struct Learn: Sendable, Equatable {
        /// Variables as written; the engine evaluates them.
        public var create: String
        public var lookup: String
        public var zoneName: String
        public var zoneBytes: Int
        public var timeout: Duration
        /// Learn from the response header as soon as it arrives.
        public var header: Bool

        public init(create: String, lookup: String, zoneName: String, zoneBytes: Int, timeout: Duration, header: Bool) {
            self.create = create; self.lookup = lookup; self.zoneName = zoneName
            self.zoneBytes = zoneBytes; self.timeout = timeout; self.header = header
        }

        /// A new table for this zone; the engine reuses the one it already has for `zoneName` on reload.
        public func makeTable() -> StickyLearnTable {
            StickyLearnTable(
                name: zoneName, capacity: StickyLearnTable.capacity(forZoneBytes: zoneBytes), timeout: timeout)
        }
    }

    /// Where a request's route comes from.
    public enum Method: Sendable, Equatable {
        case cookie(StickyCookie)
        /// The variables, in order; the first non-empty value is the route.
        case route([String])
        case learn(Learn)
    }

    public var method: Method
    public var strict: Bool

    public init(method: Method, strict: Bool = false) {
        self.method = method
        self.strict = strict
    }

    public init(arguments: [String]) throws(BalancingConfigError) {
        guard let mode = arguments.first else {
            throw BalancingConfigError("invalid number of arguments in \"sticky\" directive")
        }
        var rest = Array(arguments.dropFirst())
        let strict = rest.contains("strict")
        rest.removeAll { $0 == "strict" }
        switch mode {
        case "cookie": self.init(method: .cookie(try Self.cookie(rest)), strict: strict)
        case "route":
            guard !rest.isEmpty else {
                throw BalancingConfigError("invalid number of arguments in \"sticky\" directive")
            }
            for variable in rest where !variable.contains("$") {
                throw BalancingConfigError(
                    "invalid route \"\(variable)\" in \"sticky\" directive: a variable is required")
            }
            self.init(method: .route(rest), strict: strict)
        case "learn": self.init(method: .learn(try Self.learn(rest)), strict: strict)
        default: throw BalancingConfigError("invalid sticky method \"\(mode)\"")
        }
    }

    private static func cookie(_ arguments: [String]) throws(BalancingConfigError) -> StickyCookie {
        guard let name = arguments.first, !name.contains("=") else {
            throw BalancingConfigError("a cookie name is required in \"sticky\" directive")
        }
        var cookie = StickyCookie(name: name)
        for argument in arguments.dropFirst() {
            let (key, value) = split(argument)
            switch (key, value) {
            case ("expires", "max"?): cookie.expires = .max
            case ("expires", let text?):
                guard let lifetime = ConfigValues.duration(text) else { throw invalid(argument) }
                cookie.expires = .after(lifetime)
            case ("domain", let text?) where !text.isEmpty: cookie.domain = text
            case ("path", let text?) where !text.isEmpty: cookie.path = text
            case ("samesite", let text?) where ["strict", "lax", "none"].contains(text) || text.hasPrefix("$"):
                cookie.sameSite = text
            case ("httponly", nil): cookie.httpOnly = true
            case ("secure", nil): cookie.secure = true
            default: throw invalid(argument)
            }
        }
        return cookie
    }

    private static func learn(_ arguments: [String]) throws(BalancingConfigError) -> Learn {
        var create: String?
        var lookup: String?
        var zone: (String, Int)?
        var timeout: Duration = .seconds(600)
        var header = false
        for argument in arguments {
            let (key, value) = split(argument)
            switch (key, value) {
            case ("create", let text?) where text.contains("$"): create = text
            case ("lookup", let text?) where text.contains("$"): lookup = text
            case ("zone", let text?):
                guard let colon = text.lastIndex(of: ":"), colon != text.startIndex,
                    let bytes = ConfigValues.size(String(text[text.index(after: colon)...])), bytes >= 8192
                else { throw BalancingConfigError("invalid zone \"\(text)\" in \"sticky\" directive") }
                zone = (String(text[..<colon]), bytes)
            case ("timeout", let text?):
                guard let value = ConfigValues.duration(text) else { throw invalid(argument) }
                timeout = value
            case ("header", nil): header = true
            case ("sync", nil): break  // accepted for compatibility: no zone synchronisation between instances
            default: throw invalid(argument)
            }
        }
        guard let create else { throw BalancingConfigError("\"create\" is required in \"sticky\" directive") }
        guard let lookup else { throw BalancingConfigError("\"lookup\" is required in \"sticky\" directive") }
        guard let zone else { throw BalancingConfigError("\"zone\" is required in \"sticky\" directive") }
        return Learn(
            create: create, lookup: lookup, zoneName: zone.0, zoneBytes: zone.1, timeout: timeout, header: header)
    }

    private static func split(_ argument: String) -> (String, String?) {
        guard let equals = argument.firstIndex(of: "=") else { return (argument, nil) }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }

    private static func invalid(_ argument: String) -> BalancingConfigError {
        BalancingConfigError("invalid parameter \"\(argument)\" in \"sticky\" directive")
    }
}
