import ASCIIBytes
/// A parsed request head: the raw bytes (copied once out of the read buffer) and offsets into them,
/// plus the framing and connection facts gathered during the parse.
/// ```
/// case .complete(let head, let consumed):
///     let path = head.bytes(head.path); let host = head.lowercasedHost()
/// ```
public struct RequestHead: HTTPHead, Equatable {
    /// The fields live in one immutable object, as `ResponseHead`'s do: a request holds its head as one reference
    /// (its `head` is optional), where a struct of sixteen fields was copied and destroyed field by field through
    /// the runtime's generic value witnesses at each read of `request.head` (callgrind: about 1,500 instructions a
    /// proxied request).
    @usableFromInline
    final class Fields: Sendable {
        @usableFromInline let bytes: [UInt8]
        @usableFromInline let method: HTTPMethod
        @usableFromInline let methodRange: ByteRange
        @usableFromInline let target: ByteRange
        @usableFromInline let targetForm: RequestTargetForm
        @usableFromInline let path: ByteRange
        @usableFromInline let query: ByteRange?
        @usableFromInline let version: HTTPVersion
        @usableFromInline let headers: [HeaderField]
        @usableFromInline let contentLength: Int64?
        @usableFromInline let isChunked: Bool
        @usableFromInline let keepAlive: Bool
        @usableFromInline let expectsContinue: Bool
        @usableFromInline let connectionUpgrade: Bool
        @usableFromInline let hasUpgrade: Bool
        @usableFromInline let hostRange: ByteRange?
        @usableFromInline let ignoredLine: ByteRange?
        @usableFromInline let forwardedFor: ByteRange?
        @usableFromInline let forwardedForRepeated: Bool

        init(bytes: [UInt8], method: HTTPMethod, methodRange: ByteRange, target: ByteRange,
             targetForm: RequestTargetForm, path: ByteRange, query: ByteRange?, version: HTTPVersion,
             headers: [HeaderField], contentLength: Int64?, isChunked: Bool, keepAlive: Bool, expectsContinue: Bool,
             connectionUpgrade: Bool, hasUpgrade: Bool, hostRange: ByteRange?, ignoredLine: ByteRange?,
             forwardedFor: ByteRange?, forwardedForRepeated: Bool) {
            self.bytes = bytes
            self.method = method
            self.methodRange = methodRange
            self.target = target
            self.targetForm = targetForm
            self.path = path
            self.query = query
            self.version = version
            self.headers = headers
            self.contentLength = contentLength
            self.isChunked = isChunked
            self.keepAlive = keepAlive
            self.expectsContinue = expectsContinue
            self.connectionUpgrade = connectionUpgrade
            self.hasUpgrade = hasUpgrade
            self.hostRange = hostRange
            self.ignoredLine = ignoredLine
            self.forwardedFor = forwardedFor
            self.forwardedForRepeated = forwardedForRepeated
        }
    }

    @usableFromInline let fields: Fields

    init(bytes: [UInt8], method: HTTPMethod, methodRange: ByteRange, target: ByteRange,
         targetForm: RequestTargetForm, path: ByteRange, query: ByteRange?, version: HTTPVersion,
         headers: [HeaderField], contentLength: Int64?, isChunked: Bool, keepAlive: Bool, expectsContinue: Bool,
         connectionUpgrade: Bool, hasUpgrade: Bool, hostRange: ByteRange?, ignoredLine: ByteRange?,
         forwardedFor: ByteRange? = nil, forwardedForRepeated: Bool = false) {
        fields = Fields(bytes: bytes, method: method, methodRange: methodRange, target: target,
                        targetForm: targetForm, path: path, query: query, version: version, headers: headers,
                        contentLength: contentLength, isChunked: isChunked, keepAlive: keepAlive,
                        expectsContinue: expectsContinue, connectionUpgrade: connectionUpgrade,
                        hasUpgrade: hasUpgrade, hostRange: hostRange, ignoredLine: ignoredLine,
                        forwardedFor: forwardedFor, forwardedForRepeated: forwardedForRepeated)
    }

    @inlinable public var bytes: [UInt8] { fields.bytes }
    @inlinable public var method: HTTPMethod { fields.method }
    /// The method token as sent (needed for `.other`).
    @inlinable public var methodRange: ByteRange { fields.methodRange }
    /// The request-target as sent.
    @inlinable public var target: ByteRange { fields.target }
    @inlinable public var targetForm: RequestTargetForm { fields.targetForm }
    /// The path part of the target, undecoded. Empty for authority-form and for an absolute-form target with
    /// no path (which means "/"); `*` for asterisk-form.
    @inlinable public var path: ByteRange { fields.path }
    /// The query after `?`, undecoded, or nil when the target has no `?`.
    @inlinable public var query: ByteRange? { fields.query }
    @inlinable public var version: HTTPVersion { fields.version }
    @inlinable public var headers: [HeaderField] { fields.headers }

    /// Content-Length when present (it is always valid once parsed).
    @inlinable public var contentLength: Int64? { fields.contentLength }
    /// Transfer-Encoding: chunked.
    @inlinable public var isChunked: Bool { fields.isChunked }
    /// The client allows the connection to be reused: HTTP/1.1 without `Connection: close`, HTTP/1.0 only with
    /// `Connection: keep-alive`.
    @inlinable public var keepAlive: Bool { fields.keepAlive }
    /// HTTP/1.1 request with `Expect: 100-continue` (nginx ignores Expect on HTTP/1.0).
    @inlinable public var expectsContinue: Bool { fields.expectsContinue }
    /// Connection carries the `upgrade` token (WebSocket and the like).
    @inlinable public var connectionUpgrade: Bool { fields.connectionUpgrade }
    /// The request carries an `Upgrade` field (with or without `Connection: upgrade`).
    @inlinable public var hasUpgrade: Bool { fields.hasUpgrade }
    /// The host: the authority of an absolute-form or authority-form target when present (RFC 9112 §3.2.2),
    /// else the Host header value. May include a port; see `lowercasedHost()`.
    @inlinable public var hostRange: ByteRange? { fields.hostRange }
    /// The first header line dropped for an invalid name (`ignore_invalid_headers`), for the log; nil when none.
    @inlinable public var ignoredLine: ByteRange? { fields.ignoredLine }
    /// The first X-Forwarded-For line's value, and whether the head has more than one such line.
    @inlinable public var forwardedFor: ByteRange? { fields.forwardedFor }
    @inlinable public var forwardedForRepeated: Bool { fields.forwardedForRepeated }

    public static func == (a: RequestHead, b: RequestHead) -> Bool {
        if a.fields === b.fields { return true }
        return a.bytes == b.bytes && a.method == b.method && a.methodRange == b.methodRange && a.target == b.target
            && a.targetForm == b.targetForm && a.path == b.path && a.query == b.query && a.version == b.version
            && a.headers == b.headers && a.contentLength == b.contentLength && a.isChunked == b.isChunked
            && a.keepAlive == b.keepAlive && a.expectsContinue == b.expectsContinue
            && a.connectionUpgrade == b.connectionUpgrade && a.hasUpgrade == b.hasUpgrade
            && a.hostRange == b.hostRange && a.ignoredLine == b.ignoredLine && a.forwardedFor == b.forwardedFor
            && a.forwardedForRepeated == b.forwardedForRepeated
    }

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
