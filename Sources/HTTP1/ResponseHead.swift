/// A parsed response head from an upstream: the raw bytes and offsets into them, plus framing facts.
/// ```
/// case .complete(let head, let consumed):
///     if head.isInterim { parser.reset(); continue }   // 100 Continue: the real head follows
///     let framing = head.bodyFraming(requestMethod: request.method)
/// ```
public struct ResponseHead: HTTPHead, Equatable {
    public let bytes: [UInt8]
    public let version: HTTPVersion
    public let status: Int
    /// The reason phrase, possibly empty.
    public let reason: ByteRange
    /// Header fields in order; repeated fields such as Set-Cookie stay separate and in order.
    public let headers: [HeaderField]
    /// Content-Length when present (always valid once parsed).
    public let contentLength: Int64?
    /// Transfer-Encoding: chunked.
    public let isChunked: Bool
    /// The server allows the connection to be reused: HTTP/1.1 without `Connection: close`, HTTP/1.0 only with
    /// `Connection: keep-alive`. A body read until close also ends the connection; see `bodyFraming`.
    public let keepAlive: Bool
    /// Connection carries the `upgrade` token.
    public let connectionUpgrade: Bool
    /// At least one Set-Cookie field is present.
    public let hasSetCookie: Bool

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
