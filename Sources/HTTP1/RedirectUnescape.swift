import ASCIIBytes

/// What `rewrite … redirect` does to its result before it becomes the Location (nginx's ngx_unescape_uri with
/// NGX_UNESCAPE_REDIRECT): an escape decodes when the byte is above `%` and below DEL, so `$arg_r` that carried
/// a URL arrives readable while controls, space, `"`, `#`, `$` and `%` stay escaped (no header splitting by a
/// `%0D%0A`). A `?`, literal or decoded from `%3F`, ends the path: what follows is copied as it is. As nginx, an
/// escape that is not hex loses its `%` (and a second byte that is not hex is dropped with it).
/// ```
/// RedirectUnescape.apply(Array("http%3A%2F%2Fa.b%2F%3Fx%3Dy".utf8))   // "http://a.b/?x%3Dy"
/// RedirectUnescape.apply(Array("http://a.b%0D%0Ab".utf8))             // unchanged
/// ```
public enum RedirectUnescape {
    public static func apply(_ s: [UInt8]) -> [UInt8] {
        guard s.contains(UInt8(ascii: "%")) else { return s }
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            let ch = s[i]
            i += 1
            if ch == UInt8(ascii: "?") { out.append(ch); break }
            if ch != UInt8(ascii: "%") { out.append(ch); continue }
            guard i < s.count else { break }
            guard let hi = ASCII.hexValue(s[i]) else { out.append(s[i]); i += 1; continue }
            guard i + 1 < s.count else { i += 1; break }
            let second = s[i + 1]
            i += 2
            guard let lo = ASCII.hexValue(second) else { continue }
            let decoded = hi << 4 | lo
            if decoded == UInt8(ascii: "?") { out.append(decoded); break }
            if decoded > UInt8(ascii: "%") && decoded < 0x7f { out.append(decoded); continue }
            out.append(contentsOf: s[(i - 3)..<i])
        }
        if i < s.count { out.append(contentsOf: s[i...]) }
        return out
    }
}
