import ASCIIBytes
/// A parsed request head: the raw bytes (copied once out of the read buffer) and offsets into them,
/// plus the framing and connection facts gathered during the parse.
/// ```
/// case .complete(let head, let consumed):
///     let path = head.bytes(head.path); let host = head.lowercasedHost()
/// ```
public struct RequestHead: HTTPHead, Equatable {
    /// The fields live in one object, as `ResponseHead`'s do: a request holds its head as one reference (its `head`
    /// is optional), where a struct of sixteen fields was copied and destroyed field by field through the
    /// runtime's generic value witnesses at each read of `request.head` (callgrind: about 1,500 instructions a
    /// proxied request). The object is never changed while anyone but its parser's recycling slot holds it
    /// (`RequestHeadSlot`): that is the only writer, and only once the reference it holds is the sole one.
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
        @usableFromInline var method: HTTPMethod
        @usableFromInline var methodRange: ByteRange
        @usableFromInline var target: ByteRange
        @usableFromInline var targetForm: RequestTargetForm
        @usableFromInline var path: ByteRange
        @usableFromInline var query: ByteRange?
        @usableFromInline var version: HTTPVersion
        @usableFromInline var contentLength: Int64?
        @usableFromInline var isChunked: Bool
        @usableFromInline var keepAlive: Bool
        @usableFromInline var expectsContinue: Bool
        @usableFromInline var connectionUpgrade: Bool
        @usableFromInline var hasUpgrade: Bool
        @usableFromInline var hostRange: ByteRange?
        @usableFromInline var ignoredLine: ByteRange?
        @usableFromInline var forwardedFor: ByteRange?
        @usableFromInline var forwardedForRepeated: Bool
    }

    @usableFromInline var fields: Fields

    init(fields: Fields) { self.fields = fields }

    @inlinable public var bytes: [UInt8] { fields.bytes }
    @inlinable public var method: HTTPMethod { fields.facts.method }
    /// The method token as sent (needed for `.other`).
    @inlinable public var methodRange: ByteRange { fields.facts.methodRange }
    /// The request-target as sent.
    @inlinable public var target: ByteRange { fields.facts.target }
    @inlinable public var targetForm: RequestTargetForm { fields.facts.targetForm }
    /// The path part of the target, undecoded. Empty for authority-form and for an absolute-form target with
    /// no path (which means "/"); `*` for asterisk-form.
    @inlinable public var path: ByteRange { fields.facts.path }
    /// The query after `?`, undecoded, or nil when the target has no `?`.
    @inlinable public var query: ByteRange? { fields.facts.query }
    @inlinable public var version: HTTPVersion { fields.facts.version }
    @inlinable public var headers: [HeaderField] { fields.headers }

    /// Content-Length when present (it is always valid once parsed).
    @inlinable public var contentLength: Int64? { fields.facts.contentLength }
    /// Transfer-Encoding: chunked.
    @inlinable public var isChunked: Bool { fields.facts.isChunked }
    /// The client allows the connection to be reused: HTTP/1.1 without `Connection: close`, HTTP/1.0 only with
    /// `Connection: keep-alive`.
    @inlinable public var keepAlive: Bool { fields.facts.keepAlive }
    /// HTTP/1.1 request with `Expect: 100-continue` (nginx ignores Expect on HTTP/1.0).
    @inlinable public var expectsContinue: Bool { fields.facts.expectsContinue }
    /// Connection carries the `upgrade` token (WebSocket and the like).
    @inlinable public var connectionUpgrade: Bool { fields.facts.connectionUpgrade }
    /// The request carries an `Upgrade` field (with or without `Connection: upgrade`).
    @inlinable public var hasUpgrade: Bool { fields.facts.hasUpgrade }
    /// The host: the authority of an absolute-form or authority-form target when present (RFC 9112 §3.2.2),
    /// else the Host header value. May include a port; see `lowercasedHost()`.
    @inlinable public var hostRange: ByteRange? { fields.facts.hostRange }
    /// The first header line dropped for an invalid name (`ignore_invalid_headers`), for the log; nil when none.
    @inlinable public var ignoredLine: ByteRange? { fields.facts.ignoredLine }
    /// The first X-Forwarded-For line's value, and whether the head has more than one such line.
    @inlinable public var forwardedFor: ByteRange? { fields.facts.forwardedFor }
    @inlinable public var forwardedForRepeated: Bool { fields.facts.forwardedForRepeated }

    public static func == (a: RequestHead, b: RequestHead) -> Bool {
        if a.fields === b.fields { return true }
        return a.bytes == b.bytes && a.headers == b.headers && a.fields.facts == b.fields.facts
    }

    /// The head of a request whose head could not be read (a bad request line, a head too large): nginx still
    /// answers it as a request of the default server (its error_page, add_header … always, access log). It holds
    /// the first line as received (after any empty lines, which are skipped as before a request line), up to CR
    /// or LF and at most `limit` bytes, and nothing else: no method, no target, no fields, HTTP/1.0, not kept alive.
    public static func unparsed(_ input: ByteView, limit: Int) -> RequestHead {
        var start = 0
        while start < input.count && (input[start] == ASCII.cr || input[start] == ASCII.lf) { start += 1 }
        let stop = min(input.count, start + max(0, limit))
        var end = start
        while end < stop && input[end] != ASCII.cr && input[end] != ASCII.lf { end += 1 }
        let empty = ByteRange(start: 0, end: 0)
        let facts = Facts(method: .other, methodRange: empty, target: empty, targetForm: .origin, path: empty,
                          query: nil, version: .http1_0, contentLength: nil, isChunked: false, keepAlive: false,
                          expectsContinue: false, connectionUpgrade: false, hasUpgrade: false, hostRange: nil,
                          ignoredLine: nil, forwardedFor: nil, forwardedForRepeated: false)
        return RequestHead(fields: Fields(bytes: input.array(start, end), headers: [], facts: facts))
    }

    /// Made by `unparsed`: a parsed head always has a method.
    @inlinable public var isUnparsed: Bool { methodRange.start == methodRange.end }

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
        var out: [UInt8] = []
        try normalizedPath(mergeSlashes: mergeSlashes, into: &out)
        return out
    }

    /// The same, written over `out` (which keeps its capacity); on a throw `out` holds part of the path.
    public func normalizedPath(mergeSlashes: Bool, into out: inout [UInt8]) throws(HTTPParseError) {
        if path.isEmpty && targetForm == .absolute {
            out.removeAll(keepingCapacity: true)
            out.append(ASCII.slash)
            return
        }
        let path = self.path
        if fields.bytes.withByteView({ URIPath.isNormalized($0.slice(path.start, path.end), mergeSlashes: mergeSlashes) }) {
            if !out.isEmpty { out.removeAll(keepingCapacity: true) }   // a recycled request's is empty already
            out.append(contentsOf: bytes(path))   // the usual path: one copy, no decoding walk
            return
        }
        try URIPath.normalize(bytes(path), mergeSlashes: mergeSlashes, into: &out)
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
