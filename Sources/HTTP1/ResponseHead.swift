/// A parsed response head from an upstream: the raw bytes and offsets into them, plus framing facts.
/// ```
/// case .complete(let head, let consumed):
///     if head.isInterim { parser.reset(); continue }   // 100 Continue: the real head follows
///     let framing = head.bodyFraming(requestMethod: request.method)
/// ```
/// The fields live in one object (`Fields`): a head is passed, stored and dropped as one reference, and an
/// optional head is a nullable pointer. As a struct of ten fields every copy of a `ResponseHead?` went through
/// the runtime's generic value witnesses (about 1,000 instructions a proxied request, callgrind). The object is
/// never changed while anyone but its parser's recycling slot (`ResponseHeadSlot`) holds it.
public struct ResponseHead: HTTPHead, Equatable {
    @usableFromInline
    final class Fields: HeadStorage, @unchecked Sendable {
        @usableFromInline var bytes: [UInt8]
        @usableFromInline var headers: [HeaderField]
        @usableFromInline var facts: Facts

        init(bytes: [UInt8], headers: [HeaderField], facts: Facts) {
            self.bytes = bytes
            self.headers = headers
            self.facts = facts
        }
    }

    /// Everything but the bytes and the field list: plain values, stored inline in `Fields`.
    @usableFromInline
    struct Facts: Equatable, Sendable {
        @usableFromInline var version: HTTPVersion
        @usableFromInline var status: Int
        @usableFromInline var reason: ByteRange
        @usableFromInline var contentLength: Int64?
        @usableFromInline var isChunked: Bool
        @usableFromInline var keepAlive: Bool
        @usableFromInline var connectionUpgrade: Bool
        @usableFromInline var hasSetCookie: Bool
        @usableFromInline var connectionNamesFields: Bool
        @usableFromInline var accel: AccelFields
    }

    @usableFromInline var fields: Fields

    init(fields: Fields) { self.fields = fields }

    @inlinable public var bytes: [UInt8] { fields.bytes }
    @inlinable public var version: HTTPVersion { fields.facts.version }
    @inlinable public var status: Int { fields.facts.status }
    /// The reason phrase, possibly empty.
    @inlinable public var reason: ByteRange { fields.facts.reason }
    /// Header fields in order; repeated fields such as Set-Cookie stay separate and in order.
    @inlinable public var headers: [HeaderField] { fields.headers }
    /// Content-Length when present (always valid once parsed).
    @inlinable public var contentLength: Int64? { fields.facts.contentLength }
    /// Transfer-Encoding: chunked.
    @inlinable public var isChunked: Bool { fields.facts.isChunked }
    /// The server allows the connection to be reused: HTTP/1.1 without `Connection: close`, HTTP/1.0 only with
    /// `Connection: keep-alive`. A body read until close also ends the connection; see `bodyFraming`.
    @inlinable public var keepAlive: Bool { fields.facts.keepAlive }
    /// Connection carries the `upgrade` token.
    @inlinable public var connectionUpgrade: Bool { fields.facts.connectionUpgrade }
    /// At least one Set-Cookie field is present.
    @inlinable public var hasSetCookie: Bool { fields.facts.hasSetCookie }
    /// Connection names a field besides close, keep-alive and upgrade (RFC 9110 §7.6.1: that field is for this hop
    /// only and is not forwarded).
    @inlinable public var connectionNamesFields: Bool { fields.facts.connectionNamesFields }
    /// The X-Accel-* instructions present (the proxy acts on them).
    @inlinable public var accel: AccelFields { fields.facts.accel }

    public static func == (a: ResponseHead, b: ResponseHead) -> Bool {
        if a.fields === b.fields { return true }
        return a.bytes == b.bytes && a.headers == b.headers && a.fields.facts == b.fields.facts
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
