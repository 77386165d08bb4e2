import ASCIIBytes

/// The search strings of a `sub_filter` set, lowercased, in configuration order, with a table of the strings that
/// start with each byte (so the search skips bytes that start none). Made once at load when no string has
/// variables, else per response. Each string remembers which `sub_filter` line (replacement) it belongs to.
final class SubFilterPatterns: Sendable {
    let patterns: [[UInt8]]
    /// For pattern i, the index of its `sub_filter` line (dynamic strings that evaluate empty are left out).
    let lines: [Int]
    let longest: Int
    /// `order[starts[b] ..< starts[b + 1]]`: the patterns whose first byte is `b`, in configuration order.
    private let starts: [Int]
    private let order: [Int]

    /// `strings` must be non-empty each; they are lowercased here.
    init(_ strings: [[UInt8]], lines: [Int]) {
        patterns = strings.map { ASCII.lowercased($0) }
        self.lines = lines
        longest = patterns.map(\.count).max() ?? 0
        var buckets = [[Int]](repeating: [], count: 256)
        for (i, p) in patterns.enumerated() { buckets[Int(p[0])].append(i) }
        var s = [Int](); s.reserveCapacity(257)
        var o = [Int]()
        for b in buckets { s.append(o.count); o.append(contentsOf: b) }
        s.append(o.count)
        starts = s
        order = o
    }

    @inline(__always) func candidates(_ lowered: UInt8) -> Range<Int> { starts[Int(lowered)] ..< starts[Int(lowered) + 1] }
    @inline(__always) func candidate(_ i: Int) -> Int { order[i] }
}
