import Cache
import Testing

private func b(_ s: String) -> [UInt8] { Array(s.utf8) }

/// The hash of one request for `names`, its lines given as (lowercased name, value).
private func hash(_ names: [String], _ lines: [(String, String)]) -> CacheDigest {
    CacheVary.hash(names: names.map(b), fields: { name in
        lines.filter { b($0.0) == name }.map { b($0.1)[...] }
    })
}

@Suite struct CacheVaryTests {
    @Test func namesAreListedOnceLowercasedWithoutEmptyElements() {
        #expect(CacheVary.names(b(",, Accept-encoding , ,")) == [b("accept-encoding")])
        #expect(CacheVary.names(b("Cookie, Accept-Encoding, cookie")) == [b("accept-encoding"), b("cookie")])
        #expect(CacheVary.names(b("Accept-Encoding, *")) == nil)
        #expect(CacheVary.names([UInt8](repeating: UInt8(ascii: "a"), count: 129)) == nil)
    }

    /// nginx's proxy_cache_vary.t "normalize": spaces and empty elements of Accept-Encoding mean nothing, but
    /// the elements' bytes and order do.
    @Test func acceptListsAreComparedWithoutSpacesOrEmptyElements() {
        let ae = ["accept-encoding"]
        let first = hash(ae, [("accept-encoding", "foo, bar")])
        #expect(hash(ae, [("accept-encoding", "foo,bar")]) == first)
        #expect(hash(ae, [("accept-encoding", "foo,,  ,bar , ")]) == first)
        #expect(hash(ae, [("accept-encoding", "foo"), ("accept-encoding", " bar")]) == first)   // two lines
        #expect(hash(ae, [("accept-encoding", "foobar")]) != first)
        #expect(hash(ae, [("accept-encoding", "bar,foo")]) != first)
        #expect(hash(["accept-language"], [("accept-language", "en , de")])
                == hash(["accept-language"], [("accept-language", "en,de")]))
    }

    @Test func otherFieldsAreComparedAsSentWithTheirLinesJoined() {
        let cookie = ["cookie"]
        #expect(hash(cookie, [("cookie", "a=1, b=2")]) != hash(cookie, [("cookie", "a=1,b=2")]))
        #expect(hash(cookie, [("cookie", "a=1"), ("cookie", "b=2")]) == hash(cookie, [("cookie", "a=1,b=2")]))
        #expect(hash(cookie, []) != hash(cookie, [("cookie", "a=1")]))
        #expect(hash(cookie, []) == CacheVary.hash(names: [b("cookie")]) { _ in nil })
    }

    @Test func aResponseStaysUnderTheSecondaryKeyOnlyWhenItIsThatVariant() {
        let main = CacheKey(b("/page"))
        let gzip = hash(["accept-encoding"], [("accept-encoding", "gzip")])
        let deflate = hash(["accept-encoding"], [("accept-encoding", "deflate")])
        let secondary = main.variant(deflate)
        // Looked up under the main key: stored there, whatever it varies on.
        #expect(CacheVary.storeKey(main: main, lookedUp: main, responseHash: gzip) == main)
        #expect(CacheVary.storeKey(main: main, lookedUp: main, responseHash: nil) == main)
        // Looked up under this request's variant key and varying the same way: that variant's own entry.
        #expect(CacheVary.storeKey(main: main, lookedUp: secondary, responseHash: deflate) == secondary)
        // It stopped varying, or varies on other fields now: it replaces the main entry.
        #expect(CacheVary.storeKey(main: main, lookedUp: secondary, responseHash: nil) == main)
        #expect(CacheVary.storeKey(main: main, lookedUp: secondary, responseHash: gzip) == main)
    }
}

@Suite struct CacheVaryLineTests {
    private func meta(line: UInt32) -> CacheEntryMeta {
        var m = CacheEntryMeta(key: CacheKey(b("/page")), validUntil: 0, storedAt: 0)
        m.variantLine = line
        return m
    }

    /// A secondary entry counts only beside the main entry whose line it was stored in: one left from before an
    /// invalidation (the main entry dropped, a new one drawn a new line) is not served.
    @Test func secondaryEntriesFollowTheirMainEntrysLine() {
        let line = CacheVary.variantLine(replacing: nil)
        #expect(line != 0)
        #expect(CacheVary.variantLine(replacing: line) == line)   // a live main entry replaced: variants stay
        #expect(CacheVary.isCurrent(meta(line: line), main: meta(line: line)))
        let redrawn = (0..<4).map { _ in CacheVary.variantLine(replacing: nil) }
        #expect(redrawn.contains { $0 != line })   // a new line after the main entry was dropped
        #expect(!CacheVary.isCurrent(meta(line: line), main: meta(line: line &+ 1)))
    }
}
