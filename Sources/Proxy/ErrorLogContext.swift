import EventLoop
import HTTP1

/// What nginx appends to a connection's error log line (ngx_http_log_error): `, client: ADDR`, then
/// `, server: NAME` (the request's server, the address's default one until the Host is known; before any request,
/// the listening address), `, request: "LINE"`, `, upstream: "URL"` (the try under way or the last one),
/// `, host: "HOST"` and `, referrer: "REFERER"` when sent. A line then names its request and its backend, and
/// the filters written against nginx's lines (fail2ban's `client: <HOST>`) match switchyard's.
/// Built only for a line that is written.
extension ClientConnection {
    var logContext: String {
        var out: [UInt8] = Array(", client: ".utf8)
        guard let r = currentRequest, r.head != nil else {
            out.append(contentsOf: peerText)
            out.append(contentsOf: ", server: ".utf8)
            out.append(contentsOf: listen.address.description.utf8)
            return String(decoding: out, as: UTF8.self)
        }
        out.append(contentsOf: r.remoteAddrText)
        out.append(contentsOf: ", server: ".utf8)
        out.append(contentsOf: (r.server ?? listen.hosts.defaultServer).name)
        if !r.head.bytes.isEmpty { quoted("request", &out) { r.append(.request, to: &$0) } }
        if let upstream = r.logUpstream { quoted("upstream", &out) { $0.append(contentsOf: upstream) } }
        if let host = r.head.firstHeader("host") { quoted("host", &out) { $0.append(contentsOf: host) } }
        if let referer = r.head.firstHeader("referer") { quoted("referrer", &out) { $0.append(contentsOf: referer) } }
        return String(decoding: out, as: UTF8.self)
    }

    /// `, name: "value"`.
    private func quoted(_ name: String, _ out: inout [UInt8], _ value: (inout [UInt8]) -> Void) {
        out.append(contentsOf: ", \(name): \"".utf8)
        value(&out)
        out.append(34)
    }
}

extension Request {
    /// nginx's `upstream: "…"`: the scheme, the server of the current (or last) try, and for HTTP the URI it was
    /// sent (`http://10.0.0.5:8080/cart?id=7`); nil before any server was picked. From the request, so a
    /// tunnel's lines (the exchange has handed it the connection) name their upstream too.
    var logUpstream: [UInt8]? {
        guard let p = proxy, let label = tries.last?.address else { return nil }
        let secure = p.speaksTLS(for: self)
        var out = Array((p.cgi?.scheme(secure: secure) ?? (secure ? "https://" : "http://")).utf8)
        out.append(contentsOf: label)
        if p.cgi == nil, let uri = UpstreamRequest.target(of: upstreamHead) {
            if label.starts(with: "unix:".utf8) { out.append(58) }   // `unix:/path:/uri`, as nginx separates them
            out.append(contentsOf: uri)
        }
        return out
    }
}
