import SwitchyardTestSupport

/// What the session page showed.
struct SessionPage: Equatable, CustomStringConvertible {
    let sessionID: String
    let servedBy: String
    let hits: Int
    /// The JSESSIONID value of a Set-Cookie, if the response set one.
    let setCookie: String?
    /// The refresh link (carries `;jsessionid=` for cookieless clients).
    let link: String

    var base: Substring { sessionID.split(separator: ".", maxSplits: 1)[0] }
    var route: Substring? { sessionID.split(separator: ".", maxSplits: 1).dropFirst().first }
    var description: String { "\(sessionID) by \(servedBy), hits \(hits)" + (setCookie.map { ", Set-Cookie \($0)" } ?? "") }

    init(_ r: TestResponse) throws {
        guard r.status == 200 else { throw TestClientError("status \(r.status): \(r.text)") }
        func field(_ name: String, until end: String) throws -> String {
            guard let start = r.text.range(of: name) else { throw TestClientError("no \(name) in \(r.text)") }
            let rest = r.text[start.upperBound...]
            guard let stop = rest.range(of: end) else { throw TestClientError("no end of \(name) in \(r.text)") }
            return String(rest[..<stop.lowerBound])
        }
        sessionID = try field("SESSION ID:", until: "<br>")
        servedBy = try field("SERVED BY:", until: " ")
        guard let h = Int(try field("HITS:", until: "<br>")) else { throw TestClientError("bad HITS in \(r.text)") }
        hits = h
        link = try field("<a href=\"", until: "\"")
        setCookie = r.headers("Set-Cookie").first { $0.hasPrefix("JSESSIONID=") }.map {
            String($0.dropFirst("JSESSIONID=".count).prefix { $0 != ";" })
        }
    }
}

/// A client that keeps the JSESSIONID cookie as a browser does (or, cookieless, follows the page's rewritten link).
struct Browser {
    let port: UInt16
    var cookie: String?
    let acceptsCookies: Bool

    init(port: UInt16, acceptsCookies: Bool = true) {
        self.port = port
        self.acceptsCookies = acceptsCookies
    }

    private var nextPath = "/tomcat-session/"

    mutating func refresh() throws -> SessionPage {
        var headers: [String: String] = [:]
        if acceptsCookies, let cookie { headers["Cookie"] = "JSESSIONID=\(cookie)" }
        let page = try SessionPage(TestClient.get(port: port, acceptsCookies ? "/tomcat-session/" : nextPath, headers: headers))
        if let set = page.setCookie, acceptsCookies { cookie = set }
        nextPath = page.link
        return page
    }
}

extension String {
    /// Foundation-free substring search.
    func range(of needle: String) -> Range<String.Index>? {
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(needle) { return i..<index(i, offsetBy: needle.count) }
            i = index(after: i)
        }
        return nil
    }
}

extension Substring {
    func range(of needle: String) -> Range<String.Index>? {
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(needle) { return i..<index(i, offsetBy: needle.count) }
            i = index(after: i)
        }
        return nil
    }
}
