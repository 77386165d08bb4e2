import ASCIIBytes
/// A parsed request head: the raw bytes (copied once out of the read buffer) and offsets into them,
/// plus the framing and connection facts gathered during the parse.
/// ```
/// case .complete(let head, let consumed):
///     let path = head.bytes(head.path); let host = head.lowercasedHost()
/// ```
public struct RequestHead: HTTPHead, Equatable {
    public let bytes: [UInt8]
    public let method: HTTPMethod
    /// The method token as sent (needed for `.other`).
    public let methodRange: ByteRange
    /// The request-target as sent.
    public let target: ByteRange
    public let targetForm: RequestTargetForm
    /// The path part of the target, undecoded. Empty for authority-form and for an absolute-form target with
    /// no path (which means "/"); `*` for asterisk-form.
    public let path: ByteRange
    /// The query after `?`, undecoded, or nil when the target has no `?`.
    public let query: ByteRange?
    public let version: HTTPVersion
    public let headers: [HeaderField]

    /// Content-Length when present (it is always valid once parsed).
    public let contentLength: Int64?
    /// Transfer-Encoding: chunked.
    public let isChunked: Bool
    /// The client allows the connection to be reused: HTTP/1.1 without `Connection: close`, HTTP/1.0 only with
    /// `Connection: keep-alive`.
    public let keepAlive: Bool
    /// HTTP/1.1 request with `Expect: 100-continue` (nginx ignores Expect on HTTP/1.0).
    public let expectsContinue: Bool
    /// Connection carries the `upgrade` token (WebSocket and the like).
    public let connectionUpgrade: Bool
    /// The request carries an `Upgrade` field (with or without `Connection: upgrade`).
    public let hasUpgrade: Bool
    /// The host: the authority of an absolute-form or authority-form target when present (RFC 9112 §3.2.2),
    /// else the Host header value. May include a port; see `lowercasedHost()`.
    public let hostRange: ByteRange?
    /// The first header line dropped for an invalid name (`ignore_invalid_headers`), for the log; nil when none.
    public let ignoredLine: ByteRange?

    /// How the request body is delimited: chunked, a Content-Length, or no body. Requests never read until close.
    public var bodyFraming: BodyFraming {
        if isChunked { return .chunked }
        if let n = contentLength { return .length(n) }
        return .none
    }

    /// nginx's `$request_uri`: the path and query as sent, without the scheme and host of an absolute-form target.
    public var requestURI: ByteRange { ByteRange(start: path.start, end: target.end) }

    /// nginx's `$uri`: the path percent-decoded with slashes merged and dot segments resolved (an empty
    /// absolute-form path is `/`). Throws 400 for what nginx refuses (`..` above the root, `%00`, bad escapes).
    public func normalizedPath() throws(HTTPParseError) -> [UInt8] {
        if path.isEmpty && targetForm == .absolute { return [ASCII.slash] }
        return try URIPath.normalize(bytes(path))
    }

    /// `normalizedPath()` with nginx's `merge_slashes` choice.
    public func normalizedPath(mergeSlashes: Bool) throws(HTTPParseError) -> [UInt8] {
        if path.isEmpty && targetForm == .absolute { return [ASCII.slash] }
        return try URIPath.normalize(bytes(path), mergeSlashes: mergeSlashes)
    }

    /// The host lowercased without port or trailing dot, as nginx's `$host` (before the server_name fallback).
    public func lowercasedHost() -> [UInt8]? {
        guard let r = hostRange else { return nil }
        return HostName.normalized(bytes(r))
    }
}

/// The four shapes of request-target (RFC 9112 §3.2).
public enum RequestTargetForm: Hashable, Sendable {
    /// `/path?query`
    case origin
    /// `http://host/path?query` (sent to proxies)
    case absolute
    /// `host:port`, CONNECT only
    case authority
    /// `*`, OPTIONS only
    case asterisk
}
