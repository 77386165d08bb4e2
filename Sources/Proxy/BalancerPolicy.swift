import EventLoop
import Balancing
import HTTP1
import ASCIIBytes
import Glibc

/// How an upstream chooses servers, and where a request's session route comes from. The validated
/// `BalancerFactory` makes one balancer per worker; this adds what only the engine can evaluate:
/// the `hash` key, the session id (cookie or URL) and the `sticky route` variables.
final class BalancerPolicy {
    enum RouteSource {
        case none
        /// jvm_route: the session id from the cookie, else the URL's `;jsessionid=` / `?jsessionid=`.
        case jvmRoute(JVMRouteSpec)
        /// `sticky route $a $b`: the first non-empty value is the route.
        case stickyRoute([CompiledTemplate])
        /// `sticky cookie NAME`: the cookie holds the server's route; a balanced pick sets it.
        case stickyCookie(StickyCookieIssuer)
        /// `sticky learn`: `lookup` finds the session, `create` (read from the response) teaches the table:
        /// once the response is complete, or with `header` as soon as its head arrives.
        case stickyLearn(create: [CompiledTemplate], lookup: [CompiledTemplate], atHeader: Bool)
    }

    let factory: BalancerFactory
    let hashKey: CompiledTemplate?
    let route: RouteSource
    /// `share=memcached://…` on `sticky learn` or jvm_route (SharedRoutes.swift); nil: nothing shared.
    let share: SharedRoutes?
    /// jvm_route's fields, unpacked from `route` once: the per-request path reads them in place, where
    /// matching the enum would copy (retain) its payload on every request.
    private let isJVMRoute: Bool
    private let sessionCookie: [UInt8]
    private let sessionURLName: [UInt8]
    private let reverse: Bool
    /// `sticky cookie NAME`'s name as bytes, made once.
    private let stickyCookieName: [UInt8]
    /// `sticky cookie … sign=`: picks need the wall clock (the values expire).
    private let signedCookie: Bool
    /// The balancer picks without looking at the request (`BalancerFactory.readsPickContext`).
    private let contextFree: Bool
    /// What such a balancer is handed: made once, so a pick copies it instead of building one.
    private let emptyContext = PickContext()

    init(factory: BalancerFactory, hashKey: CompiledTemplate?, route: RouteSource, share: SharedRoutes? = nil) {
        self.factory = factory
        self.hashKey = hashKey
        self.route = route
        self.share = share
        contextFree = !factory.readsPickContext
        if case .stickyLearn(_, _, false) = route { learnsAtEnd = true } else { learnsAtEnd = false }
        if case .jvmRoute(let spec) = route {
            (isJVMRoute, sessionCookie, sessionURLName, reverse) = (true, spec.cookieName, spec.sessionURLName, spec.reverse)
        } else {
            (isJVMRoute, sessionCookie, sessionURLName, reverse) = (false, [], [], false)
        }
        if case .stickyCookie(let cookie) = route {
            (stickyCookieName, signedCookie) = (Array(cookie.spec.name.utf8), cookie.isSigned)
        } else {
            (stickyCookieName, signedCookie) = ([], false)
        }
    }

    func makeBalancer() -> any Balancer { factory.make() }

    func context(for r: Request) -> PickContext {
        if contextFree { return emptyContext }   // round-robin and the like: nothing of the request to read
        // `proxy_next_upstream off`: a session whose server is unusable gets 502, not a stand-in.
        let strict = r.proxy?.nextUpstream.conditions.isEmpty ?? false
        let key = hashKey.map { r.evaluate($0) }
        var route: ArraySlice<UInt8>? = nil, session: ArraySlice<UInt8>? = nil
        var unixTime: Int64 = 0
        if isJVMRoute {
            // Slices of the request head: no copy of the session id or its route.
            if let head = r.head, let id = SessionID.find(in: head, args: r.args, cookie: sessionCookie, urlName: sessionURLName) {
                session = id
                route = SessionRoute.route(fromSessionID: id, reverse: reverse)
            }
        } else {
            switch self.route {
            case .none, .jvmRoute: break
            // A sticky route or cookie names a server, not a session: no session id (StickyRoute spreads a dead
            // owner's clients by their address, and binds an unknown route anew).
            case .stickyRoute(let templates):
                for t in templates {
                    let v = r.evaluate(t)
                    if !v.isEmpty { route = v[...]; break }
                }
            case .stickyCookie:
                if let v = r.cookie(stickyCookieName), !v.isEmpty { route = v }
                if signedCookie { unixTime = Int64(time(nil)) }
            case .stickyLearn(_, let lookup, _):
                if let v = Self.firstNonEmpty(lookup, r) { route = v[...]; session = v[...] }
            }
        }
        return PickContext(clientAddress: r.clientAddressBytes, hashKey: key, route: route, sessionID: session,
                           strictAffinity: strict, unixTime: unixTime)
    }

    /// What a response teaches or tells the client about its server: the `sticky cookie` to set (returned as a
    /// header line) for a balanced pick, a `sticky learn` entry, and the new-session count for the status page.
    func afterResponse(_ r: Request, pick: Pick, set up: ServerSet, now: Instant) -> [UInt8]? {
        if isJVMRoute {
            // A session the backend just created (Set-Cookie: JSESSIONID=…) counts for the status page.
            if let resp = r.upstreamResponse, resp.hasSetCookie {
                let b = resp.bytes
                for f in resp.headers where ASCII.named(b, f.name, "set-cookie") {
                    if let v = Cookies.valueRange(named: sessionCookie, in: b, f.value), v.end > v.start {
                        up.health.noteSession(pick.peer, sessionID: b[v.start..<v.end], now: now)
                        forgetRestamped(r, newID: b[v.start..<v.end])
                    }
                }
            }
            return nil
        }
        switch route {
        case .stickyCookie(let cookie):
            // Every response sets the cookie, as nginx's does, so its expiry restarts with each visit. A new
            // binding (or a signed cookie past half its life) names the picked server; otherwise the client's
            // own value goes back, so a session on a stand-in keeps pointing at its owner.
            let unixTime = Int64(time(nil))
            if pick.role == .balanced || (pick.role == .owner && (pick.refresh || !cookie.isSigned)) {
                return cookie.header(for: up.peers[pick.peer.index], request: r, unixTime: unixTime)
            }
            if let v = r.cookie(stickyCookieName), !v.isEmpty {
                // On a stand-in, a signed cookie past half its life is signed again for its owner: a client that
                // stays active through a long outage keeps its binding, and goes home when the owner is back.
                if pick.refresh, let signer = cookie.spec.signer {
                    return cookie.header(value: signer.issue(serverID: Array(CookieSigner.serverID(ofVerified: v)), unixTime: unixTime),
                                         request: r, unixTime: unixTime)
                }
                return cookie.header(value: Array(v), request: r, unixTime: unixTime)
            }
        case .stickyLearn(let create, _, true):
            learn(create, r, pick: pick, set: up, now: now)
        default:
            break
        }
        return nil
    }

    /// `sticky learn` without `header`: the session is learnt when its response is complete (nginx Plus), so
    /// requests that arrive while the first response is still coming are balanced.
    /// Stored: read at the end of every proxied response, where matching the enum would retain its payload.
    let learnsAtEnd: Bool

    func afterBody(_ r: Request, pick: Pick, set up: ServerSet, now: Instant) {
        if case .stickyLearn(let create, _, false) = route { learn(create, r, pick: pick, set: up, now: now) }
    }

    private func learn(_ create: [CompiledTemplate], _ r: Request, pick: Pick, set up: ServerSet, now: Instant) {
        guard let session = Self.firstNonEmpty(create, r) else { return }
        factory.learnTable?.learn(session, address: up.peers[pick.peer.index].address, now: now)
        up.health.noteSession(pick.peer, sessionID: session, now: now)
    }

    /// failback=stay: the application set a new session id (a re-stamp after a take-over, or a new session), so
    /// the cookie tells the truth again and the request's moved-session entry goes.
    private func forgetRestamped(_ r: Request, newID: ArraySlice<UInt8>) {
        guard let table = factory.failbackTable, table.count > 0, let head = r.head,
              let old = SessionID.find(in: head, args: r.args, cookie: sessionCookie, urlName: sessionURLName),
              !old.elementsEqual(newID)
        else { return }
        if table.forget(old) { factory.counters.noteRestamp() }
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
    /// The first value of cookie `name` across the request's Cookie headers: a slice of the head, not a copy.
    func cookie(_ name: [UInt8]) -> ArraySlice<UInt8>? {
        guard let head else { return nil }
        return head.cookieRange(named: name).map { head.bytes[$0.start..<$0.end] }
    }
}
