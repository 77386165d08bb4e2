/// nginx's NGX_ESCAPE_URI_COMPONENT: everything but letters, digits and `-._~` as `%XX`, uppercase hex. For a
/// path segment (autoindex's `href`) or a value carried in a path (an OCSP request's base64).
enum URIComponent {
    static func append(_ s: some Sequence<UInt8>, to out: inout [UInt8]) {
        let hex: StaticString = "0123456789ABCDEF"
        for c in s {
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"):
                out.append(c)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex.utf8Start[Int(c >> 4)])
                out.append(hex.utf8Start[Int(c & 0xf)])
            }
        }
    }
}

/// nginx's ngx_escape_uri for a path (NGX_ESCAPE_URI) and for args (NGX_ESCAPE_ARGS), as 1.22 has them: controls,
/// space, the bytes RFC 3986 does not allow (`"<>\^`{|}`), DEL and above, and `#`, `%`, `?`; args also `&`, `+`
/// and `;`, which would split or change a value.
enum URIEscape {
    enum Kind { case uri, args }

    static func escapes(_ b: UInt8, _ kind: Kind) -> Bool {
        switch b {
        case 0...0x20, 0x22, 0x23, 0x25, 0x3c, 0x3e, 0x3f, 0x5c, 0x5e, 0x60, 0x7b...0x7d, 0x7f...0xff: return true
        case 0x26, 0x2b, 0x3b: return kind == .args
        default: return false
        }
    }

    static func append(_ bytes: some Sequence<UInt8>, _ kind: Kind, to out: inout [UInt8]) {
        let hex: StaticString = "0123456789ABCDEF"
        for b in bytes {
            if escapes(b, kind) {
                out.append(UInt8(ascii: "%")); out.append(hex.utf8Start[Int(b >> 4)]); out.append(hex.utf8Start[Int(b & 0xf)])
            } else {
                out.append(b)
            }
        }
    }
}
