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

/// An include's URI, as nginx's ngx_http_parse_unsafe_uri reads it: `%XX` decoded (a decoded `?` is part of
/// the path; only a literal `?` starts the arguments), then refused when it has a `..` segment or a NUL.
enum SSIURI {
    static func normalized(_ uri: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(uri.count)
        var i = 0
        while i < uri.count {
            let b = uri[i]
            if b == 0x25, i + 2 < uri.count, let h = hex(uri[i + 1]), let l = hex(uri[i + 2]) {
                out.append(h << 4 | l); i += 3; continue
            }
            out.append(b); i += 1
        }
        if out.contains(0) { return nil }
        for s in out.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) where s.elementsEqual("..".utf8) {
            return nil
        }
        return out
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }
}
