@testable import Proxy
import Testing

/// `location =` and server-name lookups: the same answers whether the table is compared in turn (small) or
/// hashed (large).
@Suite struct ByteKeyMapTests {
    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test(arguments: [3, ByteKeyMap<Int>.linearLimit, ByteKeyMap<Int>.linearLimit + 1, 40])
    func findsEveryKeyAndNothingElse(count: Int) {
        var table: [[UInt8]: Int] = [[]: -1]
        for i in 1..<count { table[Self.bytes("/k\(i)")] = i }
        let map = ByteKeyMap(table)
        for (k, v) in table { #expect(map[k] == v) }
        #expect(map[[]] == -1)                       // the empty name (a request without Host)
        #expect(map[Self.bytes("/k0")] == nil)       // same length, other bytes
        #expect(map[Self.bytes("/k1/")] == nil)      // a longer key with a stored one as its prefix
        #expect(map[Self.bytes("/")] == nil)
    }
}
