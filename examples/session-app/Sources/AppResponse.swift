import HTTP1

/// One response of the demo app, before it is framed.
struct AppResponse {
    var status: Int
    var contentType: String
    var body: [UInt8]
    var setCookie: String?
    var location: String?

    /// The response head and (unless HEAD) body, HTTP/1.1, with Content-Length.
    func serialized(headRequest: Bool, keepAlive: Bool) -> [UInt8] {
        var w = HeadWriter(capacity: 256 + body.count)
        w.appendStatusLine(status)
        w.appendHeader("Server", "session-app")
        w.appendHeader("Content-Type", Array(contentType.utf8))
        w.appendHeader("Content-Length", body.count)
        if let setCookie { w.appendHeader("Set-Cookie", Array(setCookie.utf8)) }
        if let location { w.appendHeader("Location", Array(location.utf8)) }
        if !keepAlive { w.appendHeader("Connection", "close") }
        w.appendEnd()
        if !headRequest { w.append(body) }
        return w.finish()
    }
}
