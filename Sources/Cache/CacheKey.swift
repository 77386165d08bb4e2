import Digest
/// The 16-byte MD5 of a cache key: what the index, the file name and the entry header all use.
public struct CacheDigest: Sendable, Hashable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var h: UInt64 = 0
        var l: UInt64 = 0
        for (i, b) in bytes.enumerated() {
            if i < 8 { h = h << 8 | UInt64(b) } else { l = l << 8 | UInt64(b) }
        }
        high = h
        low = l
    }

    /// From the 32 lowercase hex characters of a cache file name; nil if it is not one.
    public init?(hex: some Collection<UInt8>) {
        guard hex.count == 32, let raw = Hex.decode(hex) else { return nil }
        self.init(bytes: raw)
    }

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64($0))) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64($0))) }
    }

    public var hex: String { String(decoding: Hex.encode(bytes), as: UTF8.self) }
    public var description: String { hex }
}

/// A cache key: the evaluated `proxy_cache_key` bytes and their MD5.
///
///     let key = CacheKey(Array("localhost/index.html".utf8))
///     key.relativePath(levels: CacheLevels([1, 2])!)  // "c/29/b7f54b2df7773722d382f4809d65029c" style
public struct CacheKey: Sendable, Hashable {
    public let text: [UInt8]
    public let digest: CacheDigest

    public init(_ text: [UInt8]) {
        self.text = text
        digest = CacheDigest(bytes: MD5.digest(text))!
    }

    /// The key of one `Vary` variant: nginx re-hashes the main key's MD5 with the variant's hash so
    /// responses that differ by `Accept-Encoding`, `Cookie`, … live in separate files.
    public func variant(_ varyHash: CacheDigest) -> CacheKey {
        CacheKey(text: text, digest: CacheDigest(bytes: MD5.digest(digest.bytes + varyHash.bytes))!)
    }

    /// The key of this key's gzip variant (`CacheEntryMeta.Flags.gzipVariant`): the digest with fixed bits flipped,
    /// no hashing on a HIT. Another key's MD5 landing there is as unlikely as an MD5 collision, and the entry's
    /// key text and flag are checked on read anyway.
    public var gzipVariant: CacheKey {
        CacheKey(text: text, digest: CacheDigest(high: digest.high ^ 0x677A_6970_5F76_6172, low: digest.low ^ 0x6961_6E74_5F76_3031))
    }

    private init(text: [UInt8], digest: CacheDigest) {
        self.text = text
        self.digest = digest
    }

    public func relativePath(levels: CacheLevels) -> String { levels.relativePath(for: digest) }
}

/// `levels=1:2`: directory name lengths, taken from the END of the hex name, as nginx lays files out:
/// `…/c/29/b7f54b2df7773722d382f4809d65029c` (last char, then the two before it).
public struct CacheLevels: Sendable, Hashable {
    public let lengths: [Int]

    /// 1 to 3 levels of 1 or 2 characters each (nginx's limits); nil otherwise.
    public init?(_ lengths: [Int]) {
        guard lengths.count <= 3, lengths.allSatisfy({ $0 == 1 || $0 == 2 }) else { return nil }
        self.lengths = lengths
    }

    /// Parses `1:2`.
    public init?(parameter: String) {
        var parts: [Int] = []
        for p in parameter.split(separator: ":", omittingEmptySubsequences: false) {
            guard let n = Int(p) else { return nil }
            parts.append(n)
        }
        self.init(parts)
    }

    public func directories(for digest: CacheDigest) -> [String] {
        let hex = Array(digest.hex.utf8)
        var end = hex.count
        var dirs: [String] = []
        for n in lengths {
            dirs.append(String(decoding: hex[(end - n)..<end], as: UTF8.self))
            end -= n
        }
        return dirs
    }

    public func relativePath(for digest: CacheDigest) -> String {
        (directories(for: digest) + [digest.hex]).joined(separator: "/")
    }
}
