import HTTP1
import Testing

/// msie_refresh's page and nginx's NGX_ESCAPE_REFRESH (what nginx 1.22 sends for these URLs).
struct RefreshPageTests {
    private func url(_ bytes: [UInt8]) -> String {
        let page = String(decoding: RefreshPage.body(to: bytes), as: UTF8.self)
        let head = "<html><head><meta http-equiv=\"Refresh\" content=\"0; URL="
        let tail = "\"></head><body></body></html>\r\n"
        #expect(page.hasPrefix(head) && page.hasSuffix(tail))
        return String(page.dropFirst(head.count).dropLast(tail.count))
    }

    @Test func printableASCIIEscapesAsNginxDoes() {
        let printable = Array(UInt8(0x20)...UInt8(0x7e))
        #expect(url(printable) == "%20!%22#$%&%27()*+,-./0123456789:;%3C=%3E?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[%5C]%5E_%60"
                + "abcdefghijklmnopqrstuvwxyz%7B%7C}%7E")
    }

    @Test func controlsAndHighBytesEscape() {
        #expect(url([0x00, 0x0d, 0x0a, 0x1f, 0x7f, 0x80, 0xff]) == "%00%0D%0A%1F%7F%80%FF")
        #expect(url(Array("/caf\u{e9}".utf8)) == "/caf%C3%A9")
    }

    @Test func anEscapedURLIsNotEscapedTwice() {
        #expect(url(Array("/a%20b?x=%22".utf8)) == "/a%20b?x=%22")
        #expect(url([]) == "")
    }
}
