// Deterministic inputs for the codec tests: the same bytes on every run, so a failure reproduces.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum TestData {
    static func random(_ count: Int, seed: UInt64 = 7) -> [UInt8] {
        var rng = SplitMix64(state: seed)
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    /// Compressible text: an HTML-ish page with repeated structure.
    static func text(_ count: Int) -> [UInt8] {
        let line = Array("<tr><td class=\"session\">JSESSIONID=8F3A0C2.tomcat1</td><td>served by switchyard</td></tr>\n".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var i = 0
        while out.count < count {
            out.append(contentsOf: line)
            out.append(contentsOf: Array(String(i).utf8))
            i += 1
        }
        return Array(out.prefix(count))
    }
}
