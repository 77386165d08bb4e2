import Config
import HTTP1
import Regex
import ASCIIBytes

/// Routes a parsed request: virtual server by Host, location by nginx's algorithm, rewrite/set, then the
/// location's action. Pure decisions live in `VirtualHosts.select` and `LocationTree.find`, tested without sockets.
enum Router {
    static func route(_ r: Request, runtime: Runtime, listen: ListenRuntime, connection c: ClientConnection) {
        let head = r.head!
        r.server = listen.hosts.onlyServer ?? listen.hosts.select(host: r.hostHeaderForRouting())
        // $uri is the normalized path; $args the query.
        guard let normalized = try? head.normalizedPath() else {
            c.worker.log(.info, "client sent invalid request while reading client request line", c.id)
            r.location = r.server.fallback
            c.sendError(400, closeAfter: true); return
        }
        r.uri = normalized
        if let q = head.query { r.args = head.bytes(q); r.hasArgs = true }
        // Bodies are checked against the limit of the location that serves them (nginx: 413 before reading).
        locate(r)
        var cycles = 0
        while applyRewrites(r, connection: c) {
            cycles += 1
            if cycles > 10 {
                c.worker.log(.error, "rewrite or internal redirection cycle while processing \"\(String(decoding: r.uri, as: UTF8.self))\"", c.id)
                c.sendError(500, closeAfter: false); return
            }
            locate(r)
        }
        if r.location === nil { return }   // a rewrite already answered (redirect)
        dispatch(r, connection: c)
    }

    static func locate(_ r: Request) {
        var captures: [[UInt8]] = []
        r.location = r.server.locations.find(r.uri, captures: &captures) ?? r.server.fallback
        r.captures = captures
    }

    /// Runs the location's `rewrite` and `set` directives. Returns true when a `last` rewrite asks to search the
    /// locations again. A redirect answers the request and clears `r.location`.
    static func applyRewrites(_ r: Request, connection c: ClientConnection) -> Bool {
        let loc = r.location!
        for (slot, value) in loc.sets { r.userVariables[slot] = r.evaluate(value) }
        for rule in loc.rewrites {
            guard let caps = rule.regex.captures(in: r.uri) else { continue }
            r.captures = caps
            var target = r.evaluate(rule.replacement)
            let isAbsolute = target.starts(with: Array("http://".utf8)) || target.starts(with: Array("https://".utf8))
            if rule.flag == .redirect || rule.flag == .permanent || isAbsolute {
                if r.hasArgs, !target.contains(UInt8(ascii: "?")) {
                    target.append(UInt8(ascii: "?")); target.append(contentsOf: r.args)
                }
                Responses.redirect(rule.flag == .permanent ? 301 : 302, location: target, on: c)
                r.location = nil
                return false
            }
            if let q = target.firstIndex(of: UInt8(ascii: "?")) {
                r.args = target[(q + 1)...]; r.hasArgs = true
                target = Array(target[..<q])
            }
            r.uri = target
            r.rewriteCycles += 1
            switch rule.flag {
            case .last: return true
            case .breakHere: return false
            default: continue
            }
        }
        return false
    }

    static func dispatch(_ r: Request, connection c: ClientConnection) {
        let loc = r.location!
        let head = r.head!
        if head.method == .trace || head.method == .connect {
            // nginx answers both with 405 before it decides on keep-alive, so it closes: a request pipelined
            // behind one is never served.
            c.sendError(405, closeAfter: true); return
        }
        if let length = head.contentLength, loc.clientMaxBodySize > 0, length > loc.clientMaxBodySize {
            c.worker.log(.error, "client intended to send too large body: \(length) bytes", c.id)
            c.sendError(413, closeAfter: true); return
        }
        guard let action = loc.action else {
            StaticFiles.serve(r, files: StaticRuntime(root: c.runtime.defaultRoot, isAlias: false,
                                                      index: [Array("index.html".utf8)]), on: c)
            return
        }
        switch action {
        case .proxy(let p):
            r.proxy = p
            let ex = ProxyExchange(client: c, request: r, proxy: p)
            c.exchange = ex
            ex.start()
        case .files(let f):
            StaticFiles.serve(r, files: f, on: c)
        case .respond(let status, let body):
            Responses.respond(status, body: body, on: c)
        case .stubStatus:
            Responses.stubStatus(on: c)
        case .upstreamStatus:
            Responses.upstreamStatus(on: c)
        case .jvmRouteStatus(let index):
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
    func select(host: [UInt8]) -> ServerRuntime {
        if host.isEmpty { return defaultServer }
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
        for rx in regexes where rx.regex.captures(in: host) != nil { return rx.server }
        return defaultServer
    }
}

extension LocationTree {
    /// nginx's location search: an exact match wins at once; otherwise the longest prefix is remembered;
    /// `^~` on it, or an exact-form prefix, skips regexes; else the first matching regex wins, else the prefix.
    /// Nested locations of the chosen prefix are searched the same way.
    func find(_ uri: [UInt8], captures: inout [[UInt8]]) -> LocationRuntime? {
        if let e = exact[uri] { return e }
        var best: LocationRuntime? = nil
        for p in prefixes where uri.starts(with: p.prefix) { best = p; break }
        if let b = best {
            if let nested = b.children.find(uri, captures: &captures), !(nested === b) { return nested }
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
