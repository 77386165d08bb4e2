/// Finds a Java session id in a request, as jvm_route does: the cookie first, then the URL (`;jsessionid=`
/// path parameter, then the `jsessionid` argument), names compared case-insensitively. Nil when none is there
/// or it is empty. The one extractor: the engine's jvm_route and the session fuzz target both use it.
///
///     SessionID.find(in: head, args: head.query.map(head.bytes), cookie: Array("JSESSIONID".utf8),
///                    urlName: Array("jsessionid".utf8))   // "8F3A.tomcat1" for GET /app;jsessionid=8F3A.tomcat1
public enum SessionID {
    /// `args` is the query searched for the argument: the request's `$args` (the head's query unless a rewrite
    /// replaced it). The result is a slice of the head's bytes or of `args`: no copy. Inlinable: called across
    /// modules on every jvm_route request, it would otherwise make the caller copy the whole head (callgrind).
    @inlinable
    public static func find(in head: RequestHead, args: ArraySlice<UInt8>?, cookie: [UInt8], urlName: [UInt8])
        -> ArraySlice<UInt8>?
    {
        if let v = head.cookieRange(named: cookie), v.end > v.start { return head.bytes[v.start..<v.end] }
        if let v = URIPath.pathParameter(named: urlName, in: head.bytes(head.path)), !v.isEmpty { return v }
        if let args, let v = QueryArgs.value(named: urlName, in: args), !v.isEmpty { return v }
        return nil
    }
}
