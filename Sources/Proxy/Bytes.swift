import HTTP1
/// Small byte helpers for building heads and log lines without String on the hot path.
enum Bytes {
    @inline(__always) static func lower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c | 0x20 : c }

    static func equalsIgnoringCase<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where lower(x) != lower(y) { return false }
        return true
    }

    static func lowercased<C: Collection<UInt8>>(_ a: C) -> [UInt8] { a.map(lower) }

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

    static func appendHex(_ value: Int, to out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        if value == 0 { out.append(48); return }
        var shift = (Int.bitWidth - value.leadingZeroBitCount + 3) / 4 * 4
        while shift > 0 { shift -= 4; out.append(hex[(value >> shift) & 0xf]) }
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
    @inline(__always)
    mutating func append(static s: StaticString) {
        append(contentsOf: UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }
}

/// A small set of lower-case header names, matched case-insensitively against raw header bytes with no
/// allocation (a Set<[UInt8]> needs a lower-cased copy of every name it is asked about).
struct NameSet: Sendable {
    private let names: [[UInt8]]

    init(_ names: [String]) { self.names = names.map { Array($0.lowercased().utf8) } }
    init(bytes: [[UInt8]]) { names = bytes.map(Bytes.lowercased) }

    func contains<C: Collection<UInt8>>(_ name: C) -> Bool {
        let n = name.count
        guard let f = name.first else { return false }
        let first = Bytes.lower(f)
        for candidate in names where candidate.count == n && candidate[0] == first {
            if Bytes.equalsIgnoringCase(name, candidate) { return true }
        }
        return false
    }
}
