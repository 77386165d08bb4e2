/// HMAC-SHA256 (RFC 2104) with one key, its padded key blocks hashed once at creation: a MAC then costs the
/// message's blocks plus one block for the outer hash.
///
///     let mac = HMACSHA256(key: Array("secret".utf8))
///     mac.authenticate(Array("tomcat1.1767225600".utf8))   // 32 bytes
public struct HMACSHA256: Sendable {
    /// SHA-256 after the key XOR ipad block, and after the key XOR opad block.
    private let inner: SHA256
    private let outer: SHA256

    public init(key: [UInt8]) {
        // A key longer than a block is hashed first (RFC 2104 §2); a shorter one is padded with zeros.
        var block = key.count > SHA256.blockSize ? SHA256.digest(key) : key
        block += [UInt8](repeating: 0, count: SHA256.blockSize - block.count)
        var inner = SHA256()
        inner.update(block.map { $0 ^ 0x36 })
        var outer = SHA256()
        outer.update(block.map { $0 ^ 0x5c })
        self.inner = inner
        self.outer = outer
    }

    /// The 32-byte MAC of `message`.
    public func authenticate(_ message: [UInt8]) -> [UInt8] {
        var i = inner
        i.update(message)
        var o = outer
        o.update(i.finalize())
        return o.finalize()
    }

    public func authenticate(_ message: some Sequence<UInt8>) -> [UInt8] {
        authenticate(Array(message))
    }

    /// Compares two MACs in time that depends only on their lengths, so a forger learns nothing from how
    /// long a rejection took.
    public static func equal(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for (x, y) in zip(a, b) { diff |= x ^ y }
        return diff == 0
    }
}
