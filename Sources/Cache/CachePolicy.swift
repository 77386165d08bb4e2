import HTTP1
import ASCIIBytes

/// Facts about the request, for the cache policy.
public struct CacheRequestFacts: Sendable, Equatable {
    /// The request method as sent (`GET`, `HEAD`, ...).
    public var method: [UInt8]
    public var hasAuthorization = false
    /// `proxy_cache_bypass` evaluated to true (non-empty and not "0").
    public var bypass = false
    /// `proxy_no_cache` evaluated to true.
    public var noCache = false
    /// The request asked the upstream for one slice of its key's resource (`slice`, `$slice_range` in the key):
    /// its 206 may be stored, as nginx stores it with `proxy_cache_valid 206`.
    public var asksSlice = false

    public init(method: [UInt8]) { self.method = method }
}

/// Facts about the upstream response head, for the cache policy. Values are the raw header bytes
/// (several lines joined with ", "); nil when the header is absent.
public struct CacheResponseFacts: Sendable, Equatable {
    public var status: Int
    public var cacheControl: [UInt8]?
    public var expires: [UInt8]?
    public var xAccelExpires: [UInt8]?
    public var hasSetCookie = false
    public var vary: [UInt8]?
    /// The first `Date` field (RFC 9111 §4.2.3's date_value; unparseable counts as absent).
    public var date: [UInt8]?
    /// The first `Age` field (age_value: set by a cache between the origin and us).
    public var age: [UInt8]?
    /// The targeted field that decides instead of `Cache-Control` and `Expires` (RFC 9213: the first of
    /// `CacheRules.targetFields` with a valid value, `CacheTargetedField.select`); nil when none.
    public var targeted: [UInt8]?

    public init(status: Int) { self.status = status }
}

/// What to do with the cache before going upstream.
public enum CacheRequestDecision: Sendable, Equatable {
    /// Look the key up (then HIT / MISS / EXPIRED ...).
    case lookup
    /// `proxy_cache_bypass`: do not serve from cache, go upstream (`$upstream_cache_status` BYPASS);
    /// the response may still be stored.
    case bypass
    /// The method is not in `proxy_cache_methods`: the cache is not involved at all.
    case notCacheable
}

extension CacheResponseFacts {
    /// The directives that decide: the targeted field's when there is one (RFC 9213 §2.2), else `Cache-Control`'s.
    public var directives: [UInt8]? { targeted ?? cacheControl }
}

/// Whether and how long to keep an upstream response.
public enum CacheStoreDecision: Sendable, Equatable {
    case store(CacheStorePlan)
    case dontStore(Reason)

    public enum Reason: Sendable, Equatable {
        /// `proxy_no_cache` was true.
        case noCacheDirective
        /// The method is not cacheable.
        case method
        /// 206 and 1xx are never stored (nginx clears `Range` upstream when caching).
        case status
        /// `Set-Cookie` present and not in `proxy_ignore_headers`: one user's session must never be
        /// replayed to another (unless `private="Set-Cookie"` or `no-cache="Set-Cookie"` has it left out).
        case setCookie
        /// `must-understand` on a status code whose caching rules this cache does not implement (RFC 9111 §5.2.2.3).
        case mustUnderstand
        /// `Vary: *`, or a `Vary` longer than nginx's 128-byte limit.
        case vary
        /// `X-Accel-Expires: 0`.
        case xAccelExpires
        /// `Cache-Control: no-cache | no-store | private`, or `max-age=0`, or a malformed max-age.
        case cacheControl
        /// `Expires` unparseable or in the past.
        case expires
        /// No header gave a lifetime and no `proxy_cache_valid` line covers the status.
        case noValidity
        /// The request had `Authorization` and the response lacks `public`, `s-maxage` or
        /// `must-revalidate` (RFC 9111 §3.5).
        case authorization
    }

    public var plan: CacheStorePlan? {
        if case .store(let p) = self { return p }
        return nil
    }
}

/// How to store a response the policy accepted.
public struct CacheStorePlan: Sendable, Equatable {
    /// Absolute Unix time until which the entry is fresh.
    public var validUntil: Int64
    /// The request headers the response varies on, lowercased and sorted (empty: no Vary).
    public var varyNames: [[UInt8]]
    /// The response may be served to requests carrying `Authorization` (public, s-maxage,
    /// must-revalidate); stored in the entry as `CacheEntryMeta.Flags.sharedWithAuthorization`.
    public var sharedWithAuthorization: Bool
    /// RFC 9111 §4.2.3's corrected_initial_age (seconds), stored in the entry: the response's age when received.
    public var initialAge: Int64 = 0
    /// Fields the stored copy leaves out, lowercased: those `private="…"` and `no-cache="…"` name (§5.2.2.4,
    /// §5.2.2.7: a shared cache stores the rest; a field it may not use without revalidation it does not keep).
    public var strippedFields: [[UInt8]] = []
}

/// nginx's proxy_cache rules as pure functions; time is passed in.
///
///     CachePolicy.request(CacheRequestFacts(method: Array("GET".utf8)), rules)  // .lookup
///     CachePolicy.store(request, response, rules, now: now)                    // .store(plan) / .dontStore(why)
///
/// Lifetime precedence: `X-Accel-Expires` (unless ignored) > `Cache-Control` (unless ignored) >
/// `Expires` (unless ignored) > `proxy_cache_valid`. X-Accel-Expires wins even over a
/// `Cache-Control: no-store`, as in nginx >= 1.23. `Set-Cookie` and `Vary: *` refuse whatever the
/// lifetime (safety first, issue 6). A targeted field (RFC 9213: `CDN-Cache-Control`, `proxy_cache_target_field`)
/// takes the place of `Cache-Control` and `Expires` both; `proxy_ignore_headers Cache-Control` ignores it too.
public enum CachePolicy {
    /// nginx's limit on a stored Vary value (`NGX_HTTP_CACHE_VARY_LEN`).
    public static let maxVaryLength = 128

    public static func request(_ request: CacheRequestFacts, _ rules: CacheRules) -> CacheRequestDecision {
        guard rules.methods.contains(request.method) else { return .notCacheable }
        return request.bypass ? .bypass : .lookup
    }

    /// May an entry stored with `flags` answer this request? Only a request with `Authorization`
    /// is restricted (RFC 9111 §3.5).
    public static func mayServe(_ request: CacheRequestFacts, entry: CacheEntryMeta) -> Bool {
        !request.hasAuthorization || entry.flags.contains(.sharedWithAuthorization)
    }

    /// `now` is when the response arrived (response_time), `requestTime` when its request was sent (nil: `now`).
    public static func store(
        _ request: CacheRequestFacts,
        _ response: CacheResponseFacts,
        _ rules: CacheRules,
        now: Int64,
        requestTime: Int64? = nil
    ) -> CacheStoreDecision {
        if request.noCache { return .dontStore(.noCacheDirective) }
        guard rules.methods.contains(request.method) else { return .dontStore(.method) }
        if response.status < 200 || (response.status == 206 && !request.asksSlice) { return .dontStore(.status) }
        let cc = rules.ignoreHeaders.contains(.cacheControl) ? nil : response.directives.map(CacheControl.init)
        let stripped = cc?.strippedFields ?? []
        if response.hasSetCookie && !rules.ignoreHeaders.contains(.setCookie) && !stripped.contains(setCookie) {
            return .dontStore(.setCookie)
        }
        if let cc, cc.mustUnderstand, !understands(status: response.status) { return .dontStore(.mustUnderstand) }

        var varyNames: [[UInt8]] = []
        if let vary = response.vary, !rules.ignoreHeaders.contains(.vary) {
            guard let names = CacheVary.names(vary) else { return .dontStore(.vary) }
            varyNames = names
        }

        let age = initialAge(response, now: now, requestTime: requestTime ?? now)
        let validUntil: Int64
        switch lifetime(response, cc: cc, rules, now: now, initialAge: age) {
        case .until(let t): validUntil = t
        case .refused(let reason): return .dontStore(reason)
        }

        let shared = cc.map { $0.isPublic || $0.hasSMaxAge || $0.mustRevalidate } ?? false
        if request.hasAuthorization && !shared { return .dontStore(.authorization) }
        return .store(CacheStorePlan(validUntil: validUntil, varyNames: varyNames, sharedWithAuthorization: shared,
                                     initialAge: age, strippedFields: stripped))
    }

    private static let setCookie = Array("set-cookie".utf8)

    /// The status codes whose caching rules this cache implements, for `must-understand` (RFC 9111 §5.2.2.3): the
    /// final codes RFC 9110 defines, but 206 (a partial response is never stored) and 304 (it only updates an entry).
    public static func understands(status: Int) -> Bool {
        switch status {
        case 200...205, 300...303, 305, 307, 308, 400...417, 421, 422, 426, 500...505: true
        default: false
        }
    }

    /// The fields a stored copy of a response with these directives leaves out (`CacheStorePlan.strippedFields`).
    public static func strippedFields(_ response: CacheResponseFacts, _ rules: CacheRules) -> [[UInt8]] {
        guard !rules.ignoreHeaders.contains(.cacheControl), let d = response.directives else { return [] }
        return CacheControl(d).strippedFields
    }

    /// RFC 9111 §4.2.3's corrected_initial_age of a response received at `now`.
    public static func initialAge(_ response: CacheResponseFacts, now: Int64, requestTime: Int64) -> Int64 {
        CacheAge.initial(date: response.date.flatMap { HTTPDate.parse($0) }, age: response.age.flatMap { CacheAge.parse($0) },
                         requestTime: requestTime, responseTime: now)
    }

    private enum Lifetime {
        case until(Int64)
        case refused(CacheStoreDecision.Reason)
    }

    /// Until when a response received at `now`, `initialAge` seconds old then, is fresh (RFC 9111 §4.2: while
    /// its current age is below its freshness lifetime). `X-Accel-Expires` (nginx's own instruction to this proxy)
    /// and `proxy_cache_valid` (the operator's) count from now; the origin's Cache-Control and Expires count the
    /// age, and a response already as old as its lifetime is refused as `max-age=0` is.
    private static func lifetime(
        _ response: CacheResponseFacts, cc: CacheControl?, _ rules: CacheRules, now: Int64, initialAge: Int64
    ) -> Lifetime {
        let born = now - initialAge
        if let xae = response.xAccelExpires, !rules.ignoreHeaders.contains(.xAccelExpires) {
            switch xAccelExpires(xae, now: now) {
            case .some(nil): return .refused(.xAccelExpires)
            case .some(let t?): return .until(t)
            case .none: break  // unparseable: ignored, as nginx does
            }
        }
        if let cc, !rules.ignoreHeaders.contains(.cacheControl) {
            // must-understand on a status this cache knows: no-store was for caches that do not (§5.2.2.3).
            let noStore = cc.noStore && !(cc.mustUnderstand && understands(status: response.status))
            if cc.noCache || cc.isPrivate || noStore { return .refused(.cacheControl) }
            switch cc.freshness {
            case .seconds(0), .malformed: return .refused(.cacheControl)
            case .seconds(let n): return n > initialAge ? .until(born + n) : .refused(.cacheControl)
            case .absent: break
            }
        }
        if let e = response.expires, !rules.ignoreHeaders.contains(.expires),
           response.targeted == nil || rules.ignoreHeaders.contains(.cacheControl) {
            // §4.2.1: the lifetime is Expires minus Date (the receive time without a valid Date), both from the
            // origin's clock, so a clock that is off neither stretches nor cuts it.
            let date = response.date.flatMap { HTTPDate.parse($0) } ?? now
            guard let t = HTTPDate.parse(e), t - date > initialAge else { return .refused(.expires) }
            return .until(born + (t - date))
        }
        // proxy_cache_valid is the operator's lifetime, not the origin's: it counts from the receipt, as nginx's
        // does. Counted from the response's age, a backend slower than the lifetime (micro-caching, `valid 1s`
        // in front of a slow page) had every answer refused, and every request went up.
        if let seconds = rules.validity(status: response.status) {
            return seconds > 0 ? .until(now + seconds) : .refused(.noValidity)
        }
        return .refused(.noValidity)
    }

    /// `proxy_cache_revalidate`: a 304 answered the conditional request for an entry stored with
    /// `storedStatus`. The entry is fresh again until the time the 304's own headers give (same
    /// precedence as for a full response), else `proxy_cache_valid` for the stored status, as nginx
    /// does; nil when neither gives a lifetime (the entry is served but stays expired).
    ///
    /// `updated`: the stored response's fields after the 304's replaced theirs (RFC 9111 §4.3.4), so a 304
    /// without `Cache-Control` keeps the stored one; `X-Accel-Expires` is the 304's own only, as in nginx. The age
    /// is the 304's (its `Date` and `Age`, received at `now`). Nil: the entry stays expired.
    public static func revalidated(_ notModified: CacheResponseFacts, updated: CacheResponseFacts? = nil, storedStatus: Int,
                                   _ rules: CacheRules, now: Int64, requestTime: Int64? = nil) -> Int64? {
        var answer = updated ?? notModified
        answer.status = storedStatus
        answer.xAccelExpires = notModified.xAccelExpires
        let age = initialAge(notModified, now: now, requestTime: requestTime ?? now)
        guard case .until(let t) = lifetime(answer, cc: answer.directives.map(CacheControl.init), rules, now: now,
                                            initialAge: age) else {
            return nil
        }
        return t
    }

    /// How long past expiry a stored response may still answer, from its `Cache-Control` (or targeted field's)
    /// extensions (RFC 5861; nginx honours them unless `proxy_ignore_headers Cache-Control`).
    public static func staleWindows(cacheControl: [UInt8]?, _ rules: CacheRules) -> (whileRevalidate: Int64, ifError: Int64) {
        guard let v = cacheControl, !rules.ignoreHeaders.contains(.cacheControl) else { return (0, 0) }
        let cc = CacheControl(v)
        return (cc.staleWhileRevalidate, cc.staleIfError)
    }

    /// `X-Accel-Expires: N` (seconds from now) or `@N` (absolute Unix time).
    /// Returns nil if unparseable, .some(nil) for 0 (do not cache), else the absolute time.
    static func xAccelExpires(_ value: [UInt8], now: Int64) -> Int64?? {
        var v = ASCII.trim(value[...])
        let absolute = v.first == UInt8(ascii: "@")
        if absolute { v = v.dropFirst() }
        guard !v.isEmpty, v.count < 19, v.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        let n = v.reduce(Int64(0)) { $0 * 10 + Int64($1 - UInt8(ascii: "0")) }
        if absolute { return .some(n) }
        return n == 0 ? .some(nil) : .some(now + n)
    }
}
