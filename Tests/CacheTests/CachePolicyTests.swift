import Cache
import HTTP1
import Testing

private func b(_ s: String) -> [UInt8] { Array(s.utf8) }
private let now: Int64 = 1_795_597_200  // Wed, 25 Nov 2026 09:00:00 GMT

/// The reference vhost: proxy_cache_valid 200 302 1h; proxy_cache_valid 301 1d; proxy_cache_valid any 10m.
private func referenceRules() -> CacheRules {
    var r = CacheRules()
    r.valid = [
        CacheValidRule(codes: [200, 302], seconds: 3600), CacheValidRule(codes: [301], seconds: 86_400),
        .any(seconds: 600),
    ]
    return r
}

struct StoreRow: CustomTestStringConvertible, Sendable {
    let name: String
    /// Seconds of freshness from `now`, or nil when the response must not be stored.
    let ttl: Int64?
    let reason: CacheStoreDecision.Reason?
    let edit: @Sendable (inout CacheRules, inout CacheRequestFacts, inout CacheResponseFacts) -> Void
    var testDescription: String { name }

    init(_ name: String, ttl: Int64, _ edit: @escaping @Sendable (inout CacheRules, inout CacheRequestFacts, inout CacheResponseFacts) -> Void) {
        self.name = name
        self.ttl = ttl
        self.reason = nil
        self.edit = edit
    }

    init(_ name: String, refused: CacheStoreDecision.Reason, _ edit: @escaping @Sendable (inout CacheRules, inout CacheRequestFacts, inout CacheResponseFacts) -> Void) {
        self.name = name
        self.ttl = nil
        self.reason = refused
        self.edit = edit
    }
}

@Suite struct CachePolicyTests {
    static let rows: [StoreRow] = [
        StoreRow("200 by proxy_cache_valid", ttl: 3600) { _, _, _ in },
        StoreRow("302 by proxy_cache_valid", ttl: 3600) { _, _, r in r.status = 302 },
        StoreRow("301 by proxy_cache_valid", ttl: 86_400) { _, _, r in r.status = 301 },
        StoreRow("404 by any", ttl: 600) { _, _, r in r.status = 404 },
        StoreRow("500 by any", ttl: 600) { _, _, r in r.status = 500 },
        StoreRow("bare time covers 200", ttl: 300) { c, _, _ in c.valid = [CacheValidRule(seconds: 300)] },
        StoreRow("bare time covers 301", ttl: 300) { c, _, r in
            c.valid = [CacheValidRule(seconds: 300)]
            r.status = 301
        },
        StoreRow("bare time skips 404", refused: .noValidity) { c, _, r in
            c.valid = [CacheValidRule(seconds: 300)]
            r.status = 404
        },
        StoreRow("first matching line wins", ttl: 600) { c, _, _ in
            c.valid = [.any(seconds: 600), CacheValidRule(codes: [200], seconds: 3600)]
        },
        StoreRow("valid 0 means no", refused: .noValidity) { c, _, _ in c.valid = [CacheValidRule(codes: [200], seconds: 0)] },
        StoreRow("no valid lines", refused: .noValidity) { c, _, _ in c.valid = [] },
        StoreRow("206 never", refused: .status) { _, _, r in r.status = 206 },
        StoreRow("POST not in methods", refused: .method) { _, q, _ in q.method = b("POST") },
        StoreRow("POST added to methods", ttl: 3600) { c, q, _ in
            c.methods.insert(b("POST"))
            q.method = b("POST")
        },
        StoreRow("proxy_no_cache", refused: .noCacheDirective) { _, q, _ in q.noCache = true },
        StoreRow("bypass still stores", ttl: 3600) { _, q, _ in q.bypass = true },
        // Safety: sessions.
        StoreRow("Set-Cookie never stored", refused: .setCookie) { _, _, r in r.hasSetCookie = true },
        StoreRow("Set-Cookie beats X-Accel-Expires", refused: .setCookie) { _, _, r in
            r.hasSetCookie = true
            r.xAccelExpires = b("60")
        },
        StoreRow("Set-Cookie ignored", ttl: 3600) { c, _, r in
            c.ignoreHeaders = .setCookie
            r.hasSetCookie = true
        },
        StoreRow("Vary star", refused: .vary) { _, _, r in r.vary = b("*") },
        StoreRow("Vary list with star", refused: .vary) { _, _, r in r.vary = b("Accept-Encoding, *") },
        StoreRow("Vary too long", refused: .vary) { _, _, r in r.vary = b(String(repeating: "X-Long-Header-Name, ", count: 8)) },
        StoreRow("Vary star ignored", ttl: 3600) { c, _, r in
            c.ignoreHeaders = .vary
            r.vary = b("*")
        },
        StoreRow("Vary Cookie is a variant", ttl: 3600) { _, _, r in r.vary = b("Cookie") },
        StoreRow("Authorization without permission", refused: .authorization) { _, q, _ in q.hasAuthorization = true },
        StoreRow("Authorization with public", ttl: 3600) { _, q, r in
            q.hasAuthorization = true
            r.cacheControl = b("public")
        },
        StoreRow("Authorization with s-maxage", ttl: 30) { _, q, r in
            q.hasAuthorization = true
            r.cacheControl = b("s-maxage=30")
        },
        StoreRow("Authorization with must-revalidate", ttl: 60) { _, q, r in
            q.hasAuthorization = true
            r.cacheControl = b("max-age=60, must-revalidate")
        },
        // Precedence: X-Accel-Expires > Cache-Control > Expires > proxy_cache_valid.
        StoreRow("X-Accel-Expires seconds", ttl: 42) { _, _, r in r.xAccelExpires = b("42") },
        StoreRow("X-Accel-Expires absolute", ttl: 100) { _, _, r in r.xAccelExpires = b("@\(now + 100)") },
        StoreRow("X-Accel-Expires 0", refused: .xAccelExpires) { _, _, r in r.xAccelExpires = b("0") },
        StoreRow("X-Accel-Expires beats Cache-Control", ttl: 42) { _, _, r in
            r.xAccelExpires = b("42")
            r.cacheControl = b("no-store")
        },
        StoreRow("X-Accel-Expires beats Expires", ttl: 42) { _, _, r in
            r.xAccelExpires = b("42")
            r.expires = b("Thu, 01 Jan 1970 00:00:01 GMT")
        },
        StoreRow("X-Accel-Expires garbage is ignored", ttl: 60) { _, _, r in
            r.xAccelExpires = b("soon")
            r.cacheControl = b("max-age=60")
        },
        StoreRow("X-Accel-Expires ignored", ttl: 60) { c, _, r in
            c.ignoreHeaders = .xAccelExpires
            r.xAccelExpires = b("42")
            r.cacheControl = b("max-age=60")
        },
        StoreRow("max-age", ttl: 60) { _, _, r in r.cacheControl = b("max-age=60") },
        StoreRow("s-maxage beats max-age", ttl: 600) { _, _, r in r.cacheControl = b("max-age=60, s-maxage=600") },
        StoreRow("max-age beats Expires", ttl: 60) { _, _, r in
            r.cacheControl = b("max-age=60")
            r.expires = b(httpDate(now + 9999))
        },
        StoreRow("max-age beats proxy_cache_valid", ttl: 5) { _, _, r in r.cacheControl = b("max-age=5") },
        StoreRow("max-age=0", refused: .cacheControl) { _, _, r in r.cacheControl = b("max-age=0") },
        StoreRow("max-age malformed", refused: .cacheControl) { _, _, r in r.cacheControl = b("max-age=ten") },
        StoreRow("no-cache", refused: .cacheControl) { _, _, r in r.cacheControl = b("no-cache") },
        StoreRow("no-store", refused: .cacheControl) { _, _, r in r.cacheControl = b("No-Store") },
        StoreRow("private", refused: .cacheControl) { _, _, r in r.cacheControl = b("private, max-age=600") },
        StoreRow("field no-cache stores", ttl: 3600) { _, _, r in r.cacheControl = b("no-cache=\"X-Secret\"") },
        StoreRow("field private stores the Set-Cookie response", ttl: 60) { _, _, r in
            r.cacheControl = b("private=\"Set-Cookie\", max-age=60")
            r.hasSetCookie = true
        },
        StoreRow("field private naming another field keeps Set-Cookie out", refused: .setCookie) { _, _, r in
            r.cacheControl = b("private=\"X-User\", max-age=60")
            r.hasSetCookie = true
        },
        StoreRow("empty field list is unqualified", refused: .cacheControl) { _, _, r in r.cacheControl = b("private=\"\"") },
        StoreRow("unterminated field list is unqualified", refused: .cacheControl) { _, _, r in r.cacheControl = b("no-cache=\"a, max-age=60") },
        StoreRow("must-understand lifts no-store", ttl: 600) { _, _, r in r.cacheControl = b("must-understand, no-store, max-age=600") },
        StoreRow("must-understand for a 404", ttl: 600) { _, _, r in
            r.status = 404
            r.cacheControl = b("no-store, must-understand, max-age=600")
        },
        StoreRow("must-understand, unknown status", refused: .mustUnderstand) { _, _, r in
            r.status = 299
            r.cacheControl = b("must-understand, max-age=600")
        },
        StoreRow("no-store without must-understand", refused: .cacheControl) { _, _, r in r.cacheControl = b("no-store, max-age=600") },
        StoreRow("no-cache beats Expires", refused: .cacheControl) { _, _, r in
            r.cacheControl = b("no-cache")
            r.expires = b(httpDate(now + 9999))
        },
        StoreRow("public alone falls through", ttl: 3600) { _, _, r in r.cacheControl = b("public") },
        StoreRow("Cache-Control ignored", ttl: 3600) { c, _, r in
            c.ignoreHeaders = .cacheControl
            r.cacheControl = b("no-store")
        },
        StoreRow("Expires future", ttl: 120) { _, _, r in r.expires = b(httpDate(now + 120)) },
        StoreRow("Expires beats proxy_cache_valid", ttl: 7200) { _, _, r in r.expires = b(httpDate(now + 7200)) },
        StoreRow("Expires past", refused: .expires) { _, _, r in r.expires = b("Thu, 01 Jan 1970 00:00:01 GMT") },
        StoreRow("Expires garbage", refused: .expires) { _, _, r in r.expires = b("0") },
        StoreRow("Expires ignored", ttl: 3600) { c, _, r in
            c.ignoreHeaders = .expires
            r.expires = b("0")
        },
    ]

    @Test(arguments: rows)
    func store(row: StoreRow) {
        var c = referenceRules()
        var q = CacheRequestFacts(method: b("GET"))
        var r = CacheResponseFacts(status: 200)
        row.edit(&c, &q, &r)
        let d = CachePolicy.store(q, r, c, now: now)
        if let ttl = row.ttl {
            #expect(d.plan?.validUntil == now + ttl)
        } else {
            #expect(d == .dontStore(row.reason!))
        }
    }

    @Test func varyNamesAreNormalised() {
        var r = CacheResponseFacts(status: 200)
        r.vary = b("Cookie, accept-encoding ,COOKIE")
        let plan = CachePolicy.store(CacheRequestFacts(method: b("GET")), r, referenceRules(), now: now).plan
        #expect(plan?.varyNames == [b("accept-encoding"), b("cookie")])
    }

    @Test func sharedWithAuthorizationFlag() {
        var r = CacheResponseFacts(status: 200)
        r.cacheControl = b("public, max-age=10")
        #expect(CachePolicy.store(CacheRequestFacts(method: b("GET")), r, referenceRules(), now: now).plan?.sharedWithAuthorization == true)
        r.cacheControl = b("max-age=10")
        #expect(CachePolicy.store(CacheRequestFacts(method: b("GET")), r, referenceRules(), now: now).plan?.sharedWithAuthorization == false)
    }

    @Test(arguments: [
        ("GET", false, CacheRequestDecision.lookup),
        ("HEAD", false, .lookup),
        ("GET", true, .bypass),
        ("POST", false, .notCacheable),
        ("POST", true, .notCacheable),
        ("get", false, .notCacheable),  // methods are case-sensitive
    ])
    func requestDecision(method: String, bypass: Bool, expected: CacheRequestDecision) {
        var q = CacheRequestFacts(method: b(method))
        q.bypass = bypass
        #expect(CachePolicy.request(q, referenceRules()) == expected)
    }

    @Test func authorizationRequestsOnlyGetSharedEntries() {
        let key = CacheKey(b("k"))
        var q = CacheRequestFacts(method: b("GET"))
        let plain = CacheEntryMeta(key: key, validUntil: now, storedAt: now)
        let shared = CacheEntryMeta(key: key, validUntil: now, storedAt: now, flags: .sharedWithAuthorization)
        #expect(CachePolicy.mayServe(q, entry: plain))
        q.hasAuthorization = true
        #expect(!CachePolicy.mayServe(q, entry: plain))
        #expect(CachePolicy.mayServe(q, entry: shared))
    }

    @Test(arguments: [
        ("X-Accel-Expires", CacheIgnoredHeaders.xAccelExpires),
        ("expires", .expires),
        ("Cache-Control", .cacheControl),
        ("Set-Cookie", .setCookie),
        ("Vary", .vary),
        ("X-Accel-Redirect", CacheIgnoredHeaders()),
    ])
    func ignoreHeaderNames(name: String, expected: CacheIgnoredHeaders) {
        #expect(CacheIgnoredHeaders(headerName: name) == expected)
    }
}

@Suite struct CacheRevalidationTests {
    @Test func conditionalHeadersFromTheEntry() {
        let m = CacheEntryMeta(
            key: CacheKey(b("k")), validUntil: now, lastModified: 784_111_777, etag: b("\"v1\""), storedAt: now)
        let h = CacheRevalidation.headers(for: m)
        #expect(h.map(\.name) == ["If-Modified-Since", "If-None-Match"])
        #expect(h.map(\.value) == [b("Sun, 06 Nov 1994 08:49:37 GMT"), b("\"v1\"")])
        let bare = CacheEntryMeta(key: CacheKey(b("k")), validUntil: now, storedAt: now)
        #expect(CacheRevalidation.headers(for: bare).isEmpty)
    }

    @Test func freshUntilValidUntil() {
        #expect(CacheRevalidation.isFresh(now + 1, now: now))
        #expect(!CacheRevalidation.isFresh(now, now: now))
    }

    @Test func statusNamesMatchNginx() {
        #expect(CacheStatus.allCases.map(\.rawValue) == ["MISS", "BYPASS", "EXPIRED", "STALE", "UPDATING", "REVALIDATED", "HIT"])
    }
}

/// `proxy_cache_revalidate`: the lifetime a 304 gives the entry, and the RFC 5861 windows nginx honours.
@Suite struct CacheRevalidatedLifetimeTests {
    @Test(arguments: [
        ("", "", 200, Int64?.some(3600)),                      // no headers: proxy_cache_valid for the stored 200
        ("", "", 301, Int64?.some(86_400)),                    // ... and for a stored 301
        ("max-age=60", "", 200, Int64?.some(60)),              // the 304's own Cache-Control wins
        ("", "120", 200, Int64?.some(120)),                    // X-Accel-Expires too
        ("no-store", "", 200, Int64?.none),                    // the 304 forbids storing: stays expired
    ])
    func lifetimeAfterA304(cacheControl: String, xAccelExpires: String, storedStatus: Int, seconds: Int64?) {
        var notModified = CacheResponseFacts(status: 304)
        if !cacheControl.isEmpty { notModified.cacheControl = b(cacheControl) }
        if !xAccelExpires.isEmpty { notModified.xAccelExpires = b(xAccelExpires) }
        let until = CachePolicy.revalidated(notModified, storedStatus: storedStatus, referenceRules(), now: now)
        #expect(until == seconds.map { now + $0 })
    }

    @Test func nothingValidForTheStoredStatusLeavesItExpired() {
        var rules = CacheRules()
        rules.valid = [CacheValidRule(codes: [200], seconds: 60)]
        #expect(CachePolicy.revalidated(CacheResponseFacts(status: 304), storedStatus: 404, rules, now: now) == nil)
    }

    @Test(arguments: [
        ("max-age=10, stale-while-revalidate=30, stale-if-error=600", false, Int64(30), Int64(600)),
        ("max-age=10", false, 0, 0),
        ("stale-while-revalidate=x, stale-if-error=", false, 0, 0),   // malformed: ignored
        ("stale-while-revalidate=30", true, 0, 0),                     // proxy_ignore_headers Cache-Control
    ])
    func staleWindows(cacheControl: String, ignored: Bool, whileRevalidate: Int64, ifError: Int64) {
        var rules = CacheRules()
        if ignored { rules.ignoreHeaders = .cacheControl }
        let w = CachePolicy.staleWindows(cacheControl: b(cacheControl), rules)
        #expect(w.whileRevalidate == whileRevalidate && w.ifError == ifError)
        #expect(CachePolicy.staleWindows(cacheControl: nil, rules) == (0, 0))
    }
}

/// RFC 9213: which targeted field decides, and what it overrides.
@Suite struct CacheTargetedFieldTests {
    @Test(arguments: [
        ("max-age=600", true), ("no-store", true), ("private, max-age=60", true), ("no-cache=\"set-cookie, x\"", true),
        ("max-age=60;a=1, s-maxage=?1", true), ("x=(a b);c, y=:YWJj:, z=-1.25", true),
        ("", false), ("  ", false), ("Max-Age=60", false), ("max-age=\"60", false), ("max-age=60,", false),
        ("max-age=60 s-maxage=1", false), ("max-age=1234567890123456", false), ("a=1.2345", false), ("a=\"\u{1}\"", false),
    ])
    func dictionaryValidity(value: String, valid: Bool) {
        #expect(CacheTargetedField.isValidDictionary(b(value)) == valid)
    }

    @Test func firstValidInListOrderWins() {
        #expect(CacheTargetedField.select([nil, b("max-age=\"x"), b("max-age=5"), b("max-age=9")]) == b("max-age=5"))
        #expect(CacheTargetedField.select([nil, b("")]) == nil)
    }

    @Test func targetListFromAResponseHead() throws {
        var parser = ResponseHeadParser()
        let head = b("HTTP/1.1 200 OK\r\nCache-Control: no-store\r\nCDN-Cache-Control: max-age=60\r\nX-Mine: no-cache\r\n\r\n")
        guard case .complete(let resp, _) = parser.parse(head) else { Issue.record("parse"); return }
        #expect(CacheResponseFacts(resp, targetFields: [b("cdn-cache-control")]).targeted == b("max-age=60"))
        #expect(CacheResponseFacts(resp, targetFields: [b("x-mine"), b("cdn-cache-control")]).targeted == b("no-cache"))
        #expect(CacheResponseFacts(resp, targetFields: []).targeted == nil)
        #expect(CacheResponseFacts.directives(of: resp, targetFields: []) == b("no-store"))
    }

    @Test(arguments: [
        // Cache-Control, Expires in seconds from now, targeted → seconds of freshness (nil: not stored)
        ("no-store", Int64?.none, "max-age=60", Int64?.some(60)),
        ("max-age=60", nil, "no-store", nil),
        ("max-age=60", nil, "s-maxage=30, max-age=90", 30),
        ("", 7200, "max-age=60", 60),         // Expires is ignored too
        ("", 7200, "public", 3600),           // ... even when the targeted field gives no lifetime: proxy_cache_valid
    ])
    func targetedReplacesCacheControlAndExpires(cacheControl: String, expires: Int64?, targeted: String, ttl: Int64?) {
        var r = CacheResponseFacts(status: 200)
        if !cacheControl.isEmpty { r.cacheControl = b(cacheControl) }
        if let e = expires { r.expires = b(httpDate(now + e)) }
        r.targeted = b(targeted)
        var rules = CacheRules()
        rules.valid = [CacheValidRule(codes: [200], seconds: 3600)]
        let d = CachePolicy.store(CacheRequestFacts(method: b("GET")), r, rules, now: now)
        #expect(d.plan?.validUntil == ttl.map { now + $0 })
    }

    @Test func ignoringCacheControlIgnoresTargetedFieldsToo() {
        var r = CacheResponseFacts(status: 200)
        r.targeted = b("no-store")
        r.expires = b(httpDate(now + 120))
        var rules = CacheRules()
        rules.ignoreHeaders = .cacheControl
        #expect(CachePolicy.store(CacheRequestFacts(method: b("GET")), r, rules, now: now).plan?.validUntil == now + 120)
    }
}

/// RFC 9111 §5.2.2: directives with field names, and the fields a stored copy leaves out.
@Suite struct CacheFieldDirectiveTests {
    @Test(arguments: [
        ("no-cache=\"X-A, x-b\", max-age=60", [b("x-a"), b("x-b")]),
        ("private=Set-Cookie, no-cache=\"set-cookie\"", [b("set-cookie")]),
        ("private=\"Set-Cookie\", no-cache=\"X-A\"", [b("x-a"), b("set-cookie")]),
        ("max-age=60", []),
        ("no-cache", []),
    ])
    func strippedFields(value: String, fields: [[UInt8]]) {
        #expect(CacheControl(b(value)).strippedFields == fields)
        var r = CacheResponseFacts(status: 200)
        r.cacheControl = b(value)
        #expect(CachePolicy.strippedFields(r, CacheRules()) == fields)
    }

    @Test func aCommaInsideQuotesDoesNotEndTheDirective() {
        let cc = CacheControl(b("no-cache=\"a, b\", max-age=60"))
        #expect(!cc.noCache && cc.noCacheFields == [b("a"), b("b")] && cc.freshness == .seconds(60))
    }

    @Test func thePlanCarriesTheFieldsToLeaveOut() {
        var r = CacheResponseFacts(status: 200)
        r.cacheControl = b("private=\"Set-Cookie\", max-age=60")
        r.hasSetCookie = true
        #expect(CachePolicy.store(CacheRequestFacts(method: b("GET")), r, referenceRules(), now: now).plan?.strippedFields == [b("set-cookie")])
    }

    @Test(arguments: [(200, true), (404, true), (501, true), (206, false), (304, false), (299, false), (599, false)])
    func understoodStatuses(status: Int, understood: Bool) {
        #expect(CachePolicy.understands(status: status) == understood)
    }
}
