import ASCIIBytes
import HTTP1

/// The filters that change a response's body, chosen per response where its handler builds the head (as nginx's
/// header filters decide): `sub_filter`, then SSI, in nginx's order (its body filters run sub before ssi: SSI
/// parses the substituted text, and an include's body, filtered by its own location, skips the page's
/// sub_filter). After them the body goes to the handler's own gzip and framing (its `BodyOutput`), so a filtered
/// body is compressed after it changed. The head loses what the change makes untrue (BodyFilterHead). A location
/// with none of them pays one nil test per response (`LocationRuntime.filtersBody`).
struct BodyFilters {
    let ssi: SSIRuntime?
    let sub: (runtime: SubFilterRuntime, patterns: SubFilterPatterns)?

    /// The filters of `r`'s location that take a body of `contentType` (nil: none do). `encoded`: the body has a
    /// Content-Encoding, which sub_filter leaves alone (its strings cannot be found in compressed bytes).
    /// A response without a Content-Type is taken only by `*` (nginx's ngx_http_test_content_type).
    static func select(_ r: Request, contentType: ArraySlice<UInt8>?, encoded: Bool = false) -> BodyFilters? {
        let type = contentType ?? []
        let loc: LocationRuntime = r.location
        let ssi = loc.ssi.flatMap { $0.applies(to: type) ? $0 : nil }
        var sub: (SubFilterRuntime, SubFilterPatterns)? = nil
        if let f = loc.subFilter, !encoded, f.applies(to: type), let p = f.patterns(for: r) { sub = (f, p) }
        if ssi == nil && sub == nil { return nil }
        return BodyFilters(ssi: ssi, sub: sub)
    }

    /// For a proxied or cached response: by its Content-Type and Content-Encoding. nginx's filters leave a
    /// `Content-Length: 0` alone.
    static func forUpstream(_ r: Request, _ resp: ResponseHead) -> BodyFilters? {
        guard resp.contentLength != 0 else { return nil }
        let coding = resp.firstHeader("content-encoding")
        let encoded = coding.map { c in !c.isEmpty && !ASCII.equalsLowercased(c, "identity") } ?? false
        return select(r, contentType: resp.firstHeader("content-type"), encoded: encoded)
    }

    /// Whether Last-Modified and ETag stay (made weak): every filter that applies must say so.
    var keepsValidators: Bool { (ssi?.lastModified ?? true) && (sub?.runtime.lastModified ?? true) }

    /// The head without length, ranges and (unless kept) validators.
    func editHead(_ head: [UInt8]) -> [UInt8] { BodyFilterHead.edit(head, keepLastModified: keepsValidators) }

    /// The first filter of the chain, writing in the end to `output`.
    func start(_ r: Request, output: any BodyOutput) -> any BodyFilter {
        var first: (any BodyFilter)? = nil
        if let s = ssi { first = SSIFilter(runtime: s, request: r, output: output) }
        if let (f, p) = sub { first = SubFilterStage(f, patterns: p, request: r, next: first ?? output) }
        return first!
    }
}
