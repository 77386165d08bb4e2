/// Why a head or body was refused, with the status to answer and a short reason for the `[info]` log line.
///
/// Reasons use nginx's error-log wording where nginx has one, so logs read the same.
/// ```
/// case .failed(let e): log(.info, e.reason); respond(e.status)
/// ```
public struct HTTPParseError: Error, Equatable, Hashable, Sendable {
    /// 400, 414, 431, 501, 505 for requests; 502 for responses read from an upstream.
    public let status: Int
    public let reason: String

    public init(status: Int, reason: String) {
        self.status = status
        self.reason = reason
    }
}

extension HTTPParseError: CustomStringConvertible {
    public var description: String { "\(status) \(reason)" }
}

// Client errors: wording from nginx's ngx_http_request.c / ngx_http_parse.c where it exists.
extension HTTPParseError {
    public static let invalidRequest = HTTPParseError(status: 400, reason: "client sent invalid request")
    public static let invalidMethod = HTTPParseError(status: 400, reason: "client sent invalid method")
    /// A well-formed version other than 1.x, e.g. `HTTP/2.0` sent over HTTP/1 framing.
    public static let unsupportedVersion = HTTPParseError(status: 505, reason: "client sent invalid version")
    public static let invalidHeaderLine = HTTPParseError(status: 400, reason: "client sent invalid header line")
    public static let obsoleteLineFolding = HTTPParseError(
        status: 400, reason: "client sent invalid header line: obsolete line folding")
    public static let tooLongURI = HTTPParseError(status: 414, reason: "client sent too long URI")
    public static let tooLongHeaderLine = HTTPParseError(status: 431, reason: "client sent too long header line")
    public static let tooLargeHeader = HTTPParseError(status: 431, reason: "client sent too large request header")
    public static let tooManyHeaders = HTTPParseError(status: 400, reason: "client sent too many header lines")
    public static let missingHost = HTTPParseError(
        status: 400, reason: "client sent HTTP/1.1 request without \"Host\" header")
    public static let duplicateHost = HTTPParseError(status: 400, reason: "client sent duplicate Host header")
    /// A second If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, If-Range, Content-Range, Expect or
    /// Authorization (nginx 1.23 refuses these repeated).
    public static let duplicateUniqueHeader = HTTPParseError(status: 400, reason: "client sent duplicate header line")
    public static let invalidHost = HTTPParseError(status: 400, reason: "client sent invalid host header")
    public static let duplicateContentLength = HTTPParseError(
        status: 400, reason: "client sent duplicate Content-Length header")
    public static let invalidContentLength = HTTPParseError(
        status: 400, reason: "client sent invalid \"Content-Length\" header")
    public static let duplicateTransferEncoding = HTTPParseError(
        status: 400, reason: "client sent duplicate Transfer-Encoding header")
    public static let contentLengthAndTransferEncoding = HTTPParseError(
        status: 400, reason: "client sent \"Content-Length\" and \"Transfer-Encoding\" headers at the same time")
    public static let transferEncodingInHTTP10 = HTTPParseError(
        status: 400, reason: "client sent HTTP/1.0 request with \"Transfer-Encoding\" header")
    public static let unknownTransferEncoding = HTTPParseError(
        status: 501, reason: "client sent unknown \"Transfer-Encoding\"")
    public static let invalidChunkedBody = HTTPParseError(status: 400, reason: "client sent invalid chunked body")
    public static let invalidURI = HTTPParseError(status: 400, reason: "client sent invalid request")
}

// Upstream errors: nginx answers 502 for all of them (ngx_http_proxy_module.c wording).
extension HTTPParseError {
    public static let upstreamInvalidStatusLine = HTTPParseError(
        status: 502, reason: "upstream sent no valid HTTP/1.0 header")
    public static let upstreamInvalidHeader = HTTPParseError(status: 502, reason: "upstream sent invalid header")
    public static let upstreamTooBigHeader = HTTPParseError(status: 502, reason: "upstream sent too big header")
    public static let upstreamDuplicateContentLength = HTTPParseError(
        status: 502, reason: "upstream sent duplicate header line: \"Content-Length\"")
    public static let upstreamDuplicateTransferEncoding = HTTPParseError(
        status: 502, reason: "upstream sent duplicate header line: \"Transfer-Encoding\"")
    public static let upstreamInvalidContentLength = HTTPParseError(
        status: 502, reason: "upstream sent invalid \"Content-Length\" header")
    public static let upstreamContentLengthAndTransferEncoding = HTTPParseError(
        status: 502, reason: "upstream sent \"Content-Length\" and \"Transfer-Encoding\" headers at the same time")
    public static let upstreamUnknownTransferEncoding = HTTPParseError(
        status: 502, reason: "upstream sent unknown \"Transfer-Encoding\"")
    public static let upstreamInvalidChunkedResponse = HTTPParseError(
        status: 502, reason: "upstream sent invalid chunked response")
}
