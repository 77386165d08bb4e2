/// ngx_http_secure_link_module: `$secure_link` checks a link's MD5 and lifetime (`secure_link`,
/// `secure_link_md5`), or the old `/prefix/<md5 hex>/link` form (`secure_link_secret`).
public struct SecureLinkSettings: Sendable {
    /// `secure_link`: the hash and optional `,expires` to check.
    @Setting public var link: Template? = nil
    /// `secure_link_md5`: what the hash must be the MD5 of.
    @Setting public var md5: Template? = nil
    /// `secure_link_secret`: the old mode's word.
    @Setting public var secret: String? = nil

    public init() {}
}
