/// The gzip variant of a cache entry: its body compressed once, stored as an entry of its own beside it, so a HIT
/// that the gzip filter would compress sends stored compressed bytes instead (compress once, not per HIT).
///
///     let meta = CacheGzipVariant.meta(of: entry.meta, parameters: CacheGzipVariant.parameters(level: 1, windowBits: 15, memLevel: 8))
///     storage.beginWrite(meta, head: CacheGzipVariant.head(bodyLength: gz.count))
///     CacheGzipVariant.matches(variant.meta, entry.meta, parameters: p)   // still the same body, same settings?
///
/// The variant is found under `CacheKey.gzipVariant` and used only while it matches: the same `bodyID` (the entry
/// was not replaced by a new response since; a 304's update keeps the id, its body being the same) and the same
/// zlib parameters (another location's `gzip_comp_level` gets its own bytes). It is served with the entry's own
/// head; its stored head only frames its body.
public enum CacheGzipVariant {
    /// Level, window bits and memory level packed: what makes deflate's output what it is.
    public static func parameters(level: Int, windowBits: Int, memLevel: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: level & 0xFF) | UInt32(truncatingIfNeeded: windowBits & 0xFF) << 8
            | UInt32(truncatingIfNeeded: memLevel & 0xFF) << 16 | 1 << 24
    }

    /// The variant's entry metadata: the entry's, under the variant key, flagged, with the zlib parameters.
    public static func meta(of entry: CacheEntryMeta, parameters: UInt32) -> CacheEntryMeta {
        var m = entry
        m.key = entry.key.gzipVariant
        m.flags = [.gzipVariant]
        m.gzipParameters = parameters
        m.etag = []
        m.lastModified = nil
        m.varyNames = []   // the entry's hash stays: it names a secondary entry's key, for the loader (CacheEntryFormat)
        return m
    }

    /// The head stored with a variant: enough to frame the body (CacheHotEntry checks the length).
    public static func head(bodyLength: Int) -> [UInt8] {
        Array("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: \(bodyLength)\r\n\r\n".utf8)
    }

    /// May `variant` stand for `entry`'s body compressed with `parameters`?
    public static func matches(_ variant: CacheEntryMeta, _ entry: CacheEntryMeta, parameters: UInt32) -> Bool {
        variant.flags.contains(.gzipVariant) && entry.bodyID != 0 && variant.bodyID == entry.bodyID
            && variant.gzipParameters == parameters
    }
}
