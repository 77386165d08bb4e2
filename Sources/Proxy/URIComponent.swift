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
