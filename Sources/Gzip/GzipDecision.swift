/// The gzip policy's answer for one response: compress or not, why, and the header edits to make.
///
/// When `compress` is true the engine must: remove `Content-Length` and `Accept-Ranges`, add
/// `Content-Encoding: gzip`, apply `etag`, frame the body chunked (HTTP/1.1) or by close (1.0), and
/// build a `GzipBodyFilter(decision:)`. `addVary` applies whether or not we compress.
public struct GzipDecision: Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        case compress
        /// `gzip off`.
        case disabled
        /// nginx compresses only 200, 403 and 404 (so never 204, 206, 304, 3xx, 5xx).
        case status
        /// A HEAD request: there is no body (nginx's `header_only`).
        case headRequest
        /// The request carried `Range`: the client wants identity byte offsets (issue 5: never).
        case rangeRequest
        /// The response already has a `Content-Encoding`.
        case alreadyEncoded
        /// `Content-Length` is below `gzip_min_length`.
        case tooShort
        /// `Content-Type` is not in `gzip_types`.
        case type
        /// The client did not accept gzip (absent, `gzip;q=0`, no `gzip`/`x-gzip`/`*`).
        case notAccepted
        /// `gzip_disable` matched the User-Agent.
        case userAgent
        /// The request's HTTP version is below `gzip_http_version`.
        case httpVersion
        /// The request came through a proxy (`Via`) and `gzip_proxied` does not allow this response.
        case proxied
    }

    public enum ETagEdit: Sendable, Equatable {
        case keep
        /// Replace the ETag with this value.
        case replace([UInt8])
        /// Make the strong ETag weak: `W/` before its value (`"x"` becomes `W/"x"`), written as the head is.
        case weaken
        /// Drop a malformed ETag: it cannot be weakened, and a compressed body must not carry it.
        case remove
    }

    public var reason: Reason
    public var compress: Bool { reason == .compress }
    /// Add one `Vary: Accept-Encoding` (`gzip_vary on` and the response was eligible, see GzipPolicy).
    public var addVary: Bool
    public var etag: ETagEdit
    /// zlib parameters for this response (`GzipMemory.parameters` applied to Content-Length).
    public var level: Int
    public var windowBits: Int
    public var memLevel: Int
    public var buffers: GzipBuffers
}
