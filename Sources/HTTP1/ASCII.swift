public import ASCIIBytes

/// The ASCII helpers that need HTTP1's types; the rest are in ASCIIBytes (one set for every module).
extension ASCII {
    /// Whether the field name at `range` of `bytes` is `lowercase` (a literal of lowercase letters, digits
    /// and `-`), ignoring case. Folds with `| 0x20`, exact for the token bytes a parsed field name holds.
    /// Concrete and inlined: generic header lookups cost thousands of instructions per call.
    @inlinable @inline(__always)
    public static func named(_ bytes: [UInt8], _ range: ByteRange, _ lowercase: StaticString) -> Bool {
        let n = lowercase.utf8CodeUnitCount
        guard range.end - range.start == n else { return false }
        let p = lowercase.utf8Start
        var i = 0
        while i < n {
            if bytes[range.start + i] | 0x20 != p[i] { return false }
            i += 1
        }
        return true
    }
}
