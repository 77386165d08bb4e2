/// A parsed response head from an upstream: the raw bytes and offsets into them, plus framing facts.
/// ```
/// case .complete(let head, let consumed):
///     if head.isInterim { parser.reset(); continue }   // 100 Continue: the real head follows
///     let framing = head.bodyFraming(requestMethod: request.method)
/// ```
/// The fields live in one immutable object (`Fields`): a head is passed, stored and dropped as one reference,
/// and an optional head is a nullable pointer. As a struct of ten fields every copy of a `ResponseHead?` went
/// through the runtime's generic value witnesses (about 1,000 instructions a proxied request, callgrind).
public struct ResponseHead: HTTPHead, Equatable {
    @usableFromInline
    final class Fields: Sendable {
        @usableFromInline let bytes: [UInt8]
        @usableFromInline let version: HTTPVersion
        @usableFromInline let status: Int
        @usableFromInline let reason: ByteRange
        @usableFromInline let headers: [HeaderField]
        @usableFromInline let contentLength: Int64?
        @usableFromInline let isChunked: Bool
        @usableFromInline let keepAlive: Bool
        @usableFromInline let connectionUpgrade: Bool
        @usableFromInline let hasSetCookie: Bool
        @usableFromInline let connectionNamesFields: Bool
        @usableFromInline let accel: AccelFields

        init(bytes: [UInt8], version: HTTPVersion, status: Int, reason: ByteRange, headers: [HeaderField],
             contentLength: Int64?, isChunked: Bool, keepAlive: Bool, connectionUpgrade: Bool, hasSetCookie: Bool,
             connectionNamesFields: Bool, accel: AccelFields) {
            self.bytes = bytes
            self.version = version
            self.status = status
            self.reason = reason
            self.headers = headers
            self.contentLength = contentLength
            self.isChunked = isChunked
            self.keepAlive = keepAlive
            self.connectionUpgrade = connectionUpgrade
            self.hasSetCookie = hasSetCookie
            self.connectionNamesFields = connectionNamesFields
            self.accel = accel
        }
    }

    @usableFromInline let fields: Fields

    init(bytes: [UInt8], version: HTTPVersion, status: Int, reason: ByteRange, headers: [HeaderField],
         contentLength: Int64?, isChunked: Bool, keepAlive: Bool, connectionUpgrade: Bool, hasSetCookie: Bool,
         connectionNamesFields: Bool = false, accel: AccelFields = []) {
        fields = Fields(bytes: bytes, version: version, status: status, reason: reason, headers: headers,
                        contentLength: contentLength, isChunked: isChunked, keepAlive: keepAlive,
                        connectionUpgrade: connectionUpgrade, hasSetCookie: hasSetCookie,
                        connectionNamesFields: connectionNamesFields, accel: accel)
    }

    @inlinable public var bytes: [UInt8] { fields.bytes }
    @inlinable public var version: HTTPVersion { fields.version }
    @inlinable public var status: Int { fields.status }
    /// The reason phrase, possibly empty.
    @inlinable public var reason: ByteRange { fields.reason }
    /// Header fields in order; repeated fields such as Set-Cookie stay separate and in order.
    @inlinable public var headers: [HeaderField] { fields.headers }
    /// Content-Length when present (always valid once parsed).
    @inlinable public var contentLength: Int64? { fields.contentLength }
    /// Transfer-Encoding: chunked.
    @inlinable public var isChunked: Bool { fields.isChunked }
    /// The server allows the connection to be reused: HTTP/1.1 without `Connection: close`, HTTP/1.0 only with
    /// `Connection: keep-alive`. A body read until close also ends the connection; see `bodyFraming`.
    @inlinable public var keepAlive: Bool { fields.keepAlive }
    /// Connection carries the `upgrade` token.
    @inlinable public var connectionUpgrade: Bool { fields.connectionUpgrade }
    /// At least one Set-Cookie field is present.
    @inlinable public var hasSetCookie: Bool { fields.hasSetCookie }
    /// Connection names a field besides close, keep-alive and upgrade (RFC 9110 §7.6.1: that field is for this hop
    /// only and is not forwarded).
    @inlinable public var connectionNamesFields: Bool { fields.connectionNamesFields }
    /// The X-Accel-* instructions present (the proxy acts on them).
    @inlinable public var accel: AccelFields { fields.accel }

    public static func == (a: ResponseHead, b: ResponseHead) -> Bool {
        if a.fields === b.fields { return true }
        return a.bytes == b.bytes && a.version == b.version && a.status == b.status && a.reason == b.reason
            && a.headers == b.headers && a.contentLength == b.contentLength && a.isChunked == b.isChunked
            && a.keepAlive == b.keepAlive && a.connectionUpgrade == b.connectionUpgrade
            && a.hasSetCookie == b.hasSetCookie
    }

    /// A 1xx head (100 Continue, 103 Early Hints…) after which the final response head follows.
    /// 101 Switching Protocols is final: the connection changes protocol.
    public var isInterim: Bool { status >= 100 && status < 200 && status != 101 }

    /// How the body after this head is delimited (RFC 9112 §6.3): none after HEAD and for 1xx, 204 and 304;
    /// then chunked, then Content-Length; otherwise until the server closes.
    public func bodyFraming(requestMethod: HTTPMethod) -> BodyFraming {
        if requestMethod == .head || status < 200 || status == 204 || status == 304 { return .none }
        if isChunked { return .chunked }
        if let n = contentLength { return .length(n) }
        return .untilClose
    }

    /// Whether the upstream connection may go back to the keepalive pool after this response's body.
    public func isReusable(requestMethod: HTTPMethod) -> Bool {
        keepAlive && bodyFraming(requestMethod: requestMethod) != .untilClose
    }
}

/// nginx's X-Accel-* response fields that instruct the proxy, noted while the head is parsed so a head
/// without them costs no lookup.
public struct AccelFields: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// X-Accel-Redirect: an internal redirect instead of this response.
    public static let redirect = AccelFields(rawValue: 1)
    /// X-Accel-Limit-Rate: the response's send rate.
    public static let limitRate = AccelFields(rawValue: 2)
}
