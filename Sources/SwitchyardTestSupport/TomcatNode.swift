import Locking

/// A MockBackend that behaves like a Tomcat node for session routing: a request without a known session gets
/// `Set-Cookie: JSESSIONID=<32 hex>.<route>; Path=/; HttpOnly`; the body says `node=<name> session=<id> hits=<n>`.
/// The session comes from the JSESSIONID cookie or a `;jsessionid=` path parameter, as Tomcat reads it.
public enum TomcatNode {
    public static func start(name: String, route: String, port: UInt16 = 0) throws -> MockBackend {
        let sessions = Lock<[String: Int]>([:])
        return try MockBackend(name: name, port: port) { req in
            var id = req.header("Cookie").flatMap { sessionID(inCookie: $0) } ?? sessionID(inTarget: req.target)
            var headers: [(String, String)] = [("Content-Type", "text/html")]
            let hits: Int = sessions.withLock { table in
                if let known = id, let n = table[known] { table[known] = n + 1; return n + 1 }
                if id == nil || table[id!] == nil {
                    // Unknown or foreign session: a new one stamped with this node's route.
                    let fresh = newID() + "." + route
                    id = fresh
                    headers.append(("Set-Cookie", "JSESSIONID=\(fresh); Path=/; HttpOnly"))
                    table[fresh] = 1
                }
                return 1
            }
            return MockResponse(headers: headers, text: "node=\(name) session=\(id!) hits=\(hits)")
        }
    }

    static func sessionID(inCookie header: String) -> String? {
        for part in header.split(separator: ";") {
            let kv = part.drop { $0 == " " }
            if kv.hasPrefix("JSESSIONID=") { return String(kv.dropFirst(11)) }
        }
        return nil
    }

    static func sessionID(inTarget target: String) -> String? {
        guard let r = target.firstRange(ofJSessionID: ()) else { return nil }
        let rest = target[r.upperBound...]
        return String(rest.prefix { $0 != "?" && $0 != ";" && $0 != "/" })
    }

    static func newID() -> String {
        let hex = Array("0123456789ABCDEF")
        return String((0..<32).map { _ in hex[Int.random(in: 0..<16)] })
    }
}

extension String {
    fileprivate func firstRange(ofJSessionID _: Void) -> Range<String.Index>? {
        let needle = ";jsessionid="
        var i = startIndex
        while i < endIndex {
            if self[i...].lowercased().hasPrefix(needle) { return i..<index(i, offsetBy: needle.count) }
            i = index(after: i)
        }
        return nil
    }
}
