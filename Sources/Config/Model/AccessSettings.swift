/// ngx_http_access_module, ngx_http_auth_basic_module and ngx_http_realip_module: who the client is, and whether
/// it may in.
public struct AccessSettings: Sendable {
    /// `allow` / `deny`, in file order; a level that has any does not inherit its parent's.
    @Setting public var rules: [AccessRule] = []
    /// `set_real_ip_from`: the addresses trusted to name the client.
    @Setting public var realIPFrom: [RealIPSource] = []
    /// `real_ip_header`: where the client's address is read from.
    @Setting public var realIPHeader: RealIPHeader = .named("x-real-ip")
    /// `real_ip_recursive`: skip trusted addresses from the right of `X-Forwarded-For`.
    @Setting public var realIPRecursive: Bool = false
    /// `auth_basic`: the realm (variables allowed), or nil for `off`.
    @Setting public var authBasicRealm: Template? = nil
    /// `auth_basic_user_file`: the htpasswd file (variables allowed).
    @Setting public var authBasicUserFile: AuthUserFile? = nil
    /// `satisfy any`: the address rules, basic authentication or auth_request lets a request in (default `all`:
    /// every one that has a say).
    @Setting public var satisfyAny: Bool = false
    /// `auth_delay`: a 401 of the access phase waits this long before it is sent (a timing attack learns nothing).
    @Setting public var authDelay: Duration = .zero
    /// `auth_request`: the URI a subrequest asks before the request may in, or nil for `off`.
    @Setting public var authRequest: String? = nil
    /// `auth_request_set`, in file order; a level that has any does not inherit its parent's (nginx's rule).
    @Setting public var authRequestSets: [AuthRequestSet] = []

    public init() {}
}

/// `auth_basic_user_file`'s path, which may hold variables; a relative one is relative to the directory of the
/// main configuration file (nginx's conf prefix), kept here as `base`.
public struct AuthUserFile: Sendable, Equatable {
    public let path: Template
    public let base: String

    public init(path: Template, base: String) {
        self.path = path
        self.base = base
    }
}

/// `auth_request_set $name value`: the value, evaluated in the auth subrequest once it answered, is set in the
/// main request.
public struct AuthRequestSet: Sendable, Equatable {
    /// Without the `$`.
    public let name: String
    public let value: Template
    public let location: SourceLocation?

    public init(name: String, value: Template, location: SourceLocation?) {
        self.name = name; self.value = value; self.location = location
    }
}

/// One `allow` or `deny` line.
public struct AccessRule: Sendable, Equatable {
    public enum Target: Sendable, Equatable {
        case all
        case block(CIDR)
        /// `unix:`: clients on a UNIX-domain socket.
        case unix
    }

    public let allow: Bool
    public let target: Target

    public init(allow: Bool, target: Target) {
        self.allow = allow
        self.target = target
    }

    /// nginx's access phase: the first rule that matches decides; none matching lets the request in.
    /// `address` is the binary client address: 4 or 16 bytes, none for a UNIX-domain client.
    public static func allows(_ rules: [AccessRule], address: [UInt8]) -> Bool {
        for rule in rules where rule.matches(address) { return rule.allow }
        return true
    }

    func matches(_ address: [UInt8]) -> Bool {
        switch target {
        case .all: return true
        case .unix: return address.isEmpty
        case .block(let cidr): return cidr.contains(address)
        }
    }
}

/// One `set_real_ip_from` argument.
public enum RealIPSource: Sendable, Equatable {
    case block(CIDR)
    case unix
    /// A host name: the runtime builder resolves it to one block per address at load, as nginx does.
    case host(String, at: SourceLocation)

    /// `address`: 4 or 16 bytes, none for a UNIX-domain client.
    public func contains(_ address: [UInt8]) -> Bool {
        switch self {
        case .unix: return address.isEmpty
        case .block(let cidr): return cidr.contains(address)
        case .host: return false
        }
    }
}

/// `real_ip_header`.
public enum RealIPHeader: Sendable, Equatable {
    /// `X-Forwarded-For`: a list, read from the right.
    case xForwardedFor
    /// `proxy_protocol`: the address of the PROXY protocol header.
    case proxyProtocol
    /// Any other header (lowercased name), whose whole value is one address.
    case named(String)
}
