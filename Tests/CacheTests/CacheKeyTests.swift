import Cache
import Testing
import Digest

@Suite struct CacheKeyTests {
    /// nginx's documented example: levels=1:2 takes the last char, then the two before it.
    @Test func nginxDocumentedLayout() throws {
        let d = try #require(CacheDigest(hex: Array("b7f54b2df7773722d382f4809d65029c".utf8)))
        let levels = try #require(CacheLevels(parameter: "1:2"))
        #expect(levels.relativePath(for: d) == "c/29/b7f54b2df7773722d382f4809d65029c")
    }

    @Test(arguments: [
        ("1", "e/d41d8cd98f00b204e9800998ecf8427e"),
        ("2", "7e/d41d8cd98f00b204e9800998ecf8427e"),
        ("1:2", "e/27/d41d8cd98f00b204e9800998ecf8427e"),
        ("2:2", "7e/42/d41d8cd98f00b204e9800998ecf8427e"),
        ("1:1:2", "e/7/42/d41d8cd98f00b204e9800998ecf8427e"),
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
    ])
    func keyHashesToItsPath(levels: String, path: String) throws {
        let l = try #require(levels.isEmpty ? CacheLevels([]) : CacheLevels(parameter: levels))
        #expect(CacheKey([]).relativePath(levels: l) == path)
    }

    @Test(arguments: ["3", "1:2:2:1", "0", "1:", "a"])
    func invalidLevelsAreRejected(levels: String) {
        #expect(CacheLevels(parameter: levels) == nil)
    }

    @Test func keyDigestIsMD5OfTheKeyText() {
        let key = CacheKey(Array("localhost/index.html".utf8))
        #expect(key.digest.hex == MD5.hex(Array("localhost/index.html".utf8)))
        #expect(CacheDigest(hex: Array(key.digest.hex.utf8)) == key.digest)
        #expect(CacheDigest(bytes: key.digest.bytes) == key.digest)
    }

    @Test func variantsDifferFromTheMainKeyAndEachOther() {
        let key = CacheKey(Array("h/a".utf8))
        let v1 = CacheVary.hash(names: [Array("cookie".utf8)]) { _ in Array("JSESSIONID=1".utf8) }
        let v2 = CacheVary.hash(names: [Array("cookie".utf8)]) { _ in Array("JSESSIONID=2".utf8) }
        #expect(key.variant(v1).digest != key.digest)
        #expect(key.variant(v1).digest != key.variant(v2).digest)
        #expect(key.variant(v1) == key.variant(v1))
    }

    @Test(arguments: ["b7f54b2df7773722d382f4809d65029", "B7F54B2DF7773722D382F4809D65029C", "g7f54b2df7773722d382f4809d65029c"])
    func nonEntryNamesAreNotDigests(name: String) {
        #expect(CacheDigest(hex: Array(name.utf8)) == nil)
    }
}
