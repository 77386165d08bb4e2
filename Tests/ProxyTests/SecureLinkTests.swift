import Digest
@testable import Proxy
import Testing

/// secure_link's parsing and checks without sockets; hashes from nginx's secure_link.t (secret + URI).
struct SecureLinkTests {
    private func bytes(_ s: String) -> ArraySlice<UInt8> { Array(s.utf8)[...] }
    private let good = "q-5vpkjBkRXXtkUMXiJVHA"            // base64url of md5("secret/test.html")
    private let expected = MD5.digest(Array("secret/test.html".utf8))

    private func verdict(_ link: String, expected: [UInt8], now: Int64 = 1_000) -> String? {
        guard let l = SecureLink.split(bytes(link)), let d = SecureLink.digest(of: l.hash),
              let v = SecureLink.verdict(digest: d, md5: expected, expires: l.expires, now: now) else { return nil }
        return v.description
    }

    @Test func theHashIsBase64urlWithOrWithoutPadding() {
        #expect(verdict(good, expected: expected) == "1")
        #expect(verdict(good + "==", expected: expected) == "1")
        #expect(verdict(good + "QQ", expected: expected) == nil)             // 18 bytes
        #expect(verdict(good + "-TOOLONG", expected: expected) == nil)       // over 24 characters
        #expect(verdict("BADHASHLENGTH", expected: expected) == nil)
        #expect(verdict("q-5vpkjBkRXXtkUMXiJVHX==", expected: expected) == nil)
        #expect(verdict("q+5vpkjBkRXXtkUMXiJVHA", expected: expected) == nil) // not the URL alphabet
        #expect(verdict("", expected: expected) == nil)
    }

    @Test func anExpiryAfterTheCommaLimitsTheLink() {
        let expires = MD5.digest(Array("secret/exp.html1000".utf8))
        let hash = "OVdu6lhCYFH8hBhBBTG3bQ"                               // md5("secret/exp.html1000")
        #expect(verdict(hash + ",1000", expected: expires, now: 999) == "1")
        #expect(verdict(hash + ",1000", expected: expires, now: 1000) == "1")
        #expect(verdict(hash + ",1000", expected: expires, now: 1001) == "0")
        #expect(SecureLink.split(bytes(hash + ",1000"))?.expiresText == bytes("1000"))
        #expect(SecureLink.split(bytes(hash + ",0")) == nil)
        #expect(SecureLink.split(bytes(hash + ",")) == nil)
        #expect(SecureLink.split(bytes(hash + ",-5")) == nil)
        #expect(SecureLink.split(bytes(hash + ",12x")) == nil)
        #expect(SecureLink.split(bytes(hash))?.expiresText == nil)
    }

    @Test func theSecretModeChecksTheHexBeforeTheLink() {
        let secret = Array("secret".utf8)
        let hex = "181a8c6df88b74bb87b14f72df0a86f9"                      // md5_hex("test.html" . "secret")
        #expect(SecureLink.secretLink(bytes("/p/\(hex)/test.html"), secret: secret) == bytes("test.html"))
        #expect(SecureLink.secretLink(bytes("/p/\(hex.uppercased())/test.html"), secret: secret) == bytes("test.html"))
        #expect(SecureLink.secretLink(bytes("/p/\(hex)/other.html"), secret: secret) == nil)
        #expect(SecureLink.secretLink(bytes("/p/foo/test.html"), secret: secret) == nil)
        #expect(SecureLink.secretLink(bytes("/p/" + String(repeating: "x", count: 32) + "/test.html"), secret: secret) == nil)
        #expect(SecureLink.secretLink(bytes("/p%2f"), secret: secret) == nil)
        #expect(SecureLink.secretLink(bytes("/p/test.html"), secret: secret) == nil)
        #expect(SecureLink.secretLink(bytes("/p/\(hex)/"), secret: secret) == nil)
    }

    @Test func base64urlDecodesAsNginxDoes() {
        #expect(Base64.decodeURL(Array("YWI".utf8)) == Array("ab".utf8))
        #expect(Base64.decodeURL(Array("YWI=junk".utf8)) == Array("ab".utf8))   // nginx stops at "="
        #expect(Base64.decodeURL(Array("Y".utf8)) == nil)
        #expect(Base64.decodeURL(Array("-_-_".utf8)) == [0xfb, 0xff, 0xbf])
        #expect(Base64.decodeURL(Array("+/+/".utf8)) == nil)
    }
}
