/// ngx_http_access_module and ngx_http_realip_module: who the client is, and whether it may in.
public struct AccessSettings: Sendable {
    /// `allow` / `deny`, in file order; a level that has any does not inherit its parent's.
    @Setting public var rules: [AccessRule] = []
    /// `set_real_ip_from`: the addresses trusted to name the client.
    @Setting public var realIPFrom: [RealIPSource] = []
    /// `real_ip_header`: where the client's address is read from.
    @Setting public var realIPHeader: RealIPHeader = .named("x-real-ip")
    /// `real_ip_recursive`: skip trusted addresses from the right of `X-Forwarded-For`.
    @Setting public var realIPRecursive: Bool = false

    public init() {}
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
    /// `address` is the binary client address (4 or 16 bytes), or nil for a UNIX-domain client.
    public static func allows(_ rules: [AccessRule], address: [UInt8]?) -> Bool {
        for rule in rules where rule.matches(address) { return rule.allow }
        return true
    }

    func matches(_ address: [UInt8]?) -> Bool {
        switch target {
        case .all: return true
        case .unix: return address == nil
        case .block(let cidr): return address.map(cidr.contains) ?? false
        }
    }
}

/// One `set_real_ip_from` argument.
public enum RealIPSource: Sendable, Equatable {
    case block(CIDR)
    case unix

    public func contains(_ address: [UInt8]?) -> Bool {
        switch self {
        case .unix: return address == nil
        case .block(let cidr): return address.map(cidr.contains) ?? false
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
