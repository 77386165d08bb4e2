/// `gzip*` directives (ngx_http_gzip_module).
public struct GzipSettings: Sendable {
    @Setting public var enabled: Bool = false
    /// MIME types to compress; `text/html` is always included, `*` means any.
    @Setting public var types: Set<String> = ["text/html"]
    @Setting public var minLength: Int = 20
    @Setting public var compLevel: Int = 1
    @Setting public var httpVersion: HTTPVersion = .http11
    @Setting public var vary: Bool = false
    /// `gzip_proxied`; `[.off]` by default.
    @Setting public var proxied: Set<GzipProxied> = [.off]
    /// `gzip_disable` patterns (`msie6` is nginx's special name); regexes are validated at load.
    @Setting public var disable: [String] = []
    @Setting public var buffers = BufferCount(count: 32, size: 4096)
    /// `gzip_window` as zlib's window bits (512 → 9 … 32k → 15) and `gzip_hash` as its memLevel (512 → 0 …
    /// 128k → 8), as nginx turns them; each response may then shrink them (GzipMemory).
    @Setting public var windowBits: Int = 15
    @Setting public var memLevel: Int = 8
    /// `gzip_static` (ngx_http_gzip_static_module): send `FILE.gz` for `FILE`.
    @Setting public var staticMode: GzipStaticMode = .off
    /// `gunzip` (ngx_http_gunzip_module): inflate a gzip-encoded response for clients that do not accept gzip.
    @Setting public var gunzip: Bool = false
    /// `gunzip_buffers`: number × size is the inflated output made before the client must take it (GunzipStage).
    @Setting public var gunzipBuffers = BufferCount(count: 32, size: 4096)

    public init() {}
}

/// `gzip_static off|on|always`: `on` sends `FILE.gz` to clients the gzip checks accept, `always` to every client.
public enum GzipStaticMode: String, Sendable, Equatable {
    case off, on, always
}

/// `gzip_http_version 1.0|1.1`, `proxy_http_version 1.0|1.1`.
public enum HTTPVersion: String, Sendable, Equatable {
    case http10 = "1.0"
    case http11 = "1.1"
}

/// `gzip_proxied` parameters.
public enum GzipProxied: String, Sendable, CaseIterable {
    case off, expired, any, auth
    case noCache = "no-cache"
    case noStore = "no-store"
    case `private`
    case noLastModified = "no_last_modified"
    case noEtag = "no_etag"
}
