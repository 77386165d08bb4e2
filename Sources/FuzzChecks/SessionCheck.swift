import HTTP1
import Balancing
import ASCIIBytes

/// Fuzz check of session-id and route extraction (jvm_route, `sticky cookie|route|learn`). The input is
/// lines: a cookie name, a request target, a URL session-parameter name, comma-separated routes, then Cookie
/// header values. Checks: the two cookie lookups (the slice one and the in-place one sticky routing uses)
/// agree; each extracted id and route has the shape its definition promises; the route table finds exactly
/// the server whose route equals the request's; a learned session is found again.
public enum SessionCheck {
    public static func check(_ data: [UInt8]) throws(FuzzFailure) {
        var lines = data.split(separator: 0x0a, maxSplits: 4 + 16, omittingEmptySubsequences: false).map(Array.init)
        while lines.count < 4 { lines.append([]) }
        let reverse = data.first.map { $0 & 1 == 1 } ?? false
        let cookieName = token(lines[0], or: "JSESSIONID")
        let urlName = token(lines[2], or: "jsessionid")
        let cookies = Array(lines.dropFirst(4))

        for value in cookies { try checkCookieLookups(cookieName, in: value) }
        try checkURI(lines[1], name: urlName)
        let head = requestHead(target: lines[1], cookies: cookies)
        var id: ArraySlice<UInt8>?
        if let head {
            let slice = head.cookie(named: cookieName)
            let range = head.cookieRange(named: cookieName).map { head.bytes[$0.start..<$0.end] }
            try require(slice == range, "cookie lookups disagree: \(slice.map(show) ?? "nil") vs \(range.map(show) ?? "nil")")
            // The engine's extractor (jvm_route): cookie, then `;NAME=` in the path, then the argument.
            id = SessionID.find(in: head, args: head.query.map(head.bytes), cookie: cookieName, urlName: urlName)
            if let id { try require(!id.isEmpty, "empty session id from \(show(lines[1]))") }
        }
        let sessionID = id ?? lines[1][...]
        let route = try checkRoute(sessionID, reverse: reverse)
        try checkRouteTable(routes: lines[3], route: route ?? sessionID)
        try checkLearn(Array(sessionID))
    }

    /// Bytes of `line` that may appear in a cookie or argument name (`$cookie_NAME`), or `fallback`.
    static func token(_ line: [UInt8], or fallback: String) -> [UInt8] {
        let t = line.filter { $0 == 95 || $0 == 45 || ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) }
        return t.isEmpty ? Array(fallback.utf8) : Array(t.prefix(32))
    }

    static func checkCookieLookups(_ name: [UInt8], in value: [UInt8]) throws(FuzzFailure) {
        let slice = Cookies.value(named: name, in: value[...])
        let range = Cookies.valueRange(named: name, in: value, ByteRange(start: 0, end: value.count)).map {
            value[$0.start..<$0.end]
        }
        try require(
            slice == range,
            "Cookies.value and valueRange disagree on \(show(name)) in \(show(value)): "
                + "\(slice.map(show) ?? "nil") vs \(range.map(show) ?? "nil")")
        if let slice {
            try require(!slice.contains(0x3b), "cookie value \(show(slice)) holds a ';'")
            try require(slice.first != 0x20 && slice.last != 0x20, "cookie value \(show(slice)) is not trimmed")
        }
    }

    /// HTTP1's path-parameter and argument lookups (what `SessionID.find` reads the URL with) each return the
    /// value right after `;NAME=` (path) or `NAME=` at the start or after `&` (arguments), without the bytes
    /// that end it.
    static func checkURI(_ uri: [UInt8], name: [UInt8]) throws(FuzzFailure) {
        if let v = URIPath.pathParameter(named: name, in: uri[...]) {
            try require(
                !v.contains { $0 == 0x3b || $0 == 0x3f || $0 == 0x2f || $0 == 0x23 },
                "path parameter \(show(v)) from \(show(uri)) runs past its end")
            try require(
                follows(v, in: uri, name: name) { $0 > uri.startIndex && uri[$0 - 1] == 0x3b },
                "path parameter \(show(v)) from \(show(uri)) does not follow ;\(show(name))=")
        }
        if let v = QueryArgs.value(named: name, in: uri[...]) {
            try require(!v.contains(0x26), "argument \(show(v)) from \(show(uri)) runs past its end")
            try require(
                follows(v, in: uri, name: name) { $0 == uri.startIndex || uri[$0 - 1] == 0x26 },
                "argument \(show(v)) from \(show(uri)) does not follow \(show(name))=")
        }
    }

    /// `value` starts right after `NAME=` (name compared ignoring case) at a start `isStart` accepts.
    static func follows(_ value: ArraySlice<UInt8>, in uri: [UInt8], name: [UInt8], isStart: (Int) -> Bool) -> Bool {
        let nameStart = value.startIndex - 1 - name.count
        guard nameStart >= uri.startIndex, uri[value.startIndex - 1] == 0x3d, isStart(nameStart) else { return false }
        return ASCII.equalsIgnoringCase(uri[nameStart..<(value.startIndex - 1)], name)
    }

    /// `ID.route` (reverse, Tomcat) takes the text after the last dot, `route.ID` the text before the first.
    static func checkRoute(_ id: ArraySlice<UInt8>, reverse: Bool) throws(FuzzFailure) -> ArraySlice<UInt8>? {
        let route = SessionRoute.route(fromSessionID: id, reverse: reverse)
        guard let route else {
            let hasRoute = reverse ? (id.last != nil && id.last != 0x2e && id.contains(0x2e)) : (id.first != 0x2e && id.contains(0x2e))
            try require(!hasRoute, "no route found in \(show(id)) (reverse: \(reverse))")
            return nil
        }
        try require(!route.isEmpty && !route.contains(0x2e), "route \(show(route)) of \(show(id)) is empty or has a dot")
        if reverse {
            try require(route.endIndex == id.endIndex && id[route.startIndex - 1] == 0x2e, "route \(show(route)) is not \(show(id))'s tail")
        } else {
            try require(route.startIndex == id.startIndex && id[route.endIndex] == 0x2e, "route \(show(route)) is not \(show(id))'s head")
        }
        return route
    }

    /// srun_id tables (default route "a") and `sticky cookie` tables look a route up as a plain map would.
    static func checkRouteTable(routes line: [UInt8], route: ArraySlice<UInt8>) throws(FuzzFailure) {
        let routes = line.split(separator: 0x2c, omittingEmptySubsequences: false).prefix(12).map(Array.init)
        let peers = routes.enumerated().map { i, r in
            PeerConfig("127.0.0.\(i + 1):80", route: r.isEmpty ? nil : r)
        }
        let effective = peers.map { $0.route ?? JVMRouteSpec.defaultSrunID }
        let spec = JVMRouteSpec()
        let built: Result<RouteTable, BalancingConfigError>
        do throws(BalancingConfigError) { built = .success(try spec.routeTable(peers: peers)) } catch { built = .failure(error) }
        switch built {
        case .success(let table):
            try require(Set(effective).count == effective.count, "duplicate srun_ids were accepted: \(routes.map(show))")
            for (i, r) in effective.enumerated() {
                try require(table.peer(for: r) == PeerID(i), "srun_id \(show(r)) does not find server \(i)")
            }
            let expected = effective.firstIndex { $0[...] == route }.map(PeerID.init)
            try require(table.peer(for: route) == expected, "route \(show(route)) finds \(String(describing: table.peer(for: route)))")
        case .failure(let error):
            try require(Set(effective).count < effective.count, "unique srun_ids refused: \(error)")
        }
        let cookieTable = StickyCookie.routeTable(peers: peers)
        for peer in peers {
            let value = StickyCookie.cookieValue(for: peer)
            let first = peers.firstIndex { StickyCookie.cookieValue(for: $0) == value }.map(PeerID.init)
            try require(cookieTable.peer(for: value) == first, "sticky cookie \(show(value)) finds the wrong server")
        }
    }

    static func checkLearn(_ session: [UInt8]) throws(FuzzFailure) {
        let table = StickyLearnTable(name: "fuzz", capacity: 2)
        let now = Instant.seconds(1)
        table.learn(session, address: "127.0.0.1:8081", now: now)
        let found = table.lookup(session, now: now)
        try require(found == (session.isEmpty ? nil : "127.0.0.1:8081"), "learned session \(show(session)) found as \(found ?? "nil")")
    }

    static func requestHead(target: [UInt8], cookies: [[UInt8]]) -> RequestHead? {
        var w = HeadWriter()
        w.appendRequestLine(method: "GET", target: target.isEmpty ? Array("/".utf8) : target)
        w.appendHeader("Host", "fuzz")
        for c in cookies { w.appendHeader("Cookie", c) }
        w.appendEnd()
        var parser = RequestHeadParser()
        guard case .complete(let head, _) = w.withByteView({ parser.parse($0) }) else { return nil }
        return head
    }
}
