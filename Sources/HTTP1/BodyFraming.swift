/// How the body after a head is delimited (RFC 9112 §6.3).
/// ```
/// switch response.bodyFraming(requestMethod: request.method) { case .untilClose: keepAlive = false … }
/// ```
public enum BodyFraming: Equatable, Hashable, Sendable {
    /// No body follows.
    case none
    /// Exactly this many bytes follow.
    case length(Int64)
    /// A chunked body follows; decode it with `ChunkedDecoder`.
    case chunked
    /// The body runs until the server closes the connection (responses only).
    case untilClose
}
