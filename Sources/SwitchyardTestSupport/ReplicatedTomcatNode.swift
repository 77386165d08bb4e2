import Locking

/// The sessions of a replicated cluster (Tomcat's DeltaManager, the demo's `--replicated` mode): every node reads
/// and writes the same ones.
public final class ReplicatedSessions: Sendable {
    fileprivate let table = Lock<[String: Int]>([:])
    public init() {}
}

extension TomcatNode {
    /// A node of a replicated cluster: it serves any session it is sent, with the session's hit count, and never
    /// re-stamps one (no Set-Cookie for a session another node created). A request without a known session gets
    /// a new one stamped with `route`. The body is TomcatNode's `node=<name> session=<id> hits=<n>`.
    public static func startReplicated(name: String, route: String, sessions: ReplicatedSessions,
                                       port: UInt16 = 0) throws -> MockBackend {
        try MockBackend(name: name, port: port) { req in
            let id = req.header("Cookie").flatMap { sessionID(inCookie: $0) }
            var headers: [(String, String)] = [("Content-Type", "text/html")]
            let (session, hits) = sessions.table.withLock { table -> (String, Int) in
                if let id, let n = table[id] {
                    table[id] = n + 1
                    return (id, n + 1)
                }
                let fresh = newID() + "." + route
                table[fresh] = 1
                return (fresh, 1)
            }
            if hits == 1 { headers.append(("Set-Cookie", "JSESSIONID=\(session); Path=/; HttpOnly")) }
            return MockResponse(headers: headers, text: "node=\(name) session=\(session) hits=\(hits)")
        }
    }
}
