import HTTP1
import ASCIIBytes
/// Small byte helpers for building heads and log lines without String on the hot path.
enum Bytes {
    /// Seconds with three decimals from nanoseconds, as nginx prints `$request_time`.
    static func appendMillisAsSeconds(nanos: UInt64, to out: inout [UInt8]) {
        let ms = Int64(nanos / 1_000_000)
        ASCIIDecimal.append(ms / 1000, to: &out)
        out.append(UInt8(ascii: "."))
        let frac = ms % 1000
        if frac < 100 { out.append(48) }
        if frac < 10 { out.append(48) }
        ASCIIDecimal.append(frac, to: &out)
    }

    /// Lower-case hex digits of a non-negative value (nginx's ETag parts); digits computed, no table array.
    static func appendHex(_ value: Int, to out: inout [UInt8]) {
        if value == 0 { out.append(48); return }
        var shift = (Int.bitWidth - value.leadingZeroBitCount + 3) / 4 * 4
        while shift > 0 {
            shift -= 4
            let d = UInt8(truncatingIfNeeded: (value >> shift) & 0xf)
            out.append(d < 10 ? 48 + d : 87 + d)
        }
    }

    static func firstIndex<C: Collection<UInt8>>(of needle: [UInt8], in hay: C) -> C.Index? where C.Index == Int {
        guard !needle.isEmpty, hay.count >= needle.count else { return nil }
        var i = hay.startIndex
        let last = hay.endIndex - needle.count
        while i <= last {
            if hay[i] == needle[0] {
                var j = 1
                while j < needle.count && hay[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}

extension Array where Element == UInt8 {
    /// Appends a literal without building a temporary array.
    /// Line end and field separator: two single-byte appends (a literal array would be built and walked).
    @inline(__always)
    mutating func appendCRLF() { append(13); append(10) }

    @inline(__always)
    mutating func appendColonSpace() { append(58); append(32) }

    @inline(__always)
    mutating func append(static s: StaticString) {
        append(contentsOf: s.buffer)
    }
}

/// A small set of lower-case header names, matched case-insensitively against raw header bytes with no
/// allocation (a Set<[UInt8]> needs a lower-cased copy of every name it is asked about). The names sit in
/// one flat array (walking an array of arrays retains each element), and a mask of their lengths rejects
/// most names without touching the bytes at all.
struct NameSet: Sendable {
    private struct Span { let start: Int; let count: Int }
    private let flat: [UInt8]
    private let spans: [Span]
    private let lengths: UInt64   // bit n: some name has n bytes (n >= 63: bit 63)

    init(_ names: [String]) { self.init(bytes: names.map { Array($0.utf8) }) }

    init(bytes names: [[UInt8]]) {
        var flat: [UInt8] = [], spans: [Span] = [], lengths: UInt64 = 0
        for n in names where !n.isEmpty {
            spans.append(Span(start: flat.count, count: n.count))
            flat += n.map(ASCII.lower)
            lengths |= 1 << UInt64(min(n.count, 63))
        }
        self.flat = flat; self.spans = spans; self.lengths = lengths
    }

    /// Whether `bytes[range]` is one of the names: the form for header fields, which are ranges of a head's
    /// bytes (no slice, so no reference counting per lookup).
    func contains(_ bytes: [UInt8], _ range: ByteRange) -> Bool {
        let n = range.end - range.start
        guard n > 0, lengths & (1 << UInt64(min(n, 63))) != 0 else { return false }
        let first = ASCII.lower(bytes[range.start])
        for s in spans where s.count == n && flat[s.start] == first {
            var i = 1
            while i < n && ASCII.lower(bytes[range.start + i]) == flat[s.start + i] { i += 1 }
            if i == n { return true }
        }
        return false
    }

    func contains<C: Collection<UInt8>>(_ name: C) -> Bool {
        let n = name.count
        guard lengths & (1 << UInt64(min(n, 63))) != 0, let f = name.first else { return false }
        let first = ASCII.lower(f)
        for s in spans where s.count == n && flat[s.start] == first {
            var i = s.start, same = true
            for c in name {
                if ASCII.lower(c) != flat[i] { same = false; break }
                i += 1
            }
            if same { return true }
        }
        return false
    }
}
