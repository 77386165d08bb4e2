import HTTP1

/// Where a request says its session is: the `JSESSIONID` cookie, else a `;jsessionid=` path parameter
/// (Tomcat's URL rewriting for cookieless clients). Also gives the path with that parameter removed, which is
/// what the application's pages are matched against.
///
///     RequestedSession.find(path: Array("/tomcat-session/;jsessionid=AB.t1".utf8)[...], cookie: nil)
///     // id AB.t1 from the URL, path /tomcat-session/
struct RequestedSession: Equatable {
    /// The id as sent; nil when the request names no session or a malformed one.
    let id: SessionID?
    let fromCookie: Bool
    /// The path without `;jsessionid=…`.
    let path: [UInt8]

    private static let parameter = Array(";jsessionid=".utf8)

    static func find(path: ArraySlice<UInt8>, cookie: ArraySlice<UInt8>?) -> RequestedSession {
        var stripped = Array(path)
        var urlID: ArraySlice<UInt8>?
        if let at = firstRange(of: parameter, in: stripped) {
            var end = at.upperBound
            while end < stripped.count && stripped[end] != 59 && stripped[end] != 47 { end += 1 }  // ; or /
            urlID = stripped[at.upperBound..<end]
            stripped.removeSubrange(at.lowerBound..<end)
        }
        if let cookie, let id = SessionID(parsing: cookie) {
            return RequestedSession(id: id, fromCookie: true, path: stripped)
        }
        return RequestedSession(id: urlID.flatMap { SessionID(parsing: $0) }, fromCookie: false, path: stripped)
    }

    static func find(in head: RequestHead) -> RequestedSession {
        find(path: head.bytes(head.path), cookie: head.cookie(named: Array("JSESSIONID".utf8)))
    }

    private static func firstRange(of needle: [UInt8], in hay: [UInt8]) -> Range<Int>? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] {
            if hay[i..<(i + needle.count)].elementsEqual(needle) { return i..<(i + needle.count) }
        }
        return nil
    }
}
