import Cache
import HTTP1
import Testing

private func b(_ s: String) -> [UInt8] { Array(s.utf8) }
private func date(_ t: Int64) -> [UInt8] { HTTPDate.imfFixdate(t) }
private let now: Int64 = 1_795_597_200  // Wed, 25 Nov 2026 09:00:00 GMT: the clock these tests control

/// RFC 9111 §4.2.3 (age) and §4.2.1 (lifetime), with the clock passed in.
@Suite struct CacheAgeTests {
    static let initialAges: [(Int64?, Int64?, Int64, Int64, Int64)] = [
        // date, age, request time, response time → corrected_initial_age
        (nil, nil, now, now, 0),
        (now - 30, nil, now, now, 30),                   // apparent age from Date
        (now + 3600, nil, now, now, 0),                  // a Date in the future adds nothing
        (nil, 100, now, now, 100),                       // an upstream cache's Age
        (nil, 100, now - 3, now, 103),                   // ... corrected by the response delay
        (now - 10, 5, now - 2, now, 10),                 // the larger of the two
        (now - 10, 50, now - 2, now, 52),
        (nil, 9_999_999_999, now, now, 1 << 31),        // too large: 2^31
    ]
    @Test(arguments: initialAges)
    func initialAge(date: Int64?, age: Int64?, requestTime: Int64, responseTime: Int64, expected: Int64) {
        #expect(CacheAge.initial(date: date, age: age, requestTime: requestTime, responseTime: responseTime) == expected)
    }

    @Test func currentAgeAddsTheResidentTime() {
        #expect(CacheAge.current(initialAge: 30, storedAt: now, now: now + 100) == 130)
        #expect(CacheAge.current(initialAge: 30, storedAt: now, now: now - 5) == 30)   // a clock stepping back
    }

    static let ageFields: [(String, Int64?)] = [("0", 0), (" 120 ", 120), ("12x", nil), ("-1", nil), ("1, 2", nil), ("", nil),
                                               ("99999999999999999999", 1 << 31)]
    @Test(arguments: ageFields)
    func ageFieldParsing(value: String, expected: Int64?) {
        #expect(CacheAge.parse(b(value)) == expected)
    }

    private func store(_ edit: (inout CacheResponseFacts) -> Void, requestTime: Int64 = now) -> CacheStoreDecision {
        var r = CacheResponseFacts(status: 200)
        edit(&r)
        return CachePolicy.store(CacheRequestFacts(method: b("GET")), r, CacheRules(), now: now, requestTime: requestTime)
    }

    /// An upstream `Age` shortens the time left, and one past the lifetime is never fresh.
    @Test func upstreamAgeCountsAgainstTheLifetime() {
        let young = store { $0.cacheControl = b("max-age=100"); $0.age = b("40") }
        #expect(young.plan?.validUntil == now + 60 && young.plan?.initialAge == 40)
        #expect(store { $0.cacheControl = b("max-age=100"); $0.age = b("100") } == .dontStore(.cacheControl))
        #expect(store { $0.cacheControl = b("max-age=100"); $0.age = b("400") } == .dontStore(.cacheControl))
        #expect(store({ $0.cacheControl = b("max-age=100") }, requestTime: now - 30).plan?.validUntil == now + 70)
        #expect(store { $0.expires = date(now + 100); $0.date = date(now); $0.age = b("150") } == .dontStore(.expires))
    }

    /// `Expires - Date` is the lifetime whatever the origin's clock: a fast clock does not stretch it, a slow one
    /// does not cut it (its Date is then apparent age, §4.2.3).
    @Test(arguments: [0, 3600, 86_400 * 365, -20] as [Int64])
    func expiresCountsFromDate(skew: Int64) {
        let d = store { $0.date = date(now + skew); $0.expires = date(now + skew + 600) }
        #expect(d.plan?.validUntil == now + 600 - max(0, -skew))
        #expect(d.plan?.initialAge == max(0, -skew))
    }

    @Test func aDateFarInThePastIsApparentAge() {
        #expect(store { $0.date = date(now - 7200); $0.cacheControl = b("max-age=3600") } == .dontStore(.cacheControl))
        #expect(store { $0.date = date(now - 7200); $0.expires = date(now - 7200 + 3600) } == .dontStore(.expires))
        // An invalid Date is the receive time (RFC 9110 §6.6.1).
        #expect(store { $0.date = b("yesterday"); $0.cacheControl = b("max-age=60") }.plan?.validUntil == now + 60)
        #expect(store { $0.date = b("yesterday"); $0.expires = date(now + 60) }.plan?.validUntil == now + 60)
    }

    @Test func xAccelExpiresCountsFromNow() {
        #expect(store { $0.xAccelExpires = b("60"); $0.age = b("100") }.plan?.validUntil == now + 60)
    }

    /// proxy_cache_valid is the operator's lifetime and counts from the receipt, as nginx's: micro-caching
    /// (`proxy_cache_valid 200 1s`) in front of a backend slower than a second stores its answers. Counted from
    /// the age (the request's time, a Date rounded down), every one was refused and every request went up.
    @Test func proxyCacheValidCountsFromTheReceipt() {
        var rules = CacheRules()
        rules.valid = [CacheValidRule(codes: [200], seconds: 1)]
        var r = CacheResponseFacts(status: 200)
        r.date = date(now - 2)
        let slow = CachePolicy.store(CacheRequestFacts(method: b("GET")), r, rules, now: now, requestTime: now - 2)
        #expect(slow.plan?.validUntil == now + 1)
        // The origin's own lifetime still counts its age.
        r.cacheControl = b("max-age=1")
        #expect(CachePolicy.store(CacheRequestFacts(method: b("GET")), r, rules, now: now, requestTime: now - 2)
                == .dontStore(.cacheControl))
    }

    /// After a 304 the stored fields, updated, decide; the age is the 304's.
    @Test func revalidationUsesTheUpdatedFieldsAndThe304sAge() {
        var notModified = CacheResponseFacts(status: 304)
        var updated = CacheResponseFacts(status: 304)
        updated.cacheControl = b("max-age=600")
        #expect(CachePolicy.revalidated(notModified, updated: updated, storedStatus: 200, CacheRules(), now: now) == now + 600)
        notModified.age = b("100")
        #expect(CachePolicy.revalidated(notModified, updated: updated, storedStatus: 200, CacheRules(), now: now) == now + 500)
        notModified.age = b("700")
        #expect(CachePolicy.revalidated(notModified, updated: updated, storedStatus: 200, CacheRules(), now: now) == nil)
    }
}

/// The head an entry keeps (RFC 9111 §3.1) and its update by a 304 (§3.2, §4.3.4).
@Suite struct CacheStoredHeadTests {
    private func parse(_ s: String) throws -> ResponseHead {
        var p = ResponseHeadParser()
        guard case .complete(let h, _) = p.parse(b(s)) else { throw ParseFailed() }
        return h
    }
    struct ParseFailed: Error {}

    @Test func connectionListedFieldsAndAgeAreNotStored() throws {
        let resp = try parse("HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nAge: 5\r\nX-Keep: 2\r\nContent-Length: 0\r\n\r\n")
        #expect(String(decoding: CacheStoredHead.forStorage(resp), as: UTF8.self)
                == "HTTP/1.1 200 OK\r\nX-Keep: 2\r\nContent-Length: 0\r\n\r\n")
        let plain = try parse("HTTP/1.1 200 OK\r\nX-Keep: 2\r\n\r\n")
        #expect(CacheStoredHead.forStorage(plain) == plain.bytes)
    }

    @Test func a304ReplacesTheStoredFields() throws {
        let stored = try parse("HTTP/1.1 200 OK\r\nETag: \"1\"\r\nX-App: a\r\nX-App: b\r\nCache-Control: max-age=5\r\n"
                               + "Content-Type: text/plain\r\nContent-Length: 3\r\n\r\n")
        let notModified = try parse("HTTP/1.1 304 Not Modified\r\nx-app: c\r\nCache-Control: max-age=60\r\nContent-Length: 0\r\n"
                                    + "Age: 4\r\nConnection: X-Hop\r\nX-Hop: 1\r\nContent-Type: text/html\r\n\r\n")
        let updated = try parse(String(decoding: CacheStoredHead.updated(stored, with: notModified), as: UTF8.self))
        #expect(updated.status == 200 && updated.contentLength == 3)
        #expect(String(decoding: updated.bytes, as: UTF8.self)
                == "HTTP/1.1 200 OK\r\nETag: \"1\"\r\nContent-Length: 3\r\nx-app: c\r\nCache-Control: max-age=60\r\n"
                + "Content-Type: text/html\r\n\r\n")
    }
}

/// RFC 9111 §4.4: which keys an unsafe request's answer drops.
@Suite struct CacheInvalidationTests {
    @Test func safeMethods() {
        for m in ["GET", "HEAD", "OPTIONS", "TRACE"] { #expect(CacheInvalidation.isSafe(b(m))) }
        for m in ["POST", "PUT", "DELETE", "PATCH", "PURGE", "get"] { #expect(!CacheInvalidation.isSafe(b(m))) }
        #expect(CacheInvalidation.invalidates(status: 200) && CacheInvalidation.invalidates(status: 303))
        #expect(!CacheInvalidation.invalidates(status: 404) && !CacheInvalidation.invalidates(status: 500))
    }

    @Test(arguments: [
        ("/b?x", "httpbackend/b?x"), ("http://example.com/b", "httpbackend/b"), ("HTTPS://Example.COM:8443/b#f", "httpbackend/b"),
        ("http://example.com", "httpbackend/"), ("http://other.example/b", ""), ("//example.com/b", ""), ("b", ""),
    ])
    func locationsOnTheSameHost(location: String, expected: String) {
        let keys = CacheInvalidation.keys(requestKey: b("httpbackend/a?x"), requestURI: b("/a?x"), host: b("example.com"),
                                          locations: [b(location)])
        #expect(keys.map { String(decoding: $0.text, as: UTF8.self) } == ["httpbackend/a?x"] + (expected.isEmpty ? [] : [expected]))
    }

    @Test func aKeyNotEndingWithTheURIDropsOnlyItself() {
        let keys = CacheInvalidation.keys(requestKey: b("POST/a"), requestURI: b("/a?x"), host: b("h"), locations: [b("/b")])
        #expect(keys.map(\.text) == [b("POST/a")])
    }
}
