import HTTP1

/// `$upstream_cache_status`, as nginx spells it in logs and `add_header`.
///
///     CacheStatus.hit.rawValue  // "HIT"
public enum CacheStatus: String, Sendable, CaseIterable {
    /// Not found (or not yet `min_uses`), fetched from upstream.
    case miss = "MISS"
    /// `proxy_cache_bypass` was true.
    case bypass = "BYPASS"
    /// Found but stale, fetched again.
    case expired = "EXPIRED"
    /// Stale entry served because of `proxy_cache_use_stale` (upstream error, timeout, ...).
    case stale = "STALE"
    /// Stale entry served while another request refreshes it (`use_stale updating`).
    case updating = "UPDATING"
    /// Stale entry confirmed by a 304 from upstream (`proxy_cache_revalidate`).
    case revalidated = "REVALIDATED"
    /// Fresh entry served from the cache.
    case hit = "HIT"
}

/// `proxy_cache_revalidate on`: the conditional headers to send upstream for a stale entry, so a
/// 304 can refresh it without transferring the body.
///
///     CacheRevalidation.headers(for: meta)  // [("If-Modified-Since", "Sun, 06 Nov …"), ("If-None-Match", "\"v1\"")]
public enum CacheRevalidation {
    public static func headers(for meta: CacheEntryMeta) -> [(name: String, value: [UInt8])] {
        var out: [(name: String, value: [UInt8])] = []
        if let lm = meta.lastModified { out.append(("If-Modified-Since", HTTPDate.imfFixdate(lm))) }
        if !meta.etag.isEmpty { out.append(("If-None-Match", meta.etag)) }
        return out
    }

    /// Is the entry fresh at `now` (a HIT) or stale (EXPIRED / STALE / UPDATING / REVALIDATED)?
    public static func isFresh(_ validUntil: Int64, now: Int64) -> Bool { now < validUntil }
}
