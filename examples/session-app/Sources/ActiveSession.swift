/// The session one request works with, from `SessionManager.begin` to `SessionManager.end`.
struct ActiveSession {
    var id: SessionID
    var record: SessionRecord
    /// Created by this request: the response sets the cookie.
    let isNew: Bool
    /// Taken over from another node (sticky failover): the id got this node's route and the cookie is set again.
    let idChanged: Bool

    /// Whether the response carries `Set-Cookie: JSESSIONID=…`.
    var needsCookie: Bool { isNew || idChanged }
}
