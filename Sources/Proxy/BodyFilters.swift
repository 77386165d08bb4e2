import ASCIIBytes
import HTTP1

/// The filters that change a response's body, chosen per response where its handler builds the head (as nginx's
/// header filters decide): `sub_filter`, then SSI, then the addition filter's splices, in nginx's order (its body
/// filters run gunzip, addition, sub, ssi, postpone: gunzip first, so the others see plain text; SSI parses the
/// substituted text; an include's body and the added
/// bodies, filtered by their own locations, join where nginx's postpone filter splices them, after the page's
/// sub_filter and SSI). After them the body goes to the handler's own gzip and framing (its `BodyOutput`), so a filtered
/// body is compressed after it changed. The head loses what the change makes untrue (BodyFilterHead). A location
/// with none of them pays one nil test per response (`LocationRuntime.filtersBody`).
struct BodyFilters {
    /// gunzip (GunzipStage): the body is gzip and this client gets it inflated; first of all, as in nginx.
    let gunzip: Bool
    /// The charset filter's table (ResponseCharset.swift): between sub_filter and SSI, as in nginx.
    let charset: CharsetTable?
    let ssi: SSIRuntime?
    let sub: (runtime: SubFilterRuntime, patterns: SubFilterPatterns)?
    let addition: AdditionRuntime?

    /// The filters of `r`'s location that take a body of `contentType` (nil: none do). `encoded`: the body has a
    /// Content-Encoding, which sub_filter leaves alone (its strings cannot be found in compressed bytes).
    /// A response without a Content-Type is taken only by `*` (nginx's ngx_http_test_content_type).
    /// `status`: the addition filter takes a 200 only.
    /// `charset`: the table an upstream's response is recoded with (nil: none); for a response the location made
    /// (`upstream: false`) the location's own rule decides from the marked Content-Type.
    /// `gunzip`: the body is gzip and is inflated first (GunzipRuntime decided), so the others see it unencoded.
    static func select(_ r: Request, status: Int, contentType: ArraySlice<UInt8>?, encoded: Bool = false,
                       upstream: Bool = false, charset upstreamTable: CharsetTable? = nil,
                       gunzip: Bool = false) -> BodyFilters? {
        if r.sliceRange != nil { return nil }   // a slice's bytes must stay as its Content-Range says (SliceDriver)
        let encoded = encoded && !gunzip
        let type = contentType ?? []
        let loc: LocationRuntime = r.location
        var charset = upstreamTable
        if let cs = loc.charset {
            if r.isSubrequest {   // to the main request's charset, from the subrequest's own
                charset = cs.subrequestRecode(r, upstreamType: upstream ? type : nil, encoded: encoded)
            } else if !upstream {
                charset = cs.ownRecode(Array(type), encoded: encoded, request: r)
            }
        }
        let ssi = loc.ssi.flatMap { $0.applies(to: type) ? $0 : nil }
        var sub: (SubFilterRuntime, SubFilterPatterns)? = nil
        if let f = loc.subFilter, !encoded, f.applies(to: type), let p = f.patterns(for: r) { sub = (f, p) }
        let addition = loc.addition.flatMap { $0.applies(to: r, status: status, contentType: type) ? $0 : nil }
        if !gunzip && charset == nil && ssi == nil && sub == nil && addition == nil { return nil }
        return BodyFilters(gunzip: gunzip, charset: charset, ssi: ssi, sub: sub, addition: addition)
    }

    /// For a proxied or cached response: by its Content-Type and Content-Encoding. nginx's filters leave a
    /// `Content-Length: 0` alone.
    static func forUpstream(_ r: Request, _ resp: ResponseHead) -> BodyFilters? {
        guard resp.contentLength != 0 else { return nil }
        let coding = resp.firstHeader("content-encoding")
        let encoded = coding.map { c in !c.isEmpty && !ASCII.equalsLowercased(c, "identity") } ?? false
        let gunzip = encoded && r.location.gunzip.map { g in GunzipRuntime.isGzip(coding) && g.inflates(r) } ?? false
        var table: CharsetTable? = nil
        if !r.isSubrequest, let cs = r.location.charset { table = cs.plan(for: resp, status: resp.status, request: r).recode }
        // (A subrequest's table is chosen in `select`, from its main request's charset.)
        return select(r, status: resp.status, contentType: resp.firstHeader("content-type"), encoded: encoded,
                      upstream: true, charset: table, gunzip: gunzip)
    }

    /// The charset filter is the only one and maps byte for byte (an 8-bit `charset_map`): the body keeps its
    /// length, so the handler may send it with its length and ranges, mapping the bytes itself.
    var sameLengthRecode: [UInt8]? {
        guard !gunzip, ssi == nil, sub == nil, addition == nil, case .bytes(let t)? = charset else { return nil }
        return t
    }

    /// Whether Last-Modified and ETag stay (made weak): every filter that applies must say so.
    var keepsValidators: Bool { (ssi?.lastModified ?? true) && (sub?.runtime.lastModified ?? true) }

    /// The head without length, ranges and (unless kept) validators. The charset filter alone leaves the
    /// validators as they are, as nginx's does; gunzip drops the Content-Encoding and makes the ETag weak.
    func editHead(_ head: [UInt8]) -> [UInt8] {
        if !gunzip && ssi == nil && sub == nil && addition == nil {
            return BodyFilterHead.edit(head, keepLastModified: true, validators: false)
        }
        return BodyFilterHead.edit(head, keepLastModified: keepsValidators, dropEncoding: gunzip)
    }

    /// The first filter of the chain, writing in the end to `output`.
    func start(_ r: Request, output: any BodyOutput) -> any BodyFilter {
        var first: (any BodyFilter)? = nil
        if let a = addition { first = AdditionStage(runtime: a, request: r, output: output) }
        if let s = ssi { first = SSIFilter(runtime: s, request: r, output: first ?? output) }
        if let t = charset { first = CharsetStage(t, next: first ?? output) }
        if let (f, p) = sub { first = SubFilterStage(f, patterns: p, request: r, next: first ?? output) }
        if gunzip { first = GunzipStage(request: r, next: first ?? output) }
        return first!
    }
}
