/// Whether two byte runs are equal, read eight bytes at a time and without an early exit: the signed-cookie
/// cache compares every request's cookie with a value it verified, and the generic element loop cost ten
/// instructions a byte (callgrind). Constant time in the contents, so the compare says nothing about how much of
/// another client's cookie a forger has guessed.
enum BytesEqual {
    static func same(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in
                var diff: UInt64 = 0
                var i = 0
                let n = pa.count
                while i + 8 <= n {
                    diff |= pa.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                        ^ pb.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    i += 8
                }
                while i < n {
                    diff |= UInt64(pa[i] ^ pb[i])
                    i += 1
                }
                return diff == 0
            }
        }
    }
}
