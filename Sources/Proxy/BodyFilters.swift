import HTTP1

/// The filters that change a response's body, chosen per response where its handler builds the head (as nginx's
/// header filters decide): SSI. The body passes them in nginx's order, then the handler's own gzip and framing
/// (its `BodyOutput`), so a filtered body is compressed after it changed. The head loses what the change makes
/// untrue (BodyFilterHead). A location with none of them pays one nil test per response
/// (`LocationRuntime.filtersBody`).
struct BodyFilters {
    let ssi: SSIRuntime?

    /// The filters of `r`'s location that take a body of `contentType` (nil: none do).
    static func select(_ r: Request, contentType: ArraySlice<UInt8>?) -> BodyFilters? {
        guard let type = contentType, let s = r.location.ssi, s.applies(to: type) else { return nil }
        return BodyFilters(ssi: s)
    }

    /// For a proxied or cached response: by its Content-Type. nginx's filters leave a `Content-Length: 0` alone.
    static func forUpstream(_ r: Request, _ resp: ResponseHead) -> BodyFilters? {
        guard resp.contentLength != 0 else { return nil }
        return select(r, contentType: resp.firstHeader("content-type"))
    }

    /// Whether Last-Modified and ETag stay (made weak): every filter that applies must say so.
    var keepsValidators: Bool { ssi?.lastModified ?? true }

    /// The head without length, ranges and (unless kept) validators.
    func editHead(_ head: [UInt8]) -> [UInt8] { BodyFilterHead.edit(head, keepLastModified: keepsValidators) }

    /// The first filter of the chain, writing in the end to `output`.
    func start(_ r: Request, output: any BodyOutput) -> any BodyFilter {
        SSIFilter(runtime: ssi!, request: r, output: output)
    }
}
