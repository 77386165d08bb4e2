/// The MD5-based password hash of FreeBSD's md5crypt, which Apache's htpasswd writes as `$apr1$salt$hash` (and
/// glibc's crypt as `$1$salt$hash`): 1,000 rounds of MD5 over the password and an up-to-8-byte salt.
///
///     MD5Crypt.hash(password: Array("password".utf8), setting: Array("$apr1$salt$".utf8))
///     // "$apr1$salt$…" (22 characters of hash)
public enum MD5Crypt {
    private static let itoa64 = Array("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// The full hash string for `password`, with magic and salt taken from `setting` (a stored hash or just its
    /// `$magic$salt` prefix). Nil when `setting` starts with neither `$apr1$` nor `$1$`.
    public static func hash(password pw: [UInt8], setting: [UInt8]) -> [UInt8]? {
        let magic: [UInt8]
        if setting.starts(with: "$apr1$".utf8) { magic = Array("$apr1$".utf8) }
        else if setting.starts(with: "$1$".utf8) { magic = Array("$1$".utf8) }
        else { return nil }
        let salt = Array(setting.dropFirst(magic.count).prefix { $0 != UInt8(ascii: "$") }.prefix(8))

        var ctx = MD5()
        ctx.update(pw); ctx.update(magic); ctx.update(salt)
        var alt = MD5()
        alt.update(pw); alt.update(salt); alt.update(pw)
        let altDigest = alt.finalize()
        var left = pw.count
        while left > 0 {
            ctx.update(Array(altDigest.prefix(min(left, 16))))
            left -= 16
        }
        var i = pw.count
        while i > 0 {
            ctx.update(i & 1 == 1 ? [0] : [pw.first ?? 0])
            i >>= 1
        }
        var final = ctx.finalize()
        for round in 0..<1000 {
            var r = MD5()
            r.update(round & 1 == 1 ? pw : final)
            if round % 3 != 0 { r.update(salt) }
            if round % 7 != 0 { r.update(pw) }
            r.update(round & 1 == 1 ? final : pw)
            final = r.finalize()
        }

        var out = magic + salt + [UInt8(ascii: "$")]
        func to64(_ value: UInt32, _ n: Int) {
            var v = value
            for _ in 0..<n {
                out.append(itoa64[Int(v & 0x3f)])
                v >>= 6
            }
        }
        func triple(_ a: Int, _ b: Int, _ c: Int) -> UInt32 {
            UInt32(final[a]) << 16 | UInt32(final[b]) << 8 | UInt32(final[c])
        }
        to64(triple(0, 6, 12), 4)
        to64(triple(1, 7, 13), 4)
        to64(triple(2, 8, 14), 4)
        to64(triple(3, 9, 15), 4)
        to64(triple(4, 10, 5), 4)
        to64(UInt32(final[11]), 2)
        return out
    }
}
