@testable import Proxy
import HTTP1
import Testing

/// sub_filter's search without sockets: nginx's results for once/off, case, overlapping patterns, and the same
/// output however the body is split.
struct SubFilterMatcherTests {
    /// Runs `body` split into `pieces` through patterns → replacements.
    static func run(_ pairs: [(String, String)], once: Bool = false, _ pieces: [String]) -> String {
        let patterns = SubFilterPatterns(pairs.map { Array($0.0.utf8) }, lines: Array(pairs.indices))
        var m = SubFilterMatcher(patterns, once: once)
        var out: [UInt8] = []
        func take(_ o: SubFilterMatcher.Output) {
            switch o {
            case .text(let v): out.append(contentsOf: Array(v))
            case .replacement(let line): out.append(contentsOf: Array(pairs[line].1.utf8))
            }
        }
        for p in pieces {
            Array(p.utf8).withByteView { m.feed($0, take) }
            #expect(m.heldCount < max(1, patterns.longest))
        }
        m.finish(take)
        return String(decoding: out, as: UTF8.self)
    }

    /// The result for `body` whole, checked against every split into two and three pieces.
    static func everySplit(_ pairs: [(String, String)], once: Bool = false, _ body: String) -> String {
        let whole = run(pairs, once: once, [body])
        let b = Array(body.utf8)
        for i in 0...b.count {
            let two = run(pairs, once: once, [String(decoding: b[..<i], as: UTF8.self), String(decoding: b[i...], as: UTF8.self)])
            #expect(two == whole, "split at \(i)")
            for j in i...b.count {
                let three = run(pairs, once: once, [String(decoding: b[..<i], as: UTF8.self),
                                                    String(decoding: b[i..<j], as: UTF8.self),
                                                    String(decoding: b[j...], as: UTF8.self)])
                #expect(three == whole, "split at \(i), \(j)")
            }
        }
        // One byte a piece too.
        #expect(run(pairs, once: once, b.map { String(decoding: [$0], as: UTF8.self) }) == whole)
        return whole
    }

    @Test func onceAndOff() {
        #expect(Self.everySplit([("foo", "bar")], once: true, "foofoo") == "barfoo")
        #expect(Self.everySplit([("foo", "bar")], "foofoo") == "barbar")
        #expect(Self.everySplit([("foo", "bar")], "fo") == "fo")
        #expect(Self.everySplit([("foo", "bar")], "foofo") == "barfo")
        #expect(Self.everySplit([("A", "B")], once: true, "CAAC") == "CBAC")
        #expect(Self.everySplit([("A", "B")], "CAAC") == "CBBC")
        // Once: each pattern once, then the rest untouched (sub_filter_multi.t's "once" cases).
        #expect(Self.everySplit([("aab", "+"), ("yyz", "-")], once: true, "aabyyzaab") == "+-aab")
        #expect(Self.everySplit([("aab", "+"), ("yyz", "-")], once: true, "yyzaabyyz") == "-+yyz")
        #expect(Self.everySplit([("aab", "+"), ("yyz", "-")], once: true, "yyzyyzaabaabyyz") == "-yyz+aabyyz")
    }

    @Test func caseInsensitive() {
        #expect(Self.everySplit([("FOO", "bar")], "xFoOx fOo") == "xbarx bar")
        #expect(Self.everySplit([("abcdefghijklmnopqrstuvwxyz", "+")], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == "++")
        #expect(Self.everySplit([("Ab", "Cd")], "aB") == "Cd")   // the replacement keeps its case
    }

    @Test func nginxPartialMatches() {
        #expect(Self.everySplit([("abac", "_")], "abaabac") == "aba_")
        #expect(Self.everySplit([("abac", "_")], "ababac") == "ab_")
        #expect(Self.everySplit([("ababx", "_")], "abababX") == "ab_")
        #expect(Self.everySplit([("aab", "_")], "aaaab") == "aa_")
    }

    @Test func overlappingPatternsLeftmostThenFirstListed() {
        #expect(Self.everySplit([("aab", "+"), ("yyz", "-")], "aabAyyzBaab") == "+A-B+")
        #expect(Self.everySplit([("aabb", "+"), ("aaabb", "-")], "aabbaaabbaabb") == "+-+")
        #expect(Self.everySplit([("aacbb", "+"), ("aadbb", "-")], "aadbbaacbb") == "-+")
        #expect(Self.everySplit([("ab", "+"), ("cd", "-"), ("ef", "*"), ("gh", "!"), ("x", "_")],
                                "AAabcdefghBxBabCxCcdDDefEEghFF") == "AA+-*!B_B+C_C-DD*EE!FF")
        // At one position the first listed wins, even when a longer one also matches there.
        #expect(Self.everySplit([("ab", "1"), ("abc", "2")], "abc") == "1c")
        #expect(Self.everySplit([("abc", "2"), ("ab", "1")], "abcabx") == "21x")
        #expect(Self.everySplit([("abc", "2"), ("ab", "1")], "abcab") == "2ab")   // the tail: see below
        // The leftmost start wins over a pattern listed first that starts later.
        #expect(Self.everySplit([("bc", "1"), ("abc", "2")], "abc") == "2")
    }

    @Test func emptyReplacementAndLongPattern() {
        #expect(Self.everySplit([("<script>", "")], "a<SCRIPT>b<script>") == "ab")
        #expect(Self.everySplit([("a much longer pattern than the body", "x")], "a much") == "a much")
        #expect(Self.everySplit([("abc", "x")], "") == "")
    }

    /// nginx sends a tail held at the end as it is, even when a shorter pattern would match inside it.
    @Test func tailHeldAtTheEndGoesAsIs() {
        #expect(Self.run([("abcd", "+"), ("b", "-")], ["abc"]) == "abc")
        #expect(Self.run([("abcd", "+"), ("b", "-")], ["abcb"]) == "a-c-")
    }

    /// A long body costs time linear in its length: a pattern that almost matches everywhere is compared at most
    /// its length at each position.
    @Test func longBodyInPieces() {
        let unit = Array("0123456789abcdef".utf8)
        let pattern = String(decoding: Array(repeating: unit, count: 17).joined(), as: UTF8.self)
        var body: [UInt8] = []
        for _ in 0..<1000 { body += Array("ABC".utf8) + Array(pattern.utf8) + Array("XYZ".utf8) }
        let patterns = SubFilterPatterns([Array(pattern.utf8)], lines: [0])
        var m = SubFilterMatcher(patterns, once: false)
        var count = 0, text = 0
        var i = 0
        while i < body.count {   // odd piece sizes, so matches straddle pieces
            let end = min(body.count, i + 997)
            Array(body[i..<end]).withByteView { v in m.feed(v) { o in
                if case .text(let t) = o { text += t.count } else { count += 1 } } }
            i = end
        }
        m.finish { o in if case .text(let t) = o { text += t.count } }
        #expect(count == 1000)
        #expect(text == 6000)
    }
}
