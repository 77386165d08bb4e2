/// Checks a password against one htpasswd entry's hash, in the formats nginx's `ngx_crypt` reads itself:
/// `$apr1$` (Apache MD5), `{PLAIN}`, `{SHA}` and `{SSHA}`. Anything else (`crypt()`'s DES, `$1$`, `$5$`, `$6$`,
/// `$y$`, `$2b$`…) is the system's `crypt()` to decide, as in nginx. Comparisons take the same time whatever
/// the bytes, so a response time says nothing about how much of a guess was right.
///
///     HtpasswdHash.verify(Array("secret".utf8), against: Array("{PLAIN}secret".utf8))   // .match
public enum HtpasswdHash {
    public enum Verdict: Sendable, Equatable {
        case match
        case mismatch
        /// Not a format read here: ask the system's crypt().
        case systemCrypt
    }

    public static func verify(_ password: [UInt8], against stored: [UInt8]) -> Verdict {
        if stored.starts(with: "$apr1$".utf8) {
            guard let computed = MD5Crypt.hash(password: password, setting: stored) else { return .mismatch }
            return verdict(equal(computed, stored))
        }
        if stored.starts(with: "{PLAIN}".utf8) {
            return verdict(equal(password, stored.dropFirst(7)))
        }
        if stored.starts(with: "{SHA}".utf8) {
            return verdict(equal(Base64.encode(SHA1.digest(password)), stored.dropFirst(5)))
        }
        if stored.starts(with: "{SSHA}".utf8) {
            // base64(SHA-1(password + salt) + salt)
            guard let decoded = Base64.decode(stored.dropFirst(6)), decoded.count > 20 else { return .mismatch }
            let salt = Array(decoded[20...])
            return verdict(equal(SHA1.digest(password + salt), decoded[..<20]))
        }
        return .systemCrypt
    }

    private static func verdict(_ same: Bool) -> Verdict { same ? .match : .mismatch }

    /// True when both hold the same bytes; the time depends on the lengths only.
    public static func equal(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
