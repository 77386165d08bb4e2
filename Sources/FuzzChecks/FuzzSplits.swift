/// Where to cut an input when feeding it in pieces: derived from the input's own bytes, so a crash input
/// replays with the same cuts. Cut lists are strictly increasing and end at `count`.
enum FuzzSplits {
    /// FNV-1a of the input: a cheap, stable seed for the cut positions.
    static func seed<C: Collection<UInt8>>(_ bytes: C) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// The cut lists every check runs: one byte per piece (inputs up to `byteWiseLimit` bytes; beyond, the
    /// first `byteWiseLimit` bytes one by one and the rest whole), then 2, 5 and 17 random pieces.
    static let byteWiseLimit = 256

    static func cutLists(count: Int, seed: UInt64) -> [[Int]] {
        guard count > 1 else { return [[count]] }
        var byteWise = Array(1...min(count, byteWiseLimit))
        if count > byteWiseLimit { byteWise.append(count) }
        var lists: [[Int]] = [byteWise]
        var state = seed
        for pieces in [2, 5, 17] where pieces <= count {
            var cuts: Set<Int> = [count]
            for _ in 1..<pieces {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                cuts.insert(1 + Int((state >> 33) % UInt64(count - 1)))
            }
            lists.append(cuts.sorted())
        }
        return lists
    }
}
