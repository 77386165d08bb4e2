/// `echo`'s `encoding=`: `entity` (the default) escapes HTML's special characters as nginx's ngx_escape_html;
/// `url` percent-escapes what nginx's ngx_escape_uri escapes for HTML attributes; `none` leaves the value alone.
enum SSIEncoding {
    static func entity(_ v: [UInt8]) -> [UInt8] {
        if !v.contains(where: { $0 == 0x3C || $0 == 0x3E || $0 == 0x26 || $0 == 0x22 }) { return v }
        var out: [UInt8] = []
        out.reserveCapacity(v.count + 16)
        for b in v {
            switch b {
            case 0x3C: out.append(contentsOf: Array("&lt;".utf8))
            case 0x3E: out.append(contentsOf: Array("&gt;".utf8))
            case 0x26: out.append(contentsOf: Array("&amp;".utf8))
            case 0x22: out.append(contentsOf: Array("&quot;".utf8))
            default: out.append(b)
            }
        }
        return out
    }

    static func url(_ v: [UInt8]) -> [UInt8] {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(v.count)
        for b in v {
            if escapes(b) { out.append(0x25); out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)]) } else { out.append(b) }
        }
        return out
    }

    /// Controls, space, non-ASCII, and `"#%'<>?\^`{|}`: unsafe in a URI written into HTML.
    private static func escapes(_ b: UInt8) -> Bool {
        if b <= 0x20 || b >= 0x7F { return true }
        switch b {
        case 0x22, 0x23, 0x25, 0x27, 0x3C, 0x3E, 0x3F, 0x5C, 0x5E, 0x60, 0x7B, 0x7C, 0x7D: return true
        default: return false
        }
    }
}
