import Digest
/// `sticky cookie NAME [expires=] [domain=] [path=] [httponly] [secure] [samesite=]`: switchyard names
/// the chosen server in a cookie of its own.
///
/// The value is the server's `route=` if it has one, else the hex MD5 of its address text, as nginx
/// computes it, so a cookie issued by nginx (whose address text is the server's `ip:port`) still routes.
///
///     let cookie = StickyCookie(name: "srv_id", path: "/")
///     cookie.setCookie(for: health.peers[0])   // "srv_id=…; path=/"
public struct StickyCookie: Sendable, Equatable {
    /// `expires=`: how long the browser keeps the cookie.
    public enum Expiry: Sendable, Equatable {
        /// `expires=max`: nginx's fixed far date.
        case max
        case after(Duration)
    }

    public var name: String
    public var expires: Expiry?
    public var domain: String?
    public var path: String?
    public var httpOnly: Bool
    public var secure: Bool
    public var sameSite: String?

    public init(
        name: String, expires: Expiry? = nil, domain: String? = nil, path: String? = nil, httpOnly: Bool = false,
        secure: Bool = false, sameSite: String? = nil
    ) {
        self.name = name
        self.expires = expires
        self.domain = domain
        self.path = path
        self.httpOnly = httpOnly
        self.secure = secure
        self.sameSite = sameSite
    }

    /// The cookie value naming `peer`.
    public static func cookieValue(for peer: PeerConfig) -> [UInt8] {
        peer.route ?? Array(MD5.hex(Array(peer.address.utf8)).utf8)
    }

    /// The table from cookie values back to peers.
    public static func routeTable(peers: [PeerConfig]) -> RouteTable {
        RouteTable(keys: peers.map(cookieValue(for:)))
    }

    /// The `Set-Cookie` header value binding a client to `peer`. A relative `expires=` is sent as
    /// `Max-Age` (the same lifetime, and no wall clock needed here).
    public func setCookie(for peer: PeerConfig) -> [UInt8] {
        var out = Array(name.utf8)
        out.append(UInt8(ascii: "="))
        out += Self.cookieValue(for: peer)
        switch expires {
        case .max: out += Array("; expires=Thu, 31 Dec 2037 23:55:55 GMT".utf8)
        case .after(let lifetime): out += Array("; max-age=\(lifetime.components.seconds)".utf8)
        case nil: break
        }
        if let domain { out += Array("; domain=\(domain)".utf8) }
        if let path { out += Array("; path=\(path)".utf8) }
        if httpOnly { out += Array("; httponly".utf8) }
        if secure { out += Array("; secure".utf8) }
        if let sameSite { out += Array("; samesite=\(sameSite)".utf8) }
        return out
    }
}
