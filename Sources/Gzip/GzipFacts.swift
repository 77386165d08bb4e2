/// What the gzip policy needs to know about the request, as plain bytes and flags.
public struct GzipRequestFacts: Sendable, Equatable {
    public var httpVersion: GzipHTTPVersion
    /// The `Accept-Encoding` value (several header lines joined with ", "); nil when absent.
    public var acceptEncoding: [UInt8]?
    /// `AcceptEncoding.allowsGzip` already applied by the engine to a single line, in place (no copy of the value);
    /// nil: the policy reads `acceptEncoding`.
    public var acceptsGzip: Bool? = nil
    public var hasVia = false
    public var hasAuthorization = false
    public var isHead = false
    public var hasRange = false
    /// `gzip_disable` matched the User-Agent (the engine runs the regexes and `msie6`).
    public var userAgentDisabled = false

    public init(httpVersion: GzipHTTPVersion = .http11, acceptEncoding: [UInt8]?) {
        self.httpVersion = httpVersion
        self.acceptEncoding = acceptEncoding
    }
}

/// What the gzip policy needs to know about the response head.
public struct GzipResponseFacts: Sendable, Equatable {
    /// `Expires` as `gzip_proxied expired` sees it (the engine parses the date and compares it with
    /// `Date`, or with now when `Date` is absent, as nginx does).
    public enum Expires: Sendable, Equatable {
        case absent
        /// Expires is earlier than Date: the response may not be cached.
        case inThePast
        /// Expires is now or later, or unparseable (nginx declines on a bad date).
        case notInThePast
    }

    public var status: Int
    /// The `Content-Type` value, parameters included; nil when absent. A slice of the head's bytes: the facts
    /// are gathered for every response of a gzip location, and copies were two allocations a response.
    public var contentType: ArraySlice<UInt8>?
    /// The `Content-Length`, nil when unknown (chunked or read-until-close).
    public var contentLength: Int?
    /// A non-empty `Content-Encoding` is present (even `identity`: nginx does not look inside).
    public var hasContentEncoding = false
    /// The `Cache-Control` values joined with ", "; nil when absent.
    public var cacheControl: [UInt8]?
    public var expires: Expires = .absent
    public var hasLastModified = false
    /// The `ETag` value, to be weakened when compressing; nil when absent.
    public var etag: ArraySlice<UInt8>?
    /// The response already says `Vary: Accept-Encoding` (or `*`): do not add a second one.
    public var varyCoversAcceptEncoding = false

    public init(status: Int, contentType: ArraySlice<UInt8>?, contentLength: Int?) {
        self.status = status
        self.contentType = contentType
        self.contentLength = contentLength
    }
}
