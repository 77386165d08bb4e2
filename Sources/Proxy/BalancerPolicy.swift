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
        /// `sticky cookie NAME`: the cookie holds the server's route.
        case stickyCookie([UInt8])
    }

    let factory: BalancerFactory
    let hashKey: CompiledTemplate?
    let route: RouteSource

    func makeBalancer() -> any Balancer { factory.make() }

    func context(for r: Request) -> PickContext {
        var ctx = PickContext(clientAddress: r.connection.peer.bytes)
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
        case .stickyCookie(let name):
            if let v = r.cookie(name), !v.isEmpty { ctx.route = v; ctx.sessionID = v }
        }
        return ctx
    }
}

extension Request {
    /// The first value of cookie `name` across the request's Cookie headers.
    func cookie(_ name: [UInt8]) -> [UInt8]? {
        let head = self.head!
        for h in head.headers where Bytes.equalsIgnoringCase(head.bytes(h.name), Array("cookie".utf8)) {
            if let v = Cookies.value(named: name, in: head.bytes(h.value)) { return Array(v) }
        }
        return nil
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
