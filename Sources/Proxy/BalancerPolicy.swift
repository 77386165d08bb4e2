import EventLoop
import Balancing
import HTTP1

/// How an upstream chooses servers, and where a request's session route comes from. The validated
/// `BalancerFactory` makes one balancer per worker; this adds what only the engine can evaluate:
/// the `hash` key, the session id (cookie or URL) and the `sticky route` variables.
struct BalancerPolicy {
    enum RouteSource {
        case none
        /// jvm_route: the session id from the cookie, else the URL's `;jsessionid=` / `?jsessionid=`.
        case jvmRoute(JVMRouteSpec, cookie: [UInt8])
        /// `sticky route $a $b`: the first non-empty value is the route.
        case stickyRoute([CompiledTemplate])
        /// `sticky cookie NAME`: the cookie holds the server's route; a balanced pick sets it.
        case stickyCookie(StickyCookie)
        /// `sticky learn`: `lookup` finds the session, `create` (read from the response) teaches the table.
        case stickyLearn(create: [CompiledTemplate], lookup: [CompiledTemplate])
    }

    let factory: BalancerFactory
    let hashKey: CompiledTemplate?
    let route: RouteSource

    func makeBalancer() -> any Balancer { factory.make() }

    func context(for r: Request) -> PickContext {
        var ctx = PickContext(clientAddress: r.connection.peer.bytes)
        // `proxy_next_upstream off`: a session whose server is unusable gets 502, not a stand-in.
        ctx.strictAffinity = r.proxy?.nextUpstream.conditions.isEmpty ?? false
        if let key = hashKey { ctx.hashKey = r.evaluate(key) }
        switch route {
        case .none: break
        case .jvmRoute(let spec, let cookie):
            if let id = SessionID.find(in: r, cookie: cookie, urlName: spec.sessionURLName), !id.isEmpty {
                ctx.sessionID = id
                ctx.route = spec.route(fromSessionID: id).map(Array.init)
            }
        case .stickyRoute(let templates):
            for t in templates {
                let v = r.evaluate(t)
                if !v.isEmpty { ctx.route = v; ctx.sessionID = v; break }
            }
        case .stickyCookie(let cookie):
            if let v = r.cookie(Array(cookie.name.utf8)), !v.isEmpty { ctx.route = v; ctx.sessionID = v }
        case .stickyLearn(_, let lookup):
            if let v = Self.firstNonEmpty(lookup, r) { ctx.route = v; ctx.sessionID = v }
        }
        return ctx
    }

    /// What a response teaches or tells the client about its server: the `sticky cookie` to set (returned as a
    /// header line) for a balanced pick, a `sticky learn` entry, and the new-session count for the status page.
    func afterResponse(_ r: Request, pick: Pick, upstream up: UpstreamRuntime, now: Instant) -> [UInt8]? {
        let peer = up.peers[pick.peer.index]
        switch route {
        case .stickyCookie(let cookie) where pick.role == .balanced:
            return Array("Set-Cookie: ".utf8) + cookie.setCookie(for: peer) + [13, 10]
        case .stickyLearn(let create, _):
            if let session = Self.firstNonEmpty(create, r) {
                factory.learnTable?.learn(session, address: peer.address, now: now)
                up.health.noteSession(pick.peer, sessionID: session, now: now)
            }
        case .jvmRoute(_, let cookie):
            // A session the backend just created (Set-Cookie: JSESSIONID=…) counts for the status page.
            if let resp = r.upstreamResponse {
                resp.forEachHeader(named: "set-cookie") { v in
                    if let id = Cookies.value(named: cookie, in: v), !id.isEmpty {
                        up.health.noteSession(pick.peer, sessionID: Array(id), now: now)
                    }
                }
            }
        default:
            break
        }
        return nil
    }

    private static func firstNonEmpty(_ templates: [CompiledTemplate], _ r: Request) -> [UInt8]? {
        for t in templates {
            let v = r.evaluate(t)
            if !v.isEmpty { return v }
        }
        return nil
    }
}

extension Request {
    /// The first value of cookie `name` across the request's Cookie headers.
    func cookie(_ name: [UInt8]) -> [UInt8]? {
        let head = self.head!
        return head.cookieRange(named: name).map { Array(head.bytes[$0.start..<$0.end]) }
    }
}

/// Finds a Java session id in a request: the cookie first, then the URL (`;jsessionid=` path parameter,
/// then `?jsessionid=` argument), names compared case-insensitively.
enum SessionID {
    static func find(in r: Request, cookie: [UInt8], urlName: [UInt8]) -> [UInt8]? {
        if let v = r.cookie(cookie), !v.isEmpty { return v }
        let head = r.head!
        if let v = URIPath.pathParameter(named: urlName, in: head.bytes(head.path)), !v.isEmpty { return Array(v) }
        if let v = QueryArgs.value(named: urlName, in: r.args), !v.isEmpty { return Array(v) }
        return nil
    }
}
