import Digest
import Testing

/// The htpasswd formats read without the system's crypt(): expected values from `openssl passwd` and Python's
/// hashlib, so they are the hashes Apache's htpasswd and nginx's users write.
@Suite struct PasswordHashTests {
    private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
    private func hex(_ b: [UInt8]) -> String { String(decoding: Hex.encode(b), as: UTF8.self) }

    @Test func sha1MatchesFIPSVectors() {
        #expect(hex(SHA1.digest(bytes("abc"))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(hex(SHA1.digest([])) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(hex(SHA1.digest(bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))
                == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        #expect(hex(SHA1.digest([UInt8](repeating: 0x61, count: 1000))) == "291e9a6c66994949b57ba5e650361e98fc36b1ba")
    }

    @Test func base64RoundTripsAndRefusesOtherBytes() {
        #expect(Base64.encode(bytes("user:pass")) == bytes("dXNlcjpwYXNz"))
        #expect(Base64.encode(bytes("ab")) == bytes("YWI="))
        #expect(Base64.decode(bytes("YWI=")) == bytes("ab"))
        #expect(Base64.decode(bytes("YWI")) == bytes("ab"))
        #expect(Base64.decode(bytes("YW!=")) == nil)
        #expect(Base64.decode(bytes("YQ==YQ==")) == nil)
        var url: [UInt8] = []
        Base64.append([0xfb, 0xff], to: &url, alphabet: Base64.url, padded: false)
        #expect(url == bytes("-_8"))
    }

    @Test func apacheMD5IsOpensslsApr1() {
        #expect(MD5Crypt.hash(password: bytes("password"), setting: bytes("$apr1$saltsalt$")) == bytes("$apr1$saltsalt$yAAkm4libquA.ZWLHbSBq/"))
        #expect(MD5Crypt.hash(password: bytes("p@ss:word"), setting: bytes("$apr1$ab$")) == bytes("$apr1$ab$QzyNjRREJLGN2uVg93xVf1"))
        #expect(MD5Crypt.hash(password: bytes("secret"), setting: bytes("$1$abcdefgh$xyz")) == bytes("$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1"))
        #expect(MD5Crypt.hash(password: bytes("x"), setting: bytes("$6$abc$")) == nil)
    }

    @Test func everyFormatReadHereMatchesOnlyItsPassword() {
        let entries = ["$apr1$saltsalt$yAAkm4libquA.ZWLHbSBq/": "password", "{PLAIN}open sesame": "open sesame",
                       "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=": "password", "{SSHA}GsvWdSHeuVA9fXbluedee1GT7udTQUxUeQ==": "secret"]
        for (stored, password) in entries {
            #expect(HtpasswdHash.verify(bytes(password), against: bytes(stored)) == .match, "\(stored)")
            #expect(HtpasswdHash.verify(bytes(password + "x"), against: bytes(stored)) == .mismatch, "\(stored)")
            #expect(HtpasswdHash.verify([], against: bytes(stored)) == .mismatch, "\(stored)")
        }
        #expect(HtpasswdHash.verify(bytes("secret"), against: bytes("{SSHA}c2hvcnQ=")) == .mismatch)   // too short
        #expect(HtpasswdHash.verify(bytes("secret"), against: bytes("$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1")) == .systemCrypt)
        #expect(HtpasswdHash.verify(bytes("secret"), against: bytes("$6$somesalt$JX0U")) == .systemCrypt)
    }
}
