import Deflate
import Testing

@Suite struct GzipMemoryTests {
    /// Expected values follow nginx's rule: shrink while length < (1 << (wbits - 1)) - 262.
    @Test(arguments: [
        (nil, 15, 8),
        (0, 15, 8),           // unknown/zero length: nginx keeps the configured sizes
        (1, 9, 2),
        (100, 9, 2),
        (249, 9, 2),
        (250, 10, 3),         // 250 is not below (1 << 9) - 262 = 250: stops at 10
        (761, 10, 3),
        (762, 11, 4),
        (1_000, 11, 4),
        (1_500, 11, 4),
        (1_786, 12, 5),       // (1 << 11) - 262 = 1786
        (16_122, 15, 8),      // (1 << 14) - 262 = 16122: the full window
        (10_000_000, 15, 8),
    ] as [(Int?, Int, Int)])
    func shrinksForSmallBodies(length: Int?, wbits: Int, mem: Int) {
        let p = GzipMemory.parameters(contentLength: length)
        #expect(p.windowBits == wbits)
        #expect(p.memLevel == mem)
    }

    @Test func memLevelNeverDropsBelowOne() {
        let p = GzipMemory.parameters(contentLength: 10, windowBits: 15, memLevel: 3)
        #expect(p == (9, 1))
    }

    @Test func footprintMatchesZlibFormula() {
        #expect(GzipMemory.deflateFootprint(windowBits: 15, memLevel: 8) == 8192 + 131_072 + 131_072)
    }
}
