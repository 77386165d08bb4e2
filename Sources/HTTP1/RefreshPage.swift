/// `msie_refresh`'s answer to MSIE instead of a redirect (nginx's ngx_http_send_refresh): a page whose meta
/// refresh goes to the URL. The URL is written as the Location would have been, relative or not, with the bytes
/// nginx's NGX_ESCAPE_REFRESH escapes as `%XX`: controls, space, `"`, `'`, `<`, `>`, `\`, `^`, `` ` ``, `{`, `|`,
/// `~`, DEL and every byte above it. `%` stays, so an escaped URL is not escaped twice.
/// ```
/// RefreshPage.body(to: Array("/a b".utf8))
/// // <html><head><meta http-equiv="Refresh" content="0; URL=/a%20b"></head><body></body></html>\r\n
/// ```
public enum RefreshPage {
    public static func body<C: Collection<UInt8>>(to url: C) -> [UInt8] {
        var out = head
        out.reserveCapacity(head.count + url.count + tail.count + 16)
        for b in url {
            if escapes(b) {
                out.append(UInt8(ascii: "%")); out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 0x0f)])
            } else {
                out.append(b)
            }
        }
        out.append(contentsOf: tail)
        return out
    }

    /// NGX_ESCAPE_REFRESH's table, byte by byte.
    static func escapes(_ b: UInt8) -> Bool {
        switch b {
        case 0...0x20, 0x7f...0xff: return true
        case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\\"),
             UInt8(ascii: "^"), UInt8(ascii: "`"), UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default: return false
        }
    }

    private static let head = Array("<html><head><meta http-equiv=\"Refresh\" content=\"0; URL=".utf8)
    private static let tail = Array("\"></head><body></body></html>\r\n".utf8)
    private static let hex = Array("0123456789ABCDEF".utf8)
}
