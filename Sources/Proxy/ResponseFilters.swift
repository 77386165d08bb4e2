import ASCIIBytes
import Config
import HTTP1

/// A location's `if_modified_since`, `etag` and `max_ranges`: how the not_modified and range filters treat
/// static files and cached responses.
struct ResponseFilters {
    var ifModifiedSince: IfModifiedSinceMode = .exact
    /// How If-Modified-Since is compared with a response served from the cache: RFC 9110 §13.1.3's "not modified
    /// since" (`.before`) unless `if_modified_since` is set, which keeps nginx's comparison.
    var cacheIfModifiedSince: IfModifiedSinceMode = .before
    /// `etag off`: static files carry no ETag (and If-None-Match cannot match one).
    var etag = true
    /// 0 disables ranges (no Accept-Ranges either).
    var maxRanges = Int.max
    /// `add_header Last-Modified …`: replaces the file's (empty: none), and If-Range compares with it, since
    /// nginx's range filter runs after add_header (the not_modified filter before it).
    var lastModifiedHeader: CompiledTemplate?

    init() {}

    /// Notes an `add_header Last-Modified` of the location.
    mutating func adopt(_ addHeaders: [HeaderAddition]) {
        lastModifiedHeader = addHeaders.first { ASCII.equalsIgnoringCase($0.name, Self.lastModified) }?.value
    }

    private static let lastModified = Array("last-modified".utf8)

    init(_ content: ContentSettings) {
        switch content.ifModifiedSince {
        case .off: ifModifiedSince = .off
        case .exact: ifModifiedSince = .exact
        case .before: ifModifiedSince = .before
        }
        cacheIfModifiedSince = content.$ifModifiedSince.isSet ? ifModifiedSince : .before
        etag = content.etag
        maxRanges = content.maxRanges ?? Int.max
    }
}
