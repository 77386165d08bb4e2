/// `userid*` directives (ngx_http_userid_filter_module): a visitor cookie, issued and read back.
public struct UserIDSettings: Sendable {
    /// `userid off | log | v1 | on`: `log` reads the cookie for `$uid_got` only; `v1` and `on` also issue one.
    public enum Mode: Sendable, Equatable { case off, log, v1, on }

    /// `userid_flags`: the cookie's attributes.
    public struct Flags: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let secure = Flags(rawValue: 1 << 0)
        public static let httpOnly = Flags(rawValue: 1 << 1)
        public static let sameSiteStrict = Flags(rawValue: 1 << 2)
        public static let sameSiteLax = Flags(rawValue: 1 << 3)
        public static let sameSiteNone = Flags(rawValue: 1 << 4)
    }

    /// `userid_expires`: none (a session cookie), nginx's fixed far date, or a lifetime from now.
    public enum Expires: Sendable, Equatable { case off, max, seconds(Int) }

    @Setting public var mode: Mode = .off
    @Setting public var flags: Flags = []
    @Setting public var name: String = "uid"
    /// `userid_domain`; nil is `none`.
    @Setting public var domain: String? = nil
    @Setting public var path: String = "/"
    /// `userid_p3p`; nil is `none`.
    @Setting public var p3p: String? = nil
    /// `userid_service`: the first word of a new id; nil takes the server's IPv4 address (mode `on`) or 0.
    @Setting public var service: Int? = nil
    @Setting public var expires: Expires = .off
    /// `userid_mark`: a letter, digit or `=` put in place of the id's base64 padding; nil is `off`.
    @Setting public var mark: UInt8? = nil

    public init() {}
}
