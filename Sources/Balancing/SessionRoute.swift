/// Finding a Java session's id and route in a request, as jvm_route does.
///
///     SessionRoute.route(fromSessionID: Array("8F3AC2.tomcat1".utf8)[...], reverse: true)   // "tomcat1"
///     SessionRoute.sessionID(fromURI: Array("/app;jsessionid=8F3A.t1?x=1".utf8))      // "8F3A.t1"
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

    /// The session id carried in a request URI: the path parameter `;NAME=value` (value up to `;`, `?`,
    /// `/` or `#`), else the query argument `NAME=value`. Names compare case-insensitively.
    public static func sessionID(fromURI uri: [UInt8], name: [UInt8] = Array("jsessionid".utf8)) -> ArraySlice<UInt8>? {
        guard !name.isEmpty else { return nil }
        let query = uri.firstIndex(of: UInt8(ascii: "?")) ?? uri.endIndex
        let fragment = uri.firstIndex(of: UInt8(ascii: "#")) ?? uri.endIndex
        let pathEnd = min(query, fragment)
        // Path parameters: ";NAME=" anywhere in the path.
        var index = uri.startIndex
        while index < pathEnd {
            if uri[index] == UInt8(ascii: ";"),
                let value = value(
                    in: uri, nameAt: index + 1, name: name, limit: pathEnd,
                    stops: [UInt8(ascii: ";"), UInt8(ascii: "/")])
            {
                return value
            }
            index += 1
        }
        guard query < fragment else { return nil }
        // Query arguments: "NAME=" after "?" or "&".
        index = query
        while index < fragment {
            let c = uri[index]
            if c == UInt8(ascii: "?") || c == UInt8(ascii: "&"),
                let value = value(in: uri, nameAt: index + 1, name: name, limit: fragment, stops: [UInt8(ascii: "&")])
            {
                return value
            }
            index += 1
        }
        return nil
    }

    private static func value(in uri: [UInt8], nameAt start: Int, name: [UInt8], limit: Int, stops: [UInt8])
        -> ArraySlice<UInt8>?
    {
        let equals = start + name.count
        guard equals < limit, uri[equals] == UInt8(ascii: "=") else { return nil }
        for offset in 0..<name.count where lower(uri[start + offset]) != lower(name[offset]) {
            return nil
        }
        var end = equals + 1
        while end < limit, !stops.contains(uri[end]) { end += 1 }
        return end > equals + 1 ? uri[(equals + 1)..<end] : nil
    }

    private static func lower(_ c: UInt8) -> UInt8 {
        c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") ? c | 0x20 : c
    }
}
