import Deflate
import ASCIIBytes

/// nginx's gzip decision as a pure function of config, request and response facts.
///
///     let d = GzipPolicy.decide(config, request, response)
///     if d.compress { /* edit headers, wrap body in GzipBodyFilter(decision: d) */ }
///
/// The order follows nginx (`ngx_http_gzip_header_filter`, then `ngx_http_gzip_ok`):
/// 1. response eligibility: `gzip on`, status 200/403/404, not HEAD, no Range (our addition, issue 5),
///    no `Content-Encoding`, `Content-Length` >= `gzip_min_length`, type in `gzip_types`;
/// 2. only an eligible response gets `Vary: Accept-Encoding` (with `gzip_vary on`) — and it gets it
///    even when the client then turns out not to accept gzip, because a shared cache must know the
///    answer depends on Accept-Encoding;
/// 3. client: Accept-Encoding allows gzip, `gzip_http_version`, `gzip_proxied` (only when the request
///    has `Via`), then `gzip_disable`.
public enum GzipPolicy {
    public static func decide(
        _ config: GzipConfig,
        _ request: GzipRequestFacts,
        _ response: GzipResponseFacts
    ) -> GzipDecision {
        let memory = GzipMemory.parameters(
            contentLength: response.contentLength, windowBits: config.windowBits, memLevel: config.memLevel)
        var decision = GzipDecision(
            reason: .compress, addVary: false, etag: .keep, level: config.level,
            windowBits: memory.windowBits, memLevel: memory.memLevel, buffers: config.buffers)

        if let refused = responseIneligible(config, request, response) {
            decision.reason = refused
            return decision
        }
        decision.addVary = config.vary && !response.varyCoversAcceptEncoding
        if let refused = clientRefuses(config, request, response) {
            decision.reason = refused
            return decision
        }
        if let etag = response.etag {
            decision.etag = weakened(etag)
        }
        return decision
    }

    /// nginx's `ngx_http_gzip_ok` as `gzip_static on` asks it, in the content phase: the client's side alone
    /// (Accept-Encoding, `gzip_http_version`, `gzip_proxied`, `gzip_disable`), with no response fields yet, so
    /// `gzip_proxied` sees no Expires, Cache-Control, Last-Modified or ETag. `gzip on|off` does not matter here.
    public static func clientAccepts(_ config: GzipConfig, _ request: GzipRequestFacts) -> Bool {
        clientRefuses(config, request, GzipResponseFacts(status: 200, contentType: nil, contentLength: nil)) == nil
    }

    private static func responseIneligible(
        _ config: GzipConfig, _ request: GzipRequestFacts, _ response: GzipResponseFacts
    ) -> GzipDecision.Reason? {
        if !config.enabled { return .disabled }
        if response.status != 200 && response.status != 403 && response.status != 404 { return .status }
        if response.hasContentEncoding { return .alreadyEncoded }
        if let length = response.contentLength, length < config.minLength { return .tooShort }
        if !config.types.matches(contentType: response.contentType) { return .type }
        if request.isHead { return .headRequest }
        if request.hasRange { return .rangeRequest }
        return nil
    }

    private static func clientRefuses(
        _ config: GzipConfig, _ request: GzipRequestFacts, _ response: GzipResponseFacts
    ) -> GzipDecision.Reason? {
        let accepted = request.acceptsGzip ?? request.acceptEncoding.map { AcceptEncoding.allowsGzip($0) } ?? false
        guard accepted else { return .notAccepted }
        if request.httpVersion < config.httpVersion { return .httpVersion }
        if request.hasVia && !proxiedAllows(config.proxied, request, response) { return .proxied }
        if request.userAgentDisabled { return .userAgent }
        return nil
    }

    /// `gzip_proxied`, evaluated exactly in nginx's order: the first of Expires / Cache-Control that
    /// is present decides; only when both are absent do `no_last_modified`/`no_etag` apply, and a
    /// response with neither header and no such flag is compressed.
    static func proxiedAllows(_ p: GzipProxied, _ request: GzipRequestFacts, _ response: GzipResponseFacts) -> Bool {
        if p.contains(.off) { return false }
        if p.contains(.any) { return true }
        if request.hasAuthorization && p.contains(.auth) { return true }
        switch response.expires {
        case .inThePast: return p.contains(.expired)
        case .notInThePast: return false
        case .absent: break
        }
        if let cc = response.cacheControl {
            if p.contains(.noCache) && ASCII.hasDirective(cc, "no-cache") { return true }
            if p.contains(.noStore) && ASCII.hasDirective(cc, "no-store") { return true }
            if p.contains(.private) && ASCII.hasDirective(cc, "private") { return true }
            return false
        }
        if p.contains(.noLastModified) && response.hasLastModified { return false }
        if p.contains(.noETag) && response.etag != nil { return false }
        return true
    }

    /// nginx `ngx_http_weak_etag`: `W/…` stays, `"…"` gains `W/`, anything else is dropped.
    static func weakened(_ etag: ArraySlice<UInt8>) -> GzipDecision.ETagEdit {
        if etag.starts(with: [UInt8(ascii: "W"), UInt8(ascii: "/")]) { return .keep }
        if etag.first == UInt8(ascii: "\"") { return .weaken }
        return .remove
    }
}
