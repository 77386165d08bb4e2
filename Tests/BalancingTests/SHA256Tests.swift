import Digest
import Testing

@Suite struct SHA256Tests {
    private static func bytes(hex: String) -> [UInt8] { Hex.decode(Array(hex.utf8))! }

    /// FIPS 180-4's examples (one block, empty, two blocks) and a message spanning many blocks.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (String(repeating: "a", count: 1000), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"),
    ])
    func fipsVectors(input: String, hex: String) {
        #expect(Hex.encode(SHA256.digest(Array(input.utf8))) == Array(hex.utf8))
        #expect(Hex.encode(SHA256.digest(input.utf8)) == Array(hex.utf8))  // the generic path
    }

    /// Updates split at every block edge agree with one update.
    @Test func splitUpdatesAgree() {
        let data = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let whole = SHA256.digest(data)
        for split in [0, 1, 55, 56, 63, 64, 65, 128, 299, 300] {
            var sha = SHA256()
            sha.update(Array(data[..<split]))
            sha.update(data[split...])
            #expect(sha.finalize() == whole, "split at \(split)")
        }
    }

    /// RFC 4231 §4.2–4.8, test cases 1 to 7 (case 5 is compared on its first 128 bits, as the RFC truncates it).
    @Test(arguments: [
        ("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        ("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", String(repeating: "dd", count: 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        ("0102030405060708090a0b0c0d0e0f10111213141516171819", String(repeating: "cd", count: 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        ("0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", "546573742057697468205472756e636174696f6e",
         "a3b6167473100ee06e0c796c2955552b"),
        (String(repeating: "aa", count: 131),
         "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        (String(repeating: "aa", count: 131),
         "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b65792061"
            + "6e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f"
            + "20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ])
    func rfc4231Vectors(key: String, data: String, mac: String) {
        let expected = Self.bytes(hex: mac)
        let computed = HMACSHA256(key: Self.bytes(hex: key)).authenticate(Self.bytes(hex: data))
        #expect(Array(computed.prefix(expected.count)) == expected)
    }

    @Test func equalComparesWholeValues() {
        #expect(HMACSHA256.equal([1, 2, 3], [1, 2, 3]))
        #expect(!HMACSHA256.equal([1, 2, 3], [1, 2, 4]))
        #expect(!HMACSHA256.equal([1, 2, 3], [1, 2]))
    }
}
