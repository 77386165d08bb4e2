/// The route part of a Java session id, as jvm_route reads it. (The engine finds the session id itself in
/// the request, with HTTP1's `SessionID.find`.)
///
///     SessionRoute.route(fromSessionID: Array("8F3AC2.tomcat1".utf8)[...], reverse: true)   // "tomcat1"
public enum SessionRoute {
    /// With `reverse` (Tomcat, `ID.jvmRoute`) the route is the text after the last `.`; without it
    /// (Resin, `route.ID`) the text before the first `.`. Nil when there is no `.` or the route is empty.
    public static func route(fromSessionID id: ArraySlice<UInt8>, reverse: Bool) -> ArraySlice<UInt8>? {
        let dot = UInt8(ascii: ".")
        if reverse {
            var i = id.endIndex
            while i > id.startIndex && id[i - 1] != dot { i -= 1 }
            guard i > id.startIndex, i < id.endIndex else { return nil }
            return id[i...]
        }
        guard let first = id.firstIndex(of: dot), first > id.startIndex else { return nil }
        return id[..<first]
    }
}
