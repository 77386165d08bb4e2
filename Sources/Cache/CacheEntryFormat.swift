/// The on-disk layout of one cache entry (ours, not nginx's; version 4). Little-endian:
///
/// ```
///  0 magic "SWYC"     4 version u32     8 flags u32      12 checksum u32 (FNV-1a, see below)
/// 16 key MD5 [16]    32 vary hash [16]
/// 48 valid-until i64 56 last-modified i64 (-1: none)     64 stored-at i64
/// 72 body length u64 80 key length u32  84 head length u32 88 etag length u16  90 vary length u16
/// 92 initial age u32 96 body id u64     104 gzip parameters u32  108 variant line u32
/// 112 key text, etag, vary names ("a,b"), response head bytes, then the body
/// ```
///
/// The checksum covers every byte before the body except itself, the body length (written last,
/// at commit) and valid-until (rewritten in place when a 304 revalidates the entry: one aligned
/// 8-byte `pwrite`, so a concurrent reader sees the old or the new time, never a torn header). A reader rejects the entry as corrupt unless magic, version, lengths, checksum,
/// key (MD5 of the key text must equal the digest, nginx's collision check) and the exact file size
/// (header + body length: catches truncation) all agree.
///
/// Version 3 (RFC 9111 ages) added the initial age and stores heads without `Age`, `Connection` and the fields
/// it names. Version 4 (gzip compressed once) added the body id, which a gzip variant entry (flag `gzipVariant`,
/// stored under `CacheKey.gzipVariant`) shares with the entry it was compressed from, and the zlib parameters it
/// was compressed with. An older file is not ours any more: the loader removes it, a lookup finds it corrupt (a MISS).
public enum CacheEntryFormat {
    public static let magic: [UInt8] = Array("SWYC".utf8)
    public static let version: UInt32 = 4
    public static let fixedSize = 112
    static let bodyLengthOffset = 72
    static let validUntilOffset = 48
    static let maxHeadLength = 1 << 20

    /// Everything before the body, with the body length field set to `bodyLength`.
    public static func prefix(_ meta: CacheEntryMeta, head: [UInt8], bodyLength: UInt64 = 0) -> [UInt8] {
        let vary = Array(meta.varyNames.joined(separator: [UInt8(ascii: ",")]))
        var out: [UInt8] = []
        out.reserveCapacity(fixedSize + meta.key.text.count + meta.etag.count + vary.count + head.count)
        out += magic
        put(&out, UInt64(version), 4)
        put(&out, UInt64(meta.flags.rawValue), 4)
        put(&out, 0, 4)  // checksum, filled below
        out += meta.key.digest.bytes
        out += meta.varyHash.bytes
        put(&out, 0, 8)  // valid-until, outside the checksum
        put(&out, UInt64(bitPattern: meta.lastModified ?? -1), 8)
        put(&out, UInt64(bitPattern: meta.storedAt), 8)
        put(&out, 0, 8)  // body length, outside the checksum
        put(&out, UInt64(meta.key.text.count), 4)
        put(&out, UInt64(head.count), 4)
        put(&out, UInt64(meta.etag.count), 2)
        put(&out, UInt64(vary.count), 2)
        put(&out, UInt64(min(max(meta.initialAge, 0), CacheAge.maxDelta)), 4)
        put(&out, meta.bodyID, 8)
        put(&out, UInt64(meta.gzipParameters), 4)
        put(&out, UInt64(meta.variantLine), 4)   // was a zero field: older entries read 0
        out += meta.key.text
        out += meta.etag
        out += vary
        out += head
        let sum = checksum(out)
        for i in 0..<4 { out[12 + i] = UInt8(truncatingIfNeeded: sum >> (8 * UInt32(i))) }
        for i in 0..<8 { out[bodyLengthOffset + i] = UInt8(truncatingIfNeeded: bodyLength >> (8 * UInt64(i))) }
        let valid = UInt64(bitPattern: meta.validUntil)
        for i in 0..<8 { out[validUntilOffset + i] = UInt8(truncatingIfNeeded: valid >> (8 * UInt64(i))) }
        return out
    }

    /// The 8 bytes to write at `bodyLengthOffset` on commit.
    static func bodyLengthBytes(_ n: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) }
    }

    /// The 8 bytes to write at `validUntilOffset` when a revalidation extends the entry.
    static func validUntilBytes(_ t: Int64) -> [UInt8] { bodyLengthBytes(UInt64(bitPattern: t)) }

    public struct Layout: Sendable, Equatable {
        public var meta: CacheEntryMeta
        public var head: [UInt8]
        public var bodyOffset: Int
        public var bodyLength: Int
    }

    /// Reads the fixed header: how many bytes the whole prefix (fixed + variable) takes, or nil if
    /// the fixed header is not ours.
    static func prefixLength(_ fixed: [UInt8]) -> Int? {
        guard fixed.count >= fixedSize, Array(fixed[0..<4]) == magic, get(fixed, 4, 4) == UInt64(version) else {
            return nil
        }
        let keyLen = Int(get(fixed, 80, 4))
        let headLen = Int(get(fixed, 84, 4))
        let etagLen = Int(get(fixed, 88, 2))
        let varyLen = Int(get(fixed, 90, 2))
        guard keyLen <= 65_535, headLen <= maxHeadLength else { return nil }
        return fixedSize + keyLen + etagLen + varyLen + headLen
    }

    /// Validates a complete prefix against the file size (and the digest the file is named by).
    public static func decode(prefix p: [UInt8], fileSize: Int, expected: CacheDigest?) -> Layout? {
        guard let total = prefixLength(p), p.count == total else { return nil }
        var zeroed = p
        for i in 12..<16 { zeroed[i] = 0 }
        for i in bodyLengthOffset..<(bodyLengthOffset + 8) { zeroed[i] = 0 }
        for i in validUntilOffset..<(validUntilOffset + 8) { zeroed[i] = 0 }
        guard UInt32(get(p, 12, 4)) == checksum(zeroed) else { return nil }
        let bodyLength = get(p, bodyLengthOffset, 8)
        guard bodyLength <= UInt64(Int.max), UInt64(fileSize) == UInt64(total) + bodyLength else { return nil }
        guard let digest = CacheDigest(bytes: p[16..<32]), let varyHash = CacheDigest(bytes: p[32..<48]) else { return nil }
        if let expected, expected != digest { return nil }
        let keyLen = Int(get(p, 80, 4))
        let headLen = Int(get(p, 84, 4))
        let etagLen = Int(get(p, 88, 2))
        let varyLen = Int(get(p, 90, 2))
        var at = fixedSize
        let keyText = Array(p[at..<at + keyLen]); at += keyLen
        let etag = Array(p[at..<at + etagLen]); at += etagLen
        let vary = p[at..<at + varyLen]; at += varyLen
        let head = Array(p[at..<at + headLen])
        let key = CacheKey(keyText)
        let flags = CacheEntryMeta.Flags(rawValue: UInt32(get(p, 8, 4)))
        // A different key text with the same MD5 would be another resource: never serve it.
        guard key.digest == digest || isVariant(p) || flags.contains(.gzipVariant) else { return nil }
        let lm = Int64(bitPattern: get(p, 56, 8))
        var meta = CacheEntryMeta(
            key: key, validUntil: Int64(bitPattern: get(p, 48, 8)), lastModified: lm < 0 ? nil : lm, etag: etag,
            storedAt: Int64(bitPattern: get(p, 64, 8)),
            varyNames: vary.isEmpty ? [] : vary.split(separator: UInt8(ascii: ",")).map(Array.init),
            varyHash: varyHash, flags: flags)
        meta.initialAge = Int64(get(p, 92, 4))
        meta.bodyID = get(p, 96, 8)
        meta.gzipParameters = UInt32(get(p, 104, 4))
        meta.variantLine = UInt32(get(p, 108, 4))
        // The file is the main key's, a secondary key's (`key.variant(varyHash)`), or either one's gzip variant.
        if key.digest != digest && !(flags.contains(.gzipVariant) && key.gzipVariant.digest == digest) {
            meta.key = key.variant(varyHash)
        }
        if flags.contains(.gzipVariant) && meta.key.digest != digest { meta.key = meta.key.gzipVariant }
        guard meta.key.digest == digest else { return nil }
        return Layout(meta: meta, head: head, bodyOffset: total, bodyLength: Int(bodyLength))
    }

    /// A variant entry is stored under `key.variant(varyHash)`; its key text is the main key's.
    private static func isVariant(_ p: [UInt8]) -> Bool { Array(p[32..<48]) != CacheVary.none.bytes }

    private static func put(_ out: inout [UInt8], _ v: UInt64, _ n: Int) {
        for i in 0..<n { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }

    static func get(_ p: [UInt8], _ at: Int, _ n: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in (0..<n).reversed() { v = v << 8 | UInt64(p[at + i]) }
        return v
    }

    /// FNV-1a, 32-bit: cheap, and enough to tell a damaged header from a good one.
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var h: UInt32 = 0x811C_9DC5
        for b in bytes { h = (h ^ UInt32(b)) &* 0x0100_0193 }
        return h
    }
}
