import Digest
import HTTP1

/// `dashboard [api=URI]`: one HTML page, its style and script inline (no other asset, so it works offline and
/// behind the location's own access rules), that polls the runtime API at `URI` and draws upstreams, servers,
/// rates and drain buttons in place (DashboardHTML.swift). Built once at load: a request is answered with these
/// bytes, or a 304 for its ETag; nothing is rendered per request.
struct DashboardPage: Sendable {
    let body: [UInt8]
    /// A strong tag over the page: it changes only with switchyard's version or `api=`.
    let etag: [UInt8]
    /// ETag, Cache-Control and the security fields, ready for `Responses.send`.
    let fields: [([UInt8], [UInt8])]

    static let contentType = Array("text/html; charset=utf-8".utf8)

    init(api: String) {
        let script = "\n\"use strict\";\nvar API = \"\(Self.jsString(api))\";\n" + DashboardHTML.script
        let style = DashboardHTML.style
        let page = DashboardHTML.head + "<style>" + style + "</style>\n</head>\n" + DashboardHTML.body
            + "<script>" + script + "</script>\n</body>\n</html>\n"
        body = Array(page.utf8)
        etag = Array("\"\(MD5.hex(body))\"".utf8)
        // The page runs its own script and style only (their hashes), talks to its own origin (and the API's, when
        // `api=` names another), and cannot be framed: its buttons drain servers.
        var connect = "'self'"
        if let origin = Self.origin(of: api) { connect += " " + origin }
        let policy = "default-src 'none'; script-src '\(Self.hash(script))'; style-src '\(Self.hash(style))'; "
            + "connect-src \(connect); img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        fields = [
            (Array("ETag".utf8), etag),
            (Array("Cache-Control".utf8), Array("no-cache".utf8)),
            (Array("Content-Security-Policy".utf8), Array(policy.utf8)),
            (Array("X-Content-Type-Options".utf8), Array("nosniff".utf8)),
            (Array("Referrer-Policy".utf8), Array("no-referrer".utf8)),
        ]
    }

    /// `api=` inside a JavaScript string: Config admits visible ASCII without quotes, backslashes or angle
    /// brackets; anything else is escaped all the same.
    static func jsString(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            let v = u.value
            let plain = (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
                || "/:.-_~%?=&+@!$,;*()[]#".unicodeScalars.contains(u)
            if plain { out.unicodeScalars.append(u); continue }
            for unit in String(u).utf16 {
                let hex = String(unit, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return out
    }

    /// `scheme://host[:port]` of an absolute `api=` URL, for connect-src; nil for a path on this server.
    static func origin(of api: String) -> String? {
        let scheme = api.hasPrefix("https://") ? 8 : api.hasPrefix("http://") ? 7 : 0
        guard scheme > 0 else { return nil }
        let rest = api.dropFirst(scheme)
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        return String(api[..<end])
    }

    /// A CSP source for an inline element's exact text.
    static func hash(_ text: String) -> String {
        "sha256-" + String(decoding: Base64.encode(SHA256.digest(Array(text.utf8))), as: UTF8.self)
    }
}

extension DashboardPage {
    /// GET and HEAD; a request whose If-None-Match names the page gets a 304.
    func serve(on c: ClientConnection) {
        guard let head = c.request.head else { return }
        if head.method != .get && head.method != .head {
            if head.bodyFraming != .none { c.keepAliveAfterResponse = false }   // its body is not read
            return Responses.sendError(405, on: c)
        }
        if ConditionalFields.present(in: head), let tags = ConditionalFields(head).ifNoneMatch,
           NotModifiedFilter.matches(tags, etag: etag[...], weak: true) {
            return Responses.send(status: 304, contentType: [], body: [], extra: fields, on: c)
        }
        Responses.send(status: 200, contentType: Self.contentType, body: body, extra: fields, on: c)
    }
}
