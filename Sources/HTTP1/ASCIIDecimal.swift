/// Decimal conversions without String: parse for Content-Length, format for writers.
public enum ASCIIDecimal {
    /// A non-empty run of ASCII digits as Int64; nil for signs, spaces, other bytes or overflow
    /// (nginx's `ngx_atoof` semantics).
    @inlinable
    public static func parseInt64<C: Collection<UInt8>>(_ bytes: C) -> Int64? {
        guard !bytes.isEmpty else { return nil }
        var n: Int64 = 0
        for b in bytes {
            let d = b &- 48
            guard d < 10 else { return nil }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(d))
            if o1 || o2 { return nil }
            n = s
        }
        return n
    }

    /// Appends `value` in decimal, e.g. `-42` → "-42".
    @inlinable
    public static func append(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 {
            out.append(45)
        }
        // Work with the magnitude as UInt64 so Int64.min does not overflow.
        var m = value.magnitude
        if m < 10 {
            out.append(UInt8(m) &+ 48)
            return
        }
        // Count digits first, then fill right to left in place: no scratch buffer.
        var count = 0
        var p = m
        while p > 0 { count += 1; p /= 10 }
        let start = out.count
        out.append(contentsOf: repeatElement(48, count: count))
        var i = start + count - 1
        while m > 0 {
            out[i] = UInt8(m % 10) &+ 48
            m /= 10
            i -= 1
        }
    }

    /// Appends `value` in decimal.
    @inlinable
    public static func append(_ value: Int, to out: inout [UInt8]) {
        append(Int64(value), to: &out)
    }
}
