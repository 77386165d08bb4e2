/// A request method. Methods are case-sensitive (RFC 9110 §9.1): `get` is `.other`, not `.get`.
///
/// `.other` covers any valid method token not listed; its spelling is at `RequestHead.methodRange`.
/// ```
/// if head.method == .head { framing = .none }
/// ```
public enum HTTPMethod: Hashable, Sendable {
    case get, head, post, put, delete, connect, options, trace, patch
    case propfind, proppatch, mkcol, copy, move, lock, unlock
    case other

    /// Whether a request may be retried on another upstream after being sent.
    /// nginx's `proxy_next_upstream` treats POST, LOCK and PATCH as non-idempotent.
    public var isIdempotent: Bool {
        switch self {
        case .post, .lock, .patch: false
        default: true
        }
    }

    /// Canonical spelling, for the known cases; nil for `.other`.
    public var name: StaticString? {
        switch self {
        case .get: "GET"
        case .head: "HEAD"
        case .post: "POST"
        case .put: "PUT"
        case .delete: "DELETE"
        case .connect: "CONNECT"
        case .options: "OPTIONS"
        case .trace: "TRACE"
        case .patch: "PATCH"
        case .propfind: "PROPFIND"
        case .proppatch: "PROPPATCH"
        case .mkcol: "MKCOL"
        case .copy: "COPY"
        case .move: "MOVE"
        case .lock: "LOCK"
        case .unlock: "UNLOCK"
        case .other: nil
        }
    }

    /// Recognises the method token (already validated) at `start..<end` of a parser's view, in place.
    init(_ view: ByteView, _ start: Int, _ end: Int) {
        self.init(length: end - start) { view.matches(start, end, $0) }
    }

    @inline(__always)
    private init(length: Int, isLiteral: (StaticString) -> Bool) {
        switch length {
        case 3: self = isLiteral("GET") ? .get : isLiteral("PUT") ? .put : .other
        case 4:
            if isLiteral("POST") {
                self = .post
            } else if isLiteral("HEAD") {
                self = .head
            } else if isLiteral("COPY") {
                self = .copy
            } else if isLiteral("MOVE") {
                self = .move
            } else {
                self = isLiteral("LOCK") ? .lock : .other
            }
        case 5: self = isLiteral("PATCH") ? .patch : isLiteral("TRACE") ? .trace : isLiteral("MKCOL") ? .mkcol : .other
        case 6: self = isLiteral("DELETE") ? .delete : isLiteral("UNLOCK") ? .unlock : .other
        case 7: self = isLiteral("OPTIONS") ? .options : isLiteral("CONNECT") ? .connect : .other
        case 8: self = isLiteral("PROPFIND") ? .propfind : .other
        case 9: self = isLiteral("PROPPATCH") ? .proppatch : .other
        default: self = .other
        }
    }
}
