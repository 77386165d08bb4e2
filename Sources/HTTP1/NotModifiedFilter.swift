/// `if_modified_since off | exact | before`.
public enum IfModifiedSinceMode: Sendable, Equatable {
    /// If-Modified-Since is ignored.
    case off
    /// 304 only when the time equals the response's Last-Modified (nginx's default).
    case exact
    /// 304 when the response's Last-Modified is not after the time.
    case before
}

/// What nginx's not_modified filter does with a 200 response.
public enum ConditionalVerdict: Sendable, Equatable {
    /// Send the response as it is.
    case send
    /// 304: the head without Content-Type, Content-Length, Accept-Ranges, Content-Encoding, and no body.
    case notModified
    /// 412: If-Unmodified-Since or If-Match failed.
    case preconditionFailed
}

/// nginx's not_modified filter (`ngx_http_not_modified_filter_module.c`) as a pure decision: the request's
/// preconditions against the response's validators. Only a 200 is subject to it; the caller checks that.
///
///     NotModifiedFilter.verdict(fields, lastModified: 784111777, etag: Array("\"5d-1\"".utf8), mode: .exact)
public enum NotModifiedFilter {
    public static func verdict(_ f: ConditionalFields, lastModified: Int64?, etag: ArraySlice<UInt8>?,
                               mode: IfModifiedSinceMode) -> ConditionalVerdict {
        if let iums = f.ifUnmodifiedSince, !unmodified(since: iums, lastModified: lastModified) {
            return .preconditionFailed
        }
        if let im = f.ifMatch, !matches(im, etag: etag, weak: false) { return .preconditionFailed }
        guard f.ifModifiedSince != nil || f.ifNoneMatch != nil else { return .send }
        if let ims = f.ifModifiedSince, modified(since: ims, lastModified: lastModified, mode: mode) { return .send }
        if let inm = f.ifNoneMatch, !matches(inm, etag: etag, weak: true) { return .send }
        return .notModified
    }

    /// nginx's `ngx_http_test_if_unmodified`: without Last-Modified, or with an unparsable date, it fails. The
    /// date is read as nginx reads it (`HTTPDate.parseAsNginx`), as are the others a client sends.
    static func unmodified(since value: ArraySlice<UInt8>, lastModified: Int64?) -> Bool {
        guard let lm = lastModified, let t = HTTPDate.parseAsNginx(value) else { return false }
        return t >= lm
    }

    /// nginx's `ngx_http_test_if_modified`: true sends the full response.
    static func modified(since value: ArraySlice<UInt8>, lastModified: Int64?, mode: IfModifiedSinceMode) -> Bool {
        guard let lm = lastModified, mode != .off else { return true }
        guard let t = HTTPDate.parseAsNginx(value) else { return true }
        if t == lm { return false }
        return mode == .exact || t < lm
    }

    /// nginx's `ngx_http_test_if_match`: `*`, or one entity tag of the list equal to the response's
    /// (with `weak`, as If-None-Match compares, a `W/` prefix on either side is ignored). `*` matches any
    /// representation there is, with an ETag or not (`etag off`, an upstream that sent none), as in nginx.
    public static func matches(_ header: ArraySlice<UInt8>, etag: ArraySlice<UInt8>?, weak: Bool) -> Bool {
        if header.count == 1 && header.first == UInt8(ascii: "*") { return true }
        guard var tag = etag else { return false }
        if weak && tag.count > 2 && tag.starts(with: weakPrefix) { tag = tag.dropFirst(2) }
        var p = header.startIndex
        let end = header.endIndex
        while p < end {
            if weak && end - p > 2 && header[p] == UInt8(ascii: "W") && header[p + 1] == UInt8(ascii: "/") { p += 2 }
            if tag.count > end - p { return false }
            if header[p..<(p + tag.count)].elementsEqual(tag) {
                var q = p + tag.count
                while q < end && (header[q] == 32 || header[q] == 9) { q += 1 }
                if q == end || header[q] == UInt8(ascii: ",") { return true }
            }
            while p < end && header[p] != UInt8(ascii: ",") { p += 1 }
            while p < end && (header[p] == 32 || header[p] == 9 || header[p] == UInt8(ascii: ",")) { p += 1 }
        }
        return false
    }

    private static let weakPrefix: [UInt8] = [UInt8(ascii: "W"), UInt8(ascii: "/")]
}
