import HTTP1
import Testing

/// The charset filter's codec (nginx's ngx_http_charset_filter_module tables and recoding) without sockets: maps
/// both ways, UTF-8 split at every point, characters a map lacks, bytes that are not UTF-8.
@Suite struct CharsetRecoderTests {
    /// koi8-r's "ф" (0xc6) is U+0444 (d1 84); windows-1251's is 0xf4.
    static let koiUTF = CharsetTable.pair(utf8: true, lines: [(0xc6, [0xd1, 0x84]), (0xa3, [0xd1, 0x91])])
    static let koiWin = CharsetTable.pair(utf8: false, lines: [(0xc6, [0xf4]), (0x58, [0x59])])

    static func run(_ table: CharsetTable, _ pieces: [[UInt8]]) -> [UInt8] {
        var r = CharsetRecoder(table)
        var out: [UInt8] = []
        for p in pieces { r.recode(p, into: &out) }
        return out
    }

    @Test func eightBitBothWays() {
        let (forward, reverse) = Self.koiWin
        #expect(!forward.changesLength)
        #expect(Self.run(forward, [[0x41, 0xc6, 0x58, 0xff]]) == [0x41, 0xf4, 0x59, UInt8(ascii: "?")])   // unmapped: ?
        #expect(Self.run(reverse, [[0xf4, 0x59, 0x58, 0xe0]]) == [0xc6, 0x58, 0x58, 0x3f])
    }

    @Test func toUTF8ChangesTheLength() {
        let (forward, _) = Self.koiUTF
        #expect(forward.changesLength)
        #expect(Self.run(forward, [[0x61, 0xc6, 0xa3], [0x80]]) == [0x61, 0xd1, 0x84, 0xd1, 0x91, UInt8(ascii: "?")])
    }

    @Test func fromUTF8WithEntitiesForWhatTheMapLacks() {
        let (_, reverse) = Self.koiUTF
        // ф, é (U+00E9: not in the map), 😀 (U+1F600), then a lone continuation byte.
        let input: [UInt8] = [0xd1, 0x84] + [0xc3, 0xa9] + [0xf0, 0x9f, 0x98, 0x80] + [0x80, 0x41]
        #expect(Self.run(reverse, [input]) == [0xc6] + Array("&#233;&#128512;?A".utf8))
    }

    /// Every split of a UTF-8 text gives the same bytes as the whole: a character cut between pieces is held.
    @Test func splitAtEveryPoint() {
        let (_, reverse) = Self.koiUTF
        let input: [UInt8] = Array("a".utf8) + [0xd1, 0x84] + [0xe2, 0x82, 0xac] + [0xf0, 0x9f, 0x98, 0x80] + [0xd1, 0x91, 0x7a]
        let whole = Self.run(reverse, [input])
        #expect(whole == Array("a".utf8) + [0xc6] + Array("&#8364;&#128512;".utf8) + [0xa3, 0x7a])
        for i in 0...input.count {
            for j in i...input.count {
                let pieces = [Array(input[..<i]), Array(input[i..<j]), Array(input[j...])]
                #expect(Self.run(reverse, pieces) == whole, "split at \(i), \(j)")
            }
        }
        // One byte at a time.
        #expect(Self.run(reverse, input.map { [$0] }) == whole)
    }

    /// An incomplete character at the end of the body is dropped (nginx's filter holds it and the body ends).
    @Test func anIncompleteCharacterAtTheEndIsDropped() {
        let (_, reverse) = Self.koiUTF
        #expect(Self.run(reverse, [[0x41, 0xd1]]) == [0x41])
        #expect(Self.run(reverse, [[0x41, 0xe2, 0x82]]) == [0x41])
    }

    /// nginx's decoder: overlong forms and a sequence broken by an ASCII byte are `?` (the ASCII byte goes with it).
    @Test func invalidUTF8() {
        let (_, reverse) = Self.koiUTF
        #expect(Self.run(reverse, [[0xc0, 0x80]]) == [0x3f, 0x3f])    // 0xc0 is never a lead byte
        #expect(Self.run(reverse, [[0xe0, 0x80, 0x80]]) == [0x3f])    // overlong
        #expect(Self.run(reverse, [[0xd1, 0x41, 0x42]]) == [0x3f, 0x42])
        #expect(Self.run(reverse, [[0xd1], [0x41, 0x42]]) == [0x3f, 0x42])   // the same across pieces
        #expect(UTF8Decode.scalar([0xd1, 0x84]) == 0x444)
        #expect(UTF8Decode.scalar([0x41]) == nil)
    }

    @Test func laterLinesWinAndTheReverseFollows() {
        let (forward, reverse) = CharsetTable.pair(utf8: false, lines: [(0x80, [0x90]), (0x80, [0x91])])
        #expect(Self.run(forward, [[0x80]]) == [0x91])
        #expect(Self.run(reverse, [[0x91, 0x90]]) == [0x80, 0x80])
    }
}
