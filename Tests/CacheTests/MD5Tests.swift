import Cache
import Testing
import Digest

@Suite struct MD5Tests {
    /// The test suite of RFC 1321, appendix A.5.
    @Test(arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
        (
            "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
            "57edf4a22be3c955ac49da2e2107b67a"
        ),
    ])
    func rfc1321Vectors(input: String, hex: String) {
        #expect(MD5.hex(Array(input.utf8)) == hex)   // the generic path
        #expect(Hex.encode(MD5.digest(Array(input.utf8))) == Array(hex.utf8))   // the array path
    }

    /// Array updates (whole blocks hashed in place) agree with the byte-by-byte path at every block edge.
    @Test func arrayUpdatesEqualTheGenericPath() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        for split in [0, 1, 55, 56, 63, 64, 65, 127, 128, 999, 1000] {
            var md5 = MD5()
            md5.update(Array(data[..<split]))
            md5.update(Array(data[split...]))
            var generic = MD5()
            generic.update(data.lazy.map { $0 })
            #expect(md5.finalize() == generic.finalize())
        }
    }

    @Test func incrementalUpdatesEqualOneShot() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        for split in [0, 1, 55, 56, 63, 64, 65, 999] {
            var md5 = MD5()
            md5.update(data[..<split])
            md5.update(data[split...])
            #expect(md5.finalize() == MD5.digest(data))
        }
    }
}
