/// What a cache entry knows besides its response head and body; stored in the entry file's header.
public struct CacheEntryMeta: Sendable, Equatable {
    public struct Flags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// May answer requests with `Authorization` (response had public / s-maxage / must-revalidate).
        public static let sharedWithAuthorization = Flags(rawValue: 1 << 0)
        /// The answer to a HEAD sent upstream as HEAD (`proxy_cache_convert_head off`): headers only,
        /// so it may answer HEAD requests but never a GET.
        public static let headOnly = Flags(rawValue: 1 << 1)
        /// The gzip-compressed body of another entry (`CacheKey.gzipVariant`, the same `bodyID`): served with that
        /// entry's head to requests whose gzip decision compresses, so a HIT never compresses again.
        public static let gzipVariant = Flags(rawValue: 1 << 2)
    }

    public var key: CacheKey
    /// Absolute Unix time until which the entry is fresh.
    public var validUntil: Int64
    /// `Last-Modified` as Unix time, for `proxy_cache_revalidate` (If-Modified-Since).
    public var lastModified: Int64?
    /// `ETag` bytes, for `proxy_cache_revalidate` (If-None-Match); empty when none.
    public var etag: [UInt8]
    /// When the entry was stored (Unix time), like nginx's `date` field: RFC 9111's response_time.
    public var storedAt: Int64
    /// The response's age when stored (RFC 9111 §4.2.3's corrected_initial_age, seconds): a HIT's `Age` is this
    /// plus the time since `storedAt` (`CacheAge.current`).
    public var initialAge: Int64 = 0
    /// Request headers the response varies on, lowercased and sorted (`CacheVary.names`).
    public var varyNames: [[UInt8]]
    /// `CacheVary.hash` of those request headers' values when the entry was stored.
    public var varyHash: CacheDigest
    public var flags: Flags
    /// Names the stored body (random, set when a response is stored, kept by a 304's update); a gzip variant carries
    /// the id of the body it was compressed from, so it is used only while that body is the one stored.
    public var bodyID: UInt64 = 0
    /// Which line of Vary variants the entry belongs to (`CacheVary.isCurrent`): a main entry stored where there was
    /// none draws a new one, one that replaces a live main entry keeps its; a secondary entry has its main entry's.
    public var variantLine: UInt32 = 0
    /// A gzip variant's zlib parameters (`CacheGzipVariant.parameters`); 0 for other entries.
    public var gzipParameters: UInt32 = 0

    public init(
        key: CacheKey, validUntil: Int64, lastModified: Int64? = nil, etag: [UInt8] = [], storedAt: Int64,
        varyNames: [[UInt8]] = [], varyHash: CacheDigest = CacheVary.none, flags: Flags = []
    ) {
        self.key = key
        self.validUntil = validUntil
        self.lastModified = lastModified
        self.etag = etag
        self.storedAt = storedAt
        self.varyNames = varyNames
        self.varyHash = varyHash
        self.flags = flags
    }
}
