import Config
import HTTP1
import Regex
import ASCIIBytes

/// Routes a parsed request: virtual server by Host, location by nginx's algorithm, rewrite/set, then the
/// location's action. Pure decisions live in `VirtualHosts.select` and `LocationTree.find`, tested without sockets.
enum Router {
    /// `invalidHost`: the head came without its invalid Host field; it is answered with the default server's 400
    /// (its error_page applies, as in nginx, where the request line and fields are read by then).
    static func route(_ r: Request, runtime: Runtime, listen: ListenRuntime, connection c: ClientConnection,
                      invalidHost: Bool = false) {
        let head = r.head!
        if invalidHost { return refuseInvalidHost(r, listen, c) }
        if let only = listen.hosts.onlyServer {
            r.server = only
        } else {
            let host = r.hostHeaderForRouting()
            r.server = listen.hosts.select(host: host) { index, caps in
                r.setCaptures(caps, named: listen.hosts.regexNamed.isEmpty ? [] : listen.hosts.regexNamed[index])
            }
            if c.sniServerName != nil, TLSChecks.refuseMisdirected(r, host: host, connection: c) { return }
        }
        r.applyRealIP(r.server.fallback.identity)   // nginx's post-read phase: the server's realip settings
        if c.plainOnTLSPort || c.isTLS, TLSChecks.refuse(r, connection: c) { return }
        // $uri is the normalized path; $args the query. merge_slashes is the default server's, as in nginx
        // (the path is parsed before the Host header picks the server).
        let merge = listen.hosts.defaultServer.mergeSlashes
        do throws(HTTPParseError) {
            try head.normalizedPath(mergeSlashes: merge, into: &r.uri)   // into the recycled request's buffer
        } catch {
            r.uri.removeAll(keepingCapacity: true)   // no half-decoded $uri in the logs
            c.worker.log(.info, "client sent invalid request while reading client request line", c)
            r.location = r.server.fallback
            c.sendError(400, closeAfter: true); return
        }
        if let q = head.query { r.args = head.bytes(q); r.hasArgs = true }
        process(r, c)
    }

    private static func refuseInvalidHost(_ r: Request, _ listen: ListenRuntime, _ c: ClientConnection) {
        r.server = listen.hosts.defaultServer
        if (try? r.head.normalizedPath(mergeSlashes: r.server.mergeSlashes, into: &r.uri)) == nil {
            r.uri.removeAll(keepingCapacity: true)
        }
        if let q = r.head.query { r.args = r.head.bytes(q); r.hasArgs = true }
        c.worker.log(.info, "client sent invalid host header while reading client request headers", c)
        r.location = r.server.fallback
        c.sendError(400, closeAfter: true)
    }

    /// nginx's phases from the server rewrite on: the server's script, the location search, then the location's
    /// part (`inLocation`). An internal redirect to a URI starts here again.
    static func process(_ r: Request, _ c: ClientConnection) {
        let method = r.head.method
        if method == .trace || method == .connect {
            // nginx refuses both as it reads the head, before any phase (a `return` included), with 405 before it
            // decides on keep-alive, so it closes: a request pipelined behind one is never served.
            c.sendError(405, closeAfter: true); return
        }
        if !r.server.script.isEmpty {
            // nginx's server rewrite phase: once, before the search; `last` there only ends the script.
            r.location = r.server.fallback
            var uriChanged = false
            if case .answered? = RewriteScript.run(r.server.script, r, c, uriChanged: &uriChanged,
                                                   errorStatus: r.errorStatus) { return }
        }
        if locate(r) { inLocation(r, c) }
    }

    /// The location's rewrite script (a changed URI is looked up again), `internal`, try_files, then the content
    /// handler. A redirect to a named location starts here.
    static func inLocation(_ r: Request, _ c: ClientConnection) {
        while true {
            // `internal` is checked as the location is found, before its script (nginx's find-config phase).
            if r.location.files.isInternal && !r.isInternal { return c.sendError(404, closeAfter: false) }
            let script = r.location.script
            // No location matched: nginx skips the location rewrite phase for the server's own location, whose
            // rules are the server's and ran already in the server rewrite phase.
            if script.isEmpty || r.location === r.server.fallback { break }
            var uriChanged = false
            let outcome = RewriteScript.run(script, r, c, uriChanged: &uriChanged, errorStatus: r.errorStatus)
            if case .answered? = outcome { return }
            if !uriChanged { break }
            // A changed URI is looked up again (nginx's post-rewrite phase); it counts against the same 10 URI
            // changes as internal redirects do (InternalRedirect.count).
            r.uriChanges += 1
            if r.uriChanges > 10 {
                c.worker.log(.error, "rewrite or internal redirection cycle while processing \"\(String(decoding: r.uri, as: UTF8.self))\"", c)
                c.sendError(500, closeAfter: false); return
            }
            if !locate(r) { return }
        }
        if r.location.files.isInternal && !r.isInternal { return c.sendError(404, closeAfter: false) }
        preaccess(r, c)
    }

    /// nginx's pre-access phase, in its order: realip with the location's settings, then limit_req, which
    /// may hold the request back (the connection's timer resumes it at `afterRequestLimits`).
    static func preaccess(_ r: Request, _ c: ClientConnection) {
        if let identity = r.location.identity { r.applyRealIP(identity) }
        if let limits = r.location.limits {
            switch LimitPhase.requests(limits, r, c) {
            case .proceed: break
            case .answered: return
            case .delayed(let millis): c.delayRequest(r, millis: millis); return
            }
        }
        afterRequestLimits(r, c)
    }

    /// The rest of the pre-access phase (limit_conn), the access phase, try_files, then the content handler.
    static func afterRequestLimits(_ r: Request, _ c: ClientConnection) {
        if let limits = r.location.limits, !LimitPhase.connections(limits, r, c) { return }
        var identity = r.location.identity
        if let le = r.location.limitExcept, !le.methods.contains(r.head.method) {
            identity = le.identity
            if let own = le.location { r.location = own }   // nginx serves these methods by the block's configuration
        }
        // nginx's access phase is the main request's: a subrequest (an SSI include) skips it.
        if let identity, !r.isSubrequest, !accessPhase(identity, r, c) { return }
        if let tf = r.location.files.tryFiles {
            if TryFilesPhase.run(tf, r, c) { return }
        }
        if let m = r.location.mirror, !MirrorPhase.run(m, r, c) { return }
        dispatch(r, connection: c)
    }

    /// nginx's access phase; false when the request was refused, or waits for auth_request's subrequest (the
    /// connection runs this phase again once it answered). It comes after the pre-access phase (realip ran there)
    /// and before try_files and the content handler.
    /// `satisfy all` needs every module that has a say to allow; `satisfy any` needs one, and otherwise answers
    /// with the refusal, 401 before 403 (nginx's access_code), so a browser still gets its password prompt.
    static func accessPhase(_ identity: ClientIdentityRuntime, _ r: Request, _ c: ClientConnection) -> Bool {
        var refusal = 0
        if let ar = identity.authRequest {
            // nginx's order: allow/deny, auth_basic, then auth_request; resumed, the first two had their say.
            if let answered = c.authRequest {
                refusal = answered.refusal
            } else if let done = accessModules(identity, &refusal, r, c) {
                return done
            }
            switch AuthRequestPhase.run(ar, refusal: refusal, r, c) {
            case .held: return false
            case .allowed:   // under `satisfy all` nothing refused before: `refusal` is 0
                if identity.satisfyAny && !r.errorHeaders.isEmpty { r.errorHeaders = [] }   // nginx drops the challenge
                return true
            case .refused(let status):
                if !identity.satisfyAny || (status != 401 && status != 403) { return refuse(status, identity, r, c) }
                if refusal != 401 { refusal = status }
            }
            return refuse(refusal, identity, r, c)
        }
        if let done = accessModules(identity, &refusal, r, c) { return done }
        return refusal == 0 ? true : refuse(refusal, identity, r, c)
    }

    /// allow/deny and auth_basic: the phase's answer when one of them settles it, else nil with `refusal` set to
    /// what `satisfy any` refuses with if nothing later allows.
    private static func accessModules(_ identity: ClientIdentityRuntime, _ refusal: inout Int, _ r: Request,
                                      _ c: ClientConnection) -> Bool? {
        if !identity.rules.isEmpty {
            if AccessRule.allows(identity.rules, address: r.clientAddressBytes) {
                if identity.satisfyAny { return true }
            } else {
                c.worker.log(.error, "access forbidden by rule", c)
                if !identity.satisfyAny { return refuse(403, identity, r, c) }
                refusal = 403
            }
        }
        if let auth = identity.auth {
            switch AuthBasicCheck.run(auth, r, c) {
            case .declined: break
            case .allowed: if identity.satisfyAny { return true }
            case .refused(let status):
                if !identity.satisfyAny || (status != 401 && status != 403) { return refuse(status, identity, r, c) }
                if refusal != 401 { refusal = status }
            }
        }
        return nil
    }

    private static func refuse(_ status: Int, _ identity: ClientIdentityRuntime, _ r: Request, _ c: ClientConnection) -> Bool {
        if status != 401 && !r.errorHeaders.isEmpty { r.errorHeaders = [] }   // no challenge on a 403 or 500
        // auth_delay: a 401 goes out late, so how long a wrong password took to check does not show.
        if status == 401 && identity.authDelayMillis > 0 {
            c.delayRequest(r, millis: identity.authDelayMillis, thenRefuse: 401)
        } else {
            c.sendError(status, closeAfter: false)
        }
        return false
    }

    /// Finds the location for `r.uri`; false when it answered instead: a 413 for a declared body over its limit,
    /// nginx's auto redirect (a 301 to `uri/`), or a 404 for a URI that would climb out of the location's alias
    /// (FileLookup.climbsOutOfAlias).
    static func locate(_ r: Request) -> Bool {
        var captures: [[UInt8]] = []
        var redirect = false
        let loc = r.server.locations.find(r.uri, captures: &captures, autoRedirect: &redirect) ?? r.server.fallback
        r.location = loc
        r.validLocation = true
        // nginx's find-config phase: a declared length over the location's client_max_body_size is refused here,
        // before the location's rewrite script (a `return` too) and its auto redirect; for every location the
        // request reaches (after a rewrite, try_files, an error_page), unless it was refused already (nginx's
        // discard_body): the 413's own error_page is served.
        if let length = r.head.contentLength, loc.clientMaxBodySize > 0, length > loc.clientMaxBodySize,
           !r.bodyRefused && !r.isSubrequest {
            r.bodyRefused = true
            r.connection.worker.log(.error, "client intended to send too large body: \(length) bytes", r.connection)
            r.connection.sendError(413, closeAfter: true)
            return false
        }
        if redirect {
            let location = FileLookup.slashRedirect(uri: r.uri, args: r.hasArgs ? r.args : nil)
            Responses.redirect(301, location: location, on: r.connection)
            return false
        }
        if !captures.isEmpty { r.setCaptures(captures, named: loc.namedCaptures) }
        if loc.files.root.isAlias, FileLookup.climbsOutOfAlias(r.uri, loc.files.root, captures: r.captures) {
            r.connection.worker.log(.error, "\"\(String(decoding: r.uri, as: UTF8.self))\" climbs out of the alias of "
                                    + "location \"\(loc.displayName)\"", r.connection)
            r.connection.sendError(404, closeAfter: false)
            return false
        }
        return true
    }

    static func dispatch(_ r: Request, connection c: ClientConnection) {
        let loc = r.location!
        // One switch on the optional: binding the action first copied it (a retain of its payload) twice.
        switch loc.action {
        case nil:
            StaticFiles.serve(r, files: loc.files.root, on: c)
        case .proxy(let p)?:
            r.proxy = p
            // `slice`: a main GET's (or HEAD's) answer is fetched in slices, each a subrequest (SliceDriver.swift).
            if loc.sliceSize > 0 && !r.isSubrequest && (r.head.method == .get || r.head.method == .head) {
                return SliceDriver.start(r, c, size: loc.sliceSize)
            }
            let ex = ProxyExchange(client: c, request: r, proxy: p)
            r.sink.exchange = ex
            ex.start()
        case .files(let f)?:
            StaticFiles.serve(r, files: f, on: c)
        case .respond(let status, let body)?:
            Responses.respond(status, body: body, on: c)
        case .stubStatus?:
            Responses.stubStatus(on: c)
        case .upstreamStatus?:
            Responses.upstreamStatus(on: c)
        case .metrics?:
            Responses.metrics(on: c)
        case .api(let write)?:
            APIHandler.serve(on: c, write: write)
        case .dashboard(let page)?:
            page.serve(on: c)
        case .emptyGIF?:
            EmptyGIF.serve(r, on: c)
        case .flv(let f)?:
            FLVFiles.serve(r, files: f, on: c)
        case .jvmRouteStatus(let index)?:
            Responses.jvmRouteStatus(upstream: index, on: c)
        }
    }
}

extension Request {
    /// The absolute-form authority (else the Host header) lowercased, without port: what server_name is
    /// matched on (RFC 9112 §3.2.2; nginx does the same).
    func hostHeaderForRouting() -> [UInt8] {
        guard let range = head?.hostRange else { return [] }
        let h = head.bytes(range)
        var end = h.endIndex
        if h.first != UInt8(ascii: "["), let colon = h.lastIndex(of: UInt8(ascii: ":")) { end = colon }
        var host = ASCII.lowercased(h[h.startIndex..<end])
        if host.last == UInt8(ascii: ".") { host.removeLast() }   // nginx strips one trailing dot
        return host
    }
}

extension VirtualHosts {
    func select(host: [UInt8]) -> ServerRuntime { select(host: host) { _, _ in } }

    /// `matched` receives a regex name's index and captures (nginx's `$1`, `$name` from server_name).
    func select(host: [UInt8], matched: (Int, [[UInt8]]) -> Void) -> ServerRuntime {
        find(host: host, matched: matched) ?? defaultServer
    }

    /// The server whose name matches `host`, or nil (the address's default then serves).
    func find(host: [UInt8]) -> ServerRuntime? { find(host: host) { _, _ in } }

    func find(host: [UInt8], matched: (Int, [[UInt8]]) -> Void) -> ServerRuntime? {
        if host.isEmpty { return exact[host] }   // no Host: the server named "" (nginx)
        if let s = exact[host] { return s }
        for w in leadingWildcards where host.count > w.suffix.count && host.suffix(w.suffix.count).elementsEqual(w.suffix) {
            return w.server
        }
        // ".example.com" also matches "example.com" itself.
        for w in leadingWildcards where w.suffix.first == UInt8(ascii: ".") && host.elementsEqual(w.suffix.dropFirst()) {
            return w.server
        }
        for w in trailingWildcards where host.count > w.prefix.count && host.prefix(w.prefix.count).elementsEqual(w.prefix) {
            return w.server
        }
        for (i, rx) in regexes.enumerated() {
            if let caps = rx.regex.captures(in: host) { matched(i, caps); return rx.server }
        }
        return nil
    }
}

extension LocationTree {
    /// nginx's location search: an exact match wins at once; otherwise the longest prefix is remembered;
    /// `^~` on it, or an exact-form prefix, skips regexes; else the first matching regex wins, else the prefix.
    /// Nested locations of the chosen prefix are searched the same way.
    func find(_ uri: [UInt8], captures: inout [[UInt8]]) -> LocationRuntime? {
        var redirect = false
        return find(uri, captures: &captures, autoRedirect: &redirect)
    }

    /// `autoRedirect`: set when no location is named `uri` but a proxied one is named `uri/` (nginx answers
    /// with a 301 to it, before trying regexes).
    func find(_ uri: [UInt8], captures: inout [[UInt8]], autoRedirect: inout Bool) -> LocationRuntime? {
        if let e = exact[uri] { return e }
        var best: LocationRuntime? = nil
        for p in prefixes where uri.starts(with: p.prefix) { best = p; break }
        if !autoRedirects.isEmpty, best.map({ $0.prefix.count != uri.count }) ?? true, autoRedirects.contains(uri) {
            autoRedirect = true
            return best
        }
        if let b = best {
            if let nested = b.children.find(uri, captures: &captures, autoRedirect: &autoRedirect), !(nested === b) { return nested }
            if autoRedirect { return b }
            if case .prefixNoRegex = b.match { return b }
        }
        for rx in regexes {
            guard case .regex(let re) = rx.match, let caps = re.captures(in: uri) else { continue }
            captures = caps
            if let nested = rx.children.find(uri, captures: &captures) { return nested }
            return rx
        }
        return best
    }
}
