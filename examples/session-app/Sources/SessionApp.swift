import HTTP1

/// The web application: `/tomcat-session/` (the reference's index.jsp plus the serving node and a hit counter),
/// static files matched by the ignore pattern (served without touching the session, as MSM skips them), a
/// redirect from `/` to the page, and 404 for the rest (which still loads the session, as MSM's valve does).
final class SessionApp {
    let options: AppOptions
    let manager: SessionManager
    private let log: Log

    private static let pagePaths: [[UInt8]] = ["/tomcat-session/", "/tomcat-session", "/tomcat-session/index.jsp"]
        .map { Array($0.utf8) }

    init(options: AppOptions, log: Log) {
        self.options = options
        self.log = log
        manager = SessionManager(options: options, log: log)
    }

    private var nodeName: String { options.jvmRoute ?? "node" }

    func respond(to head: RequestHead) -> AppResponse {
        let requested = RequestedSession.find(in: head)
        let path = requested.path
        if options.ignorePattern.matches(path[...]) {
            let text = "static \(String(decoding: path, as: UTF8.self)) from \(nodeName): no session work\n"
            return AppResponse(status: 200, contentType: Self.contentType(path), body: Array(text.utf8))
        }
        if path == [47] {
            return AppResponse(status: 302, contentType: "text/html", body: Array("<a href=\"/tomcat-session/\">/tomcat-session/</a>\n".utf8),
                               location: "/tomcat-session/")
        }
        var lock: SessionLock?
        let found = manager.begin(requested, path: path, lock: &lock)
        guard Self.pagePaths.contains(path) else {
            manager.end(found, modified: false, path: path, lock: lock)
            return AppResponse(status: 404, contentType: "text/html", body: Array("<h1>404 Not Found</h1>\n".utf8))
        }
        var session = found ?? manager.create()
        session.record.hits += 1
        manager.end(session, modified: true, path: path, lock: lock)
        Log.write(session.id.text + "\n", to: 1)  // as the reference's index.jsp does (System.out.println)
        return AppResponse(
            status: 200, contentType: "text/html;charset=UTF-8",
            body: Array(page(session, encodeURL: !requested.fromCookie).utf8),
            setCookie: session.needsCookie ? "JSESSIONID=\(session.id.text); Path=/; HttpOnly" : nil)
    }

    /// The page. `SESSION ID:` is the reference's line; the rest shows who served it and that the session lives on.
    /// Links carry `;jsessionid=` when the session did not come from a cookie (Tomcat's encodeURL).
    private func page(_ s: ActiveSession, encodeURL: Bool) -> String {
        let link = "/tomcat-session/" + (encodeURL ? ";jsessionid=\(s.id.text)" : "")
        return """
            <html><head><title>Cluster Test</title></head>
            <body>
            <br> SESSION ID:\(s.id.text)<br>
            <br> SERVED BY:\(nodeName) (port \(options.port))<br>
            <br> HITS:\(s.record.hits)<br>
            <br> SESSION STORE:\(manager.storeDescription)<br>
            <br> <a href="\(link)">refresh</a><br>
            </body></html>

            """
    }

    private static func contentType(_ path: [UInt8]) -> String {
        let types = [("png", "image/png"), ("gif", "image/gif"), ("jpg", "image/jpeg"), ("css", "text/css"),
                     ("js", "application/javascript")]
        for (ext, type) in types where path.count > ext.utf8.count && path.suffix(ext.utf8.count).elementsEqual(ext.utf8) {
            return type
        }
        return "application/octet-stream"
    }
}
