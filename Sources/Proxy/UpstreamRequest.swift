import HTTP1
import ASCIIBytes

/// Builds the request head sent upstream, as nginx's proxy module does: method, URI (the original
/// `$request_uri`, or the location prefix replaced by proxy_pass's URI part, or the rewritten `$uri`, or the
/// evaluated URI part of a proxy_pass with variables),
/// the configured `proxy_set_header` list (defaults `Host: $proxy_host`, `Connection: close`), then the
/// client's headers except those the list names and the hop-by-hop ones.
enum UpstreamRequest {
    /// The request target of a head built here (between the request line's two spaces), for the error log.
    static func target(of head: [UInt8]) -> ArraySlice<UInt8>? {
        guard let first = head.firstIndex(of: 32), let second = head[(first + 1)...].firstIndex(of: 32) else { return nil }
        return head[(first + 1)..<second]
    }

    /// Client headers never forwarded: hop-by-hop, and the ones nginx's proxy module sets itself.
    static let dropped = NameSet(["connection", "keep-alive", "te", "trailer", "transfer-encoding",
                                  "upgrade", "proxy-connection", "expect", "content-length"])

    /// What `proxy_cache` changes in the request it sends (decided by `CacheExchange.headEdits`): nginx sends a
    /// cacheable request without `Range` and validators, so the stored answer is the whole resource, valid
    /// for every later client; a HEAD as GET (`proxy_cache_convert_head`); the stale entry's validators
    /// (`proxy_cache_revalidate`).
    struct CacheEdits {
        var headAsGET = false
        /// Header lines (each ending in CRLF) added last.
        var conditions: [UInt8] = []
        /// The answer will not be stored (`proxy_cache_min_uses` not reached yet): the client's `Range` and
        /// validators go up, as nginx sends such a request with its non-cache headers.
        var keepsClientConditions = false
    }

    /// Never sent when caching, by the client or by `proxy_set_header`.
    static let cacheStripped = NameSet(["range", "if-range", "if-modified-since", "if-unmodified-since",
                                        "if-none-match", "if-match"])

    /// `chunked`: the body streams re-chunked (`proxy_request_buffering off` with HTTP/1.1), no length known.
    /// `cache`: the proxy_cache edits, nil when the location does not cache.
    static func build(_ r: Request, proxy: ProxyRuntime, bodyLength: Int64?, chunked: Bool = false,
                      cache: CacheEdits? = nil) -> [UInt8] {
        var w = HeadWriter(capacity: r.head.bytes.count + 256)
        write(r, proxy: proxy, bodyLength: bodyLength, chunked: chunked, cache: cache, into: &w)
        return w.finish()
    }

    /// `build` into a writer the caller owns (the exchange's: the request's reused buffer, no allocation).
    static func write(_ r: Request, proxy: ProxyRuntime, bodyLength: Int64?, chunked: Bool = false,
                      cache: CacheEdits? = nil, into w: inout HeadWriter) {
        let head = r.head!
        let caching = cache != nil
        let strips = caching && !cache!.keepsClientConditions
        let methodAsSent = (proxy.plainRequest || proxy.rewrites.method == nil) && !r.methodIsGET
            && !(caching && head.method == .head && cache!.headAsGET)
        if methodAsSent && r.dynamicURL == nil && (proxy.uriReplacement == nil || !r.validLocation)
            && !r.uriReplaced && head.targetForm == .origin && head.methodRange.end + 1 == head.requestURI.start {
            // The usual case, method and URI as the client sent them (what appendURI would write): one copy.
            w.append(head.bytes, ByteRange(start: head.methodRange.start, end: head.requestURI.end))
        } else {
            // proxy_method replaces the method (proxy_set_body the body, which goes out with the head); otherwise
            // a cache fill of a HEAD asks for the whole entry, as nginx's proxy_cache_convert_head.
            if !proxy.plainRequest, let method = proxy.rewrites.method {
                w.withBytes { r.evaluate(method, into: &$0) }
            } else if let c = cache, c.headAsGET, head.method == .head {
                w.append("GET")
            } else if r.methodIsGET {   // an error_page's internal redirect asks with GET
                w.append("GET")
            } else {
                w.append(head.bytes, head.methodRange)
            }
            w.append(32)
            w.withBytes { appendURI(r, proxy: proxy, to: &$0) }
        }
        w.appendRequestLineEnd(proxy.httpVersion11 ? .http1_1 : .http1_0)
        // By index: a `for` over the tuples would copy each (three retains) to read two of its fields.
        let sets = proxy.setHeaders
        for i in sets.indices {
            // A slice's `Range` ($slice_range) goes up with the cache too: each slice is stored under its own key.
            if strips && cacheStripped.contains(sets[i].lowercased) && !(r.sliceRange != nil && isRange(sets[i].lowercased)) {
                continue
            }
            // A value without variables is written as it is, and an empty one (`proxy_set_header Connection "";`,
            // the keep-alive idiom) is no field at all: no line written and taken back.
            if let constant = sets[i].value.constant {
                if !constant.isEmpty { w.appendHeader(sets[i].name, constant) }
                continue
            }
            let field = w.beginField(sets[i].name)
            r.evaluate(sets[i].value, into: &w)
            w.endFieldUnlessEmpty(field)   // empty value: header not sent
        }
        let b = head.bytes
        // proxy_pass_request_headers off: only the proxy_set_header list (and the body's framing) goes up.
        if proxy.plainRequest || proxy.rewrites.passRequestHeaders {
            // Held once: a static's accessor (and a class's field) read per field costs a call and a retain.
            let drop = dropped, setNames = proxy.setHeaderNames
            // A header the client's Connection names is hop-by-hop: looked for only when there is one.
            let hasConnection = head.headers.contains { ASCII.named(b, $0.name, "connection") }
            var run = HeadWriter.FieldRun()   // passed fields as received, neighbours in one copy
            for h in head.headers {
                if drop.contains(b, h.name) { continue }
                if strips && cacheStripped.contains(b, h.name) { continue }
                if setNames.contains(b, h.name) { continue }
                if hasConnection && head.isNamedInConnection(b[h.name.start..<h.name.end]) { continue }
                w.relayField(of: b, h, run: &run)
            }
            w.flush(b, run: &run)
        }
        if !proxy.plainRequest, let template = proxy.rewrites.body {
            let body = r.evaluate(template)
            w.appendHeader("Content-Length", body.count)
            w.appendEnd()
            w.append(contentsOf: body)
            return
        } else if !proxy.plainRequest && (!proxy.rewrites.passRequestBody || proxy.rewrites.setsContentLength) {
            // No body goes up (nginx would still state the client's length), or proxy_set_header states it.
        } else if chunked {
            w.append("Transfer-Encoding: chunked\r\n")
        } else if let n = bodyLength, n > 0 || head.bodyFraming != .none {   // an empty chunked body too, as nginx
            w.appendHeader("Content-Length", n)
        }
        if let c = cache { w.append(contentsOf: c.conditions) }
        w.appendEnd()
    }

    private static func isRange(_ lowercasedName: [UInt8]) -> Bool { lowercasedName.elementsEqual("range".utf8) }

    private static func appendURI(_ r: Request, proxy: ProxyRuntime, to out: inout [UInt8]) {
        let head = r.head!
        // proxy_pass with variables and a URI part: that URI exactly as evaluated (nginx neither replaces the
        // location prefix nor appends the arguments then).
        if let uri = r.dynamicURL?.uri { out.append(contentsOf: uri); return }
        // After `rewrite … break` the changed URI goes as it is: proxy_pass's URI part is ignored (nginx docs).
        guard let replacement = proxy.uriReplacement, r.validLocation else {
            // No URI part: the client's URI as sent, unless a rewrite or an internal redirect replaced $uri (until
            // then $uri is the normalized request path).
            if !r.uriReplaced {
                // Always origin-form, as nginx sends: an absolute-form target would let the origin pick its
                // virtual host from the client's URI and ignore the Host this proxy sets (RFC 9112 §3.2.2).
                if head.path.isEmpty && head.targetForm == .absolute { out.append(UInt8(ascii: "/")) }
                out.append(contentsOf: head.bytes(head.requestURI)); return
            }
            URIEscape.append(r.uri, .uri, to: &out)   // a replaced URI is internal: escaped, as below
            appendArgs(r, &out); return
        }
        // proxy_pass's URI part goes as written, then the rest of $uri after the location's prefix. nginx escapes
        // that rest only when the client's path came percent-encoded or the request is internal; otherwise it is
        // the bytes the client sent, which go as they came.
        out.append(contentsOf: replacement)
        let prefix = r.location.prefix, rest: ArraySlice<UInt8>
        if prefix.isEmpty {
            rest = r.uri.dropFirst(replacement.last == UInt8(ascii: "/") ? 1 : 0)
        } else {
            rest = r.uri.starts(with: prefix) ? r.uri[prefix.count...] : []
        }
        if r.isInternal || r.pathIsQuoted { URIEscape.append(rest, .uri, to: &out) } else { out.append(contentsOf: rest) }
        appendArgs(r, &out)
    }

    /// `?args`, none for empty args: nginx writes the `?` only when r->args is not empty, so a try_files or rewrite
    /// target ending in `?$args` sends no bare `?` when the request had no query.
    private static func appendArgs(_ r: Request, _ out: inout [UInt8]) {
        if !r.args.isEmpty { out.append(UInt8(ascii: "?")); out.append(contentsOf: r.args) }
    }
}
