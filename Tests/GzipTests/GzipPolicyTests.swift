import Gzip
import Testing

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// The reference deployment's settings (nginx.conf): gzip on, min_length 1k, level 9, vary on, buffers 4 16k.
private func referenceConfig() -> GzipConfig {
    var c = GzipConfig()
    c.enabled = true
    c.minLength = 1024
    c.level = 9
    c.vary = true
    c.buffers = GzipBuffers(count: 4, size: 16 * 1024)
    c.types = GzipTypes(["text/plain", "application/x-javascript", "text/css", "application/xml"])
    return c
}

private func okRequest() -> GzipRequestFacts { GzipRequestFacts(acceptEncoding: bytes("gzip, deflate")) }
private func okResponse() -> GzipResponseFacts {
    GzipResponseFacts(status: 200, contentType: bytes("text/html; charset=utf-8")[...], contentLength: 5000)
}

/// One policy row: a change to the baseline (eligible, accepted) and the expected reason + Vary.
struct Row: CustomTestStringConvertible, Sendable {
    let name: String
    let reason: GzipDecision.Reason
    let vary: Bool
    let edit: @Sendable (inout GzipConfig, inout GzipRequestFacts, inout GzipResponseFacts) -> Void
    var testDescription: String { name }
}

/// One gzip_static client check: a change to the accepted baseline and whether the client still gets the `.gz`.
struct ClientRow: CustomTestStringConvertible, Sendable {
    let name: String
    let accepted: Bool
    let edit: @Sendable (inout GzipConfig, inout GzipRequestFacts) -> Void
    var testDescription: String { name }
}

@Suite struct GzipPolicyTests {
    static let rows: [Row] = [
        Row(name: "baseline", reason: .compress, vary: true) { _, _, _ in },
        Row(name: "gzip off", reason: .disabled, vary: false) { c, _, _ in c.enabled = false },
        Row(name: "403 compressed", reason: .compress, vary: true) { _, _, r in r.status = 403 },
        Row(name: "404 compressed", reason: .compress, vary: true) { _, _, r in r.status = 404 },
        Row(name: "204", reason: .status, vary: false) { _, _, r in r.status = 204 },
        Row(name: "206", reason: .status, vary: false) { _, _, r in r.status = 206 },
        Row(name: "304", reason: .status, vary: false) { _, _, r in r.status = 304 },
        Row(name: "302", reason: .status, vary: false) { _, _, r in r.status = 302 },
        Row(name: "500", reason: .status, vary: false) { _, _, r in r.status = 500 },
        Row(name: "HEAD", reason: .headRequest, vary: false) { _, q, _ in q.isHead = true },
        Row(name: "Range request", reason: .rangeRequest, vary: false) { _, q, _ in q.hasRange = true },
        Row(name: "already encoded", reason: .alreadyEncoded, vary: false) { _, _, r in r.hasContentEncoding = true },
        Row(name: "below min_length", reason: .tooShort, vary: false) { _, _, r in r.contentLength = 1023 },
        Row(name: "exactly min_length", reason: .compress, vary: true) { _, _, r in r.contentLength = 1024 },
        Row(name: "unknown length", reason: .compress, vary: true) { _, _, r in r.contentLength = nil },
        Row(name: "type not listed", reason: .type, vary: false) { _, _, r in r.contentType = bytes("image/png")[...] },
        Row(name: "listed type any case", reason: .compress, vary: true) { _, _, r in
            r.contentType = bytes("Text/CSS ;charset=utf-8")[...]
        },
        Row(name: "no content type", reason: .type, vary: false) { _, _, r in r.contentType = nil },
        Row(name: "star matches all", reason: .compress, vary: true) { c, _, r in
            c.types = GzipTypes(["*"])
            r.contentType = bytes("image/png")[...]
        },
        Row(name: "star matches missing type", reason: .compress, vary: true) { c, _, r in
            c.types = GzipTypes(["*"])
            r.contentType = nil
        },
        Row(name: "text/html always", reason: .compress, vary: true) { c, _, _ in c.types = GzipTypes([]) },
        Row(name: "no Accept-Encoding still varies", reason: .notAccepted, vary: true) { _, q, _ in q.acceptEncoding = nil },
        Row(name: "gzip;q=0", reason: .notAccepted, vary: true) { _, q, _ in q.acceptEncoding = bytes("gzip;q=0") },
        Row(name: "vary off", reason: .compress, vary: false) { c, _, _ in c.vary = false },
        Row(name: "upstream already varies", reason: .compress, vary: false) { _, _, r in r.varyCoversAcceptEncoding = true },
        Row(name: "HTTP/1.0 below 1.1", reason: .httpVersion, vary: true) { _, q, _ in q.httpVersion = .http10 },
        Row(name: "HTTP/1.0 allowed", reason: .compress, vary: true) { c, q, _ in
            c.httpVersion = .http10
            q.httpVersion = .http10
        },
        Row(name: "gzip_disable", reason: .userAgent, vary: true) { _, q, _ in q.userAgentDisabled = true },
        Row(name: "Via with proxied off", reason: .proxied, vary: true) { _, q, _ in q.hasVia = true },
        Row(name: "Via with any", reason: .compress, vary: true) { c, q, _ in
            c.proxied = .any
            q.hasVia = true
        },
        Row(name: "off wins over any", reason: .proxied, vary: true) { c, q, _ in
            c.proxied = [.off, .any]
            q.hasVia = true
        },
        Row(name: "auth with Authorization", reason: .compress, vary: true) { c, q, _ in
            c.proxied = .auth
            q.hasVia = true
            q.hasAuthorization = true
        },
        Row(name: "auth without Authorization, no cache headers", reason: .compress, vary: true) { c, q, _ in
            c.proxied = .auth
            q.hasVia = true
        },
        Row(name: "auth without Authorization, Cache-Control", reason: .proxied, vary: true) { c, q, r in
            c.proxied = .auth
            q.hasVia = true
            r.cacheControl = bytes("max-age=60")
        },
        Row(name: "expired with past Expires", reason: .compress, vary: true) { c, q, r in
            c.proxied = .expired
            q.hasVia = true
            r.expires = .inThePast
        },
        Row(name: "expired with future Expires", reason: .proxied, vary: true) { c, q, r in
            c.proxied = .expired
            q.hasVia = true
            r.expires = .notInThePast
        },
        Row(name: "Expires without expired flag", reason: .proxied, vary: true) { c, q, r in
            c.proxied = .noCache
            q.hasVia = true
            r.expires = .inThePast
        },
        Row(name: "Expires decides before Cache-Control", reason: .proxied, vary: true) { c, q, r in
            c.proxied = [.expired, .noCache]
            q.hasVia = true
            r.expires = .notInThePast
            r.cacheControl = bytes("no-cache")
        },
        Row(name: "no-cache", reason: .compress, vary: true) { c, q, r in
            c.proxied = .noCache
            q.hasVia = true
            r.cacheControl = bytes("max-age=0, No-Cache")
        },
        Row(name: "no-store", reason: .compress, vary: true) { c, q, r in
            c.proxied = .noStore
            q.hasVia = true
            r.cacheControl = bytes("no-store")
        },
        Row(name: "private", reason: .compress, vary: true) { c, q, r in
            c.proxied = .private
            q.hasVia = true
            r.cacheControl = bytes("private, max-age=5")
        },
        Row(name: "private flag but public response", reason: .proxied, vary: true) { c, q, r in
            c.proxied = .private
            q.hasVia = true
            r.cacheControl = bytes("public, max-age=5")
        },
        Row(name: "no_last_modified with Last-Modified", reason: .proxied, vary: true) { c, q, r in
            c.proxied = .noLastModified
            q.hasVia = true
            r.hasLastModified = true
        },
        Row(name: "no_last_modified without Last-Modified", reason: .compress, vary: true) { c, q, _ in
            c.proxied = .noLastModified
            q.hasVia = true
        },
        Row(name: "no_etag with ETag", reason: .proxied, vary: true) { c, q, r in
            c.proxied = .noETag
            q.hasVia = true
            r.etag = bytes("\"v1\"")[...]
        },
        Row(name: "no_etag without ETag", reason: .compress, vary: true) { c, q, _ in
            c.proxied = .noETag
            q.hasVia = true
        },
    ]

    @Test(arguments: rows)
    func rule(row: Row) {
        var c = referenceConfig()
        var q = okRequest()
        var r = okResponse()
        row.edit(&c, &q, &r)
        let d = GzipPolicy.decide(c, q, r)
        #expect(d.reason == row.reason)
        #expect(d.compress == (row.reason == .compress))
        #expect(d.addVary == row.vary)
    }

    @Test(arguments: [
        ("\"abc\"", GzipDecision.ETagEdit.weaken),
        ("W/\"abc\"", .keep),
        ("abc", .remove),
    ])
    func strongETagBecomesWeak(etag: String, edit: GzipDecision.ETagEdit) {
        var r = okResponse()
        r.etag = bytes(etag)[...]
        #expect(GzipPolicy.decide(referenceConfig(), okRequest(), r).etag == edit)
    }

    @Test func etagUntouchedWhenNotCompressing() {
        var r = okResponse()
        r.etag = bytes("\"abc\"")[...]
        var q = okRequest()
        q.acceptEncoding = nil
        #expect(GzipPolicy.decide(referenceConfig(), q, r).etag == .keep)
    }

    @Test func zlibParametersFollowLengthAndConfig() {
        var r = okResponse()
        r.contentLength = 1500
        let d = GzipPolicy.decide(referenceConfig(), okRequest(), r)
        #expect(d.level == 9)
        #expect(d.windowBits == 11)
        #expect(d.memLevel == 4)
        #expect(d.buffers == GzipBuffers(count: 4, size: 16 * 1024))
        r.contentLength = nil
        let big = GzipPolicy.decide(referenceConfig(), okRequest(), r)
        #expect(big.windowBits == 15)
        #expect(big.memLevel == 8)
    }

    /// gzip_static's question: the client side only, whatever `gzip` and the response would say; `gzip_proxied`
    /// sees no response fields yet, so `no_last_modified` and `no_etag` let a proxied request have the file.
    static let clientRows: [ClientRow] = [
        ClientRow(name: "accepted with gzip off", accepted: true) { c, _ in c.enabled = false },
        ClientRow(name: "no Accept-Encoding", accepted: false) { _, q in q.acceptEncoding = nil },
        ClientRow(name: "gzip;q=0", accepted: false) { _, q in q.acceptEncoding = bytes("gzip;q=0") },
        ClientRow(name: "HTTP/1.0 below gzip_http_version", accepted: false) { _, q in q.httpVersion = .http10 },
        ClientRow(name: "HTTP/1.0 with gzip_http_version 1.0", accepted: true) { c, q in
            c.httpVersion = .http10
            q.httpVersion = .http10
        },
        ClientRow(name: "Via with gzip_proxied off", accepted: false) { _, q in q.hasVia = true },
        ClientRow(name: "Via with no_last_modified no_etag", accepted: true) { c, q in
            c.proxied = [.noLastModified, .noETag]
            q.hasVia = true
        },
        ClientRow(name: "gzip_disable matched", accepted: false) { _, q in q.userAgentDisabled = true },
        ClientRow(name: "HEAD and Range do not matter", accepted: true) { _, q in
            q.isHead = true
            q.hasRange = true
        },
    ]

    @Test(arguments: clientRows)
    func clientAcceptsForGzipStatic(row: ClientRow) {
        var c = referenceConfig()
        var q = okRequest()
        row.edit(&c, &q)
        #expect(GzipPolicy.clientAccepts(c, q) == row.accepted)
    }

    @Test(arguments: ["off", "expired", "no-cache", "no-store", "private", "no_last_modified", "no_etag", "auth", "any"])
    func proxiedParametersParse(name: String) {
        #expect(GzipProxied(parameter: name) != nil)
    }

    @Test func unknownProxiedParameterIsRejected() {
        #expect(GzipProxied(parameter: "no_cache") == nil)
    }
}
