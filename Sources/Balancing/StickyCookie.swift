import Digest

/// `sticky cookie NAME [expires=] [domain=] [path=] [httponly] [secure] [samesite=] [partitioned] [sign=FILE]`:
/// switchyard names the chosen server in a cookie of its own.
///
/// The server id is the server's `route=` if it has one, else the hex MD5 of its address text, as nginx
/// computes it, so a cookie issued by nginx (whose address text is the server's `ip:port`) still routes. With a
/// `signer` the value is signed and expires (`CookieSigner`).
///
///     let cookie = StickyCookie(name: "srv_id", path: "/")
///     cookie.setCookie(for: health.peers[0], unixTime: now)   // "srv_id=…; path=/"
public struct StickyCookie: Sendable, Equatable {
    /// `expires=`: how long the browser keeps the cookie.
    public enum Expiry: Sendable, Equatable {
        /// `expires=max`: nginx's fixed far date.
        case max
        case after(Duration)
    }

    public var name: String
    public var expires: Expiry?
    /// Literal `domain=`, `path=` and `samesite=` values (the engine passes evaluated ones when they hold
    /// variables).
    public var domain: String?
    public var path: String?
    public var httpOnly: Bool
    public var secure: Bool
    public var sameSite: String?
    /// CHIPS: the browser keys the cookie by the top-level site.
    public var partitioned: Bool
    /// `sign=FILE`: values are signed and expire.
    public var signer: CookieSigner?

    public init(
        name: String, expires: Expiry? = nil, domain: String? = nil, path: String? = nil, httpOnly: Bool = false,
        secure: Bool = false, sameSite: String? = nil, partitioned: Bool = false, signer: CookieSigner? = nil
    ) {
        self.name = name
        self.expires = expires
        self.domain = domain
        self.path = path
        self.httpOnly = httpOnly
        self.secure = secure
        self.sameSite = sameSite
        self.partitioned = partitioned
        self.signer = signer
    }

    /// The server id of `peer`: what an unsigned cookie holds, and what a signed one names.
    public static func cookieValue(for peer: PeerConfig) -> [UInt8] {
        peer.route ?? Array(MD5.hex(Array(peer.address.utf8)).utf8)
    }

    /// The table from server ids back to peers.
    public static func routeTable(peers: [PeerConfig]) -> RouteTable {
        RouteTable(keys: peers.map(cookieValue(for:)))
    }

    /// The value to send for `peer` now: its server id, signed when the cookie is.
    public func value(for peer: PeerConfig, unixTime: Int64) -> [UInt8] {
        let id = Self.cookieValue(for: peer)
        return signer?.issue(serverID: id, unixTime: unixTime) ?? id
    }

    /// `expires=max`: nginx's text, a fixed date and ten years of max-age.
    static let expiresMax = Array("; expires=Thu, 31-Dec-37 23:55:55 GMT; max-age=315360000".utf8)

    /// The `Set-Cookie` value for `value`, in nginx's attribute order. `domain`, `path` and `sameSite` are the
    /// evaluated attributes (nil or empty: left out). A domain or path holding `;`, `,`, whitespace or a
    /// control byte would inject attributes of its own: it is left out and named in `dropped` for a warning.
    /// A samesite value other than strict, lax or none becomes strict, as nginx's variable samesite does.
    public func setCookie(
        value: [UInt8], domain: [UInt8]?, path: [UInt8]?, sameSite: [UInt8]?, unixTime: Int64,
        dropped: inout [String]
    ) -> [UInt8] {
        var out = Array(name.utf8)
        out.append(UInt8(ascii: "="))
        out += value
        switch expires {
        case .max:
            out += Self.expiresMax
        case .after(let lifetime):
            let seconds = lifetime.components.seconds
            out += Array("; expires=".utf8)
            CookieDate.append(unixTime + seconds, to: &out)
            out += Array("; max-age=\(seconds)".utf8)
        case nil:
            break
        }
        if let domain, !domain.isEmpty {
            if Self.isSafeAttributeValue(domain) {
                out += Array("; domain=".utf8) + domain
            } else {
                dropped.append("domain")
            }
        }
        if httpOnly { out += Array("; httponly".utf8) }
        if secure { out += Array("; secure".utf8) }
        if let sameSite, !sameSite.isEmpty {
            out += Array("; samesite=".utf8) + Self.sameSiteValue(sameSite)
        }
        if partitioned { out += Array("; partitioned".utf8) }
        if let path, !path.isEmpty {
            if Self.isSafeAttributeValue(path) {
                out += Array("; path=".utf8) + path
            } else {
                dropped.append("path")
            }
        }
        return out
    }

    /// The header for `peer` with the literal attributes.
    public func setCookie(for peer: PeerConfig, unixTime: Int64) -> [UInt8] {
        var dropped: [String] = []
        return setCookie(
            value: value(for: peer, unixTime: unixTime), domain: domain.map { Array($0.utf8) },
            path: path.map { Array($0.utf8) }, sameSite: sameSite.map { Array($0.utf8) }, unixTime: unixTime,
            dropped: &dropped)
    }

    /// An attribute value that cannot end its attribute or start another: no `;`, `,`, space, tab or other
    /// control byte (DEL included).
    public static func isSafeAttributeValue(_ value: some Collection<UInt8>) -> Bool {
        value.allSatisfy { $0 > 32 && $0 != 127 && $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: ",") }
    }

    static let sameSiteValues = ["strict", "lax", "none"].map { Array($0.utf8) }

    /// strict, lax or none as given (any case); anything else is strict.
    public static func sameSiteValue(_ value: [UInt8]) -> [UInt8] {
        let lowered = value.map { $0 | (($0 >= 65 && $0 <= 90) ? 0x20 : 0) }
        return sameSiteValues.contains(lowered) ? value : sameSiteValues[0]
    }
}

/// nginx's cookie date (`ngx_http_cookie_time`): `Thu, 31-Dec-37 23:55:55 GMT`, with a two-digit year up to
/// 2037 and four digits after (old browsers read two digits above 37 as the 1900s).
public enum CookieDate {
    static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].map { Array($0.utf8) }
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        .map { Array($0.utf8) }

    public static func append(_ unixTime: Int64, to out: inout [UInt8]) {
        let t = max(0, unixTime)
        let days = Int(t / 86400)
        let secs = Int(t % 86400)
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = z / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        out += weekdays[(days + 4) % 7]
        out += Array(", ".utf8)
        two(day, &out)
        out.append(UInt8(ascii: "-"))
        out += months[month - 1]
        out.append(UInt8(ascii: "-"))
        if year > 2037 { out += Array(String(year).utf8) } else { two(year % 100, &out) }
        out.append(32)
        two(secs / 3600, &out)
        out.append(UInt8(ascii: ":"))
        two(secs / 60 % 60, &out)
        out.append(UInt8(ascii: ":"))
        two(secs % 60, &out)
        out += Array(" GMT".utf8)
    }

    private static func two(_ n: Int, _ out: inout [UInt8]) {
        out.append(UInt8(48 + n / 10 % 10))
        out.append(UInt8(48 + n % 10))
    }
}
