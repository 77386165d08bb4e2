import Config
import HTTP1

/// A location's `if_modified_since`, `etag` and `max_ranges`: how the not_modified and range filters treat
/// static files and cached responses.
struct ResponseFilters {
    var ifModifiedSince: IfModifiedSinceMode = .exact
    /// `etag off`: static files carry no ETag (and If-None-Match cannot match one).
    var etag = true
    /// 0 disables ranges (no Accept-Ranges either).
    var maxRanges = Int.max

    init() {}

    init(_ content: ContentSettings) {
        switch content.ifModifiedSince {
        case .off: ifModifiedSince = .off
        case .exact: ifModifiedSince = .exact
        case .before: ifModifiedSince = .before
        }
        etag = content.etag
        maxRanges = content.maxRanges ?? Int.max
    }
}
