import ASCIIBytes

/// RFC 9111 §4.4: a non-error response to an unsafe request invalidates what the cache stores for its URI, and for
/// the URIs its `Location` and `Content-Location` name on the same host.
///
///     CacheInvalidation.isSafe(Array("POST".utf8))                                       // false
///     CacheInvalidation.keys(requestKey: Array("httpbackend/a?x".utf8), requestURI: Array("/a?x".utf8),
///                            host: Array("example.com".utf8), locations: [Array("http://example.com/b".utf8)])
///     // the keys "httpbackend/a?x" and "httpbackend/b"
public enum CacheInvalidation {
    /// RFC 9110 §9.2.1's safe methods; any other method is "not known to be safe".
    public static func isSafe(_ method: [UInt8]) -> Bool {
        safe.contains(method)
    }
    private static let safe: [[UInt8]] = ["GET", "HEAD", "OPTIONS", "TRACE"].map { Array($0.utf8) }

    /// A non-error status (2xx, 3xx) invalidates.
    public static func invalidates(status: Int) -> Bool { status >= 200 && status < 400 }

    /// The keys to drop: the request's own, and for each same-host `locations` value the request's key with its URI
    /// (the key's suffix, as in the default `$scheme$proxy_host$request_uri`) replaced by that URI's path and query.
    /// A key that does not end with the request URI gives no keys for the locations.
    public static func keys(requestKey: [UInt8], requestURI: [UInt8], host: [UInt8], locations: [[UInt8]]) -> [CacheKey] {
        var out = [CacheKey(requestKey)]
        guard !requestURI.isEmpty, requestKey.count >= requestURI.count,
              requestKey[(requestKey.count - requestURI.count)...].elementsEqual(requestURI) else { return out }
        let prefix = requestKey[..<(requestKey.count - requestURI.count)]
        for value in locations {
            guard let path = sameHostPath(ASCII.trim(value[...]), host: host) else { continue }
            let key = Array(prefix) + path
            if !out.contains(where: { $0.text == key }) { out.append(CacheKey(key)) }
        }
        return out
    }

    /// The path and query of a `Location` / `Content-Location` value on `host`: an absolute path (`/b?x`), or an
    /// `http`/`https` URI whose authority is the host (a port allowed); nil for another host or anything else.
    static func sameHostPath(_ v: ArraySlice<UInt8>, host: [UInt8]) -> [UInt8]? {
        if v.first == UInt8(ascii: "/") {
            return v.dropFirst().first == UInt8(ascii: "/") ? nil : stripFragment(v)
        }
        let lower = ASCII.lowercased(v)
        var rest: ArraySlice<UInt8>
        if lower.starts(with: Array("http://".utf8)) { rest = v.dropFirst(7) }
        else if lower.starts(with: Array("https://".utf8)) { rest = v.dropFirst(8) }
        else { return nil }
        let slash = rest.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) ?? rest.endIndex
        var authority = rest[rest.startIndex..<slash]
        if authority.last != UInt8(ascii: "]"), let colon = authority.lastIndex(of: UInt8(ascii: ":")) {
            authority = authority[authority.startIndex..<colon]
        }
        guard !host.isEmpty, ASCII.equalsIgnoringCase(authority, host) else { return nil }
        rest = rest[slash...]
        if rest.isEmpty { return [UInt8(ascii: "/")] }
        if rest.first == UInt8(ascii: "?") { return [UInt8(ascii: "/")] + stripFragment(rest) }
        return stripFragment(rest)
    }

    private static func stripFragment(_ v: ArraySlice<UInt8>) -> [UInt8] {
        Array(v[v.startIndex..<(v.firstIndex(of: UInt8(ascii: "#")) ?? v.endIndex)])
    }
}
