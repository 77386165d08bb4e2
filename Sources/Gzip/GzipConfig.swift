import ASCIIBytes
/// The `gzip*` directives of one location, already parsed (the Config module builds it).
///
///     var c = GzipConfig(); c.enabled = true; c.types = GzipTypes(["text/css", "application/json"])
///     c.minLength = 1024; c.level = 9; c.vary = true      // the reference deployment
public struct GzipConfig: Sendable, Equatable {
    /// `gzip on|off` (default off).
    public var enabled = false
    /// `gzip_types` (default `text/html`, which is always included).
    public var types = GzipTypes()
    /// `gzip_min_length` (default 20), compared with `Content-Length` when the upstream sends one.
    public var minLength = 20
    /// `gzip_comp_level` 1...9 (default 1).
    public var level = 1
    /// `gzip_http_version` (default 1.1): older requests are not compressed.
    public var httpVersion = GzipHTTPVersion.http11
    /// `gzip_vary on|off` (default off).
    public var vary = false
    /// `gzip_proxied` (default `off`). With the default, a request carrying `Via` (i.e. one that came
    /// through a CDN or another proxy) is never compressed: the most common "gzip doesn't work behind
    /// a CDN" surprise. `gzip_proxied any` lifts it.
    public var proxied: GzipProxied = .off
    /// `gzip_buffers number size` (default `32 4k`, one page each on x86-64 Linux).
    public var buffers = GzipBuffers(count: 32, size: 4096)
    /// `gzip_window` as window bits (default 15 = 32k) and `gzip_hash` as zlib memLevel (default 8 = 128k).
    public var windowBits = 15
    public var memLevel = 8

    public init() {}
}

/// `gzip_http_version 1.0|1.1`, compared with the request's version.
public struct GzipHTTPVersion: Sendable, Hashable, Comparable {
    public var major: Int
    public var minor: Int
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }
    public static let http10 = GzipHTTPVersion(major: 1, minor: 0)
    public static let http11 = GzipHTTPVersion(major: 1, minor: 1)
    public static func < (a: Self, b: Self) -> Bool { (a.major, a.minor) < (b.major, b.minor) }
}

/// `gzip_buffers 4 16k`: at most `count` buffers of `size` bytes of compressed output may wait for
/// the client before the filter stops taking upstream bytes (backpressure, as nginx's busy chain).
public struct GzipBuffers: Sendable, Hashable {
    public var count: Int
    public var size: Int
    public init(count: Int, size: Int) {
        self.count = max(count, 1)
        self.size = max(size, 1)
    }
    public var totalBytes: Int { count * size }
}

/// `gzip_proxied` flags. `.off` on its own refuses every request that carries `Via`.
public struct GzipProxied: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let off = GzipProxied(rawValue: 1 << 0)
    public static let expired = GzipProxied(rawValue: 1 << 1)
    public static let noCache = GzipProxied(rawValue: 1 << 2)
    public static let noStore = GzipProxied(rawValue: 1 << 3)
    public static let `private` = GzipProxied(rawValue: 1 << 4)
    public static let noLastModified = GzipProxied(rawValue: 1 << 5)
    public static let noETag = GzipProxied(rawValue: 1 << 6)
    public static let auth = GzipProxied(rawValue: 1 << 7)
    public static let any = GzipProxied(rawValue: 1 << 8)

    /// Parses one `gzip_proxied` parameter (`no_last_modified`, `any`, ...); nil if unknown.
    public init?(parameter: String) {
        switch parameter {
        case "off": self = .off
        case "expired": self = .expired
        case "no-cache": self = .noCache
        case "no-store": self = .noStore
        case "private": self = .private
        case "no_last_modified": self = .noLastModified
        case "no_etag": self = .noETag
        case "auth": self = .auth
        case "any": self = .any
        default: return nil
        }
    }
}

/// `gzip_types`: lowercased MIME types, `*` for any. `text/html` always matches, as in nginx.
public struct GzipTypes: Sendable, Hashable {
    public private(set) var matchesAny = false
    private var types: Set<[UInt8]> = [Array("text/html".utf8)]

    public init() {}

    /// `GzipTypes(["text/css", "*"])`; case does not matter.
    public init(_ list: [String]) {
        for t in list { insert(t) }
    }

    public mutating func insert(_ type: String) {
        if type == "*" {
            matchesAny = true
        } else {
            types.insert(Array(type.utf8).map(ASCII.lower))
        }
    }

    /// Matches a `Content-Type` value: parameters (`; charset=…`) and case are ignored. A missing
    /// type matches only `*` (nginx: `ngx_http_test_content_type`).
    public func matches(contentType: ArraySlice<UInt8>?) -> Bool {
        if matchesAny { return true }
        guard let value = contentType else { return false }
        var end = value.firstIndex(of: UInt8(ascii: ";")) ?? value.endIndex
        var start = value.startIndex
        while start < end, ASCII.isOWS(value[start]) { start += 1 }
        while end > start, ASCII.isOWS(value[end - 1]) { end -= 1 }
        guard start < end else { return false }
        return types.contains(value[start..<end].map(ASCII.lower))
    }
}
