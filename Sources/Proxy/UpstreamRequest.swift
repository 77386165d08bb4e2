import HTTP1
import ASCIIBytes

/// Builds the request head sent upstream, as nginx's proxy module does: method, URI (the original
/// `$request_uri`, or the location prefix replaced by proxy_pass's URI part, or the rewritten `$uri`, or the
/// evaluated URI part of a proxy_pass with variables),
/// the configured `proxy_set_header` list (defaults `Host: $proxy_host`, `Connection: close`), then the
/// client's headers except those the list names and the hop-by-hop ones.
enum UpstreamRequest {
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
    }

    /// Never sent when caching, by the client or by `proxy_set_header`.
    static let cacheStripped = NameSet(["range", "if-range", "if-modified-since", "if-unmodified-since",
                                        "if-none-match", "if-match"])

    /// `chunked`: the body streams re-chunked (`proxy_request_buffering off` with HTTP/1.1), no length known.
    /// `cache`: the proxy_cache edits, nil when the location does not cache.
    static func build(_ r: Request, proxy: ProxyRuntime, bodyLength: Int64?, chunked: Bool = false,
                      cache: CacheEdits? = nil) -> [UInt8] {
        let head = r.head!
        let caching = cache != nil
        var out: [UInt8] = []
        out.reserveCapacity(head.bytes.count + 256)
        // proxy_method replaces the method (proxy_set_body the body, which goes out with the head); otherwise a
        // cache fill of a HEAD asks for the whole entry, as nginx's proxy_cache_convert_head.
        if !proxy.plainRequest, let method = proxy.rewrites.method {
            r.evaluate(method, into: &out)
        } else if let c = cache, c.headAsGET, head.method == .head {
            out.append(static: "GET")
        } else if r.methodIsGET {   // an error_page's internal redirect asks with GET
            out.append(static: "GET")
        } else {
            out.append(contentsOf: head.bytes(head.methodRange))
        }
        out.append(32)
        appendURI(r, proxy: proxy, to: &out)
        if proxy.httpVersion11 { out.append(static: " HTTP/1.1\r\n") } else { out.append(static: " HTTP/1.0\r\n") }
        for h in proxy.setHeaders {
            if caching && cacheStripped.contains(h.lowercased) { continue }
            let start = out.count
            out.append(contentsOf: h.name)
            out.appendColonSpace()
            let valueStart = out.count
            r.evaluate(h.value, into: &out)
            if out.count == valueStart { out.removeSubrange(start...); continue }   // empty value: header not sent
            out.appendCRLF()
        }
        let b = head.bytes
        // proxy_pass_request_headers off: only the proxy_set_header list (and the body's framing) goes up.
        let passHeaders = proxy.plainRequest || proxy.rewrites.passRequestHeaders
        for h in head.headers where passHeaders {
            if dropped.contains(b, h.name) { continue }
            if caching && cacheStripped.contains(b, h.name) { continue }
            let name = b[h.name.start..<h.name.end]
            if proxy.setHeaders.contains(where: { ASCII.equalsIgnoringCase($0.lowercased, name) }) { continue }
            if head.isNamedInConnection(name) { continue }   // hop-by-hop by the client's Connection header
            out.append(contentsOf: name)
            out.appendColonSpace()
            out.append(contentsOf: b[h.value.start..<h.value.end])
            out.appendCRLF()
        }
        if !proxy.plainRequest, let template = proxy.rewrites.body {
            let body = r.evaluate(template)
            out.append(static: "Content-Length: ")
            ASCIIDecimal.append(body.count, to: &out)
            out.append(static: "\r\n\r\n")
            out.append(contentsOf: body)
            return out
        } else if !proxy.plainRequest && (!proxy.rewrites.passRequestBody || proxy.rewrites.setsContentLength) {
            // No body goes up (nginx would still state the client's length), or proxy_set_header states it.
        } else if chunked {
            out.append(static: "Transfer-Encoding: chunked\r\n")
        } else if let n = bodyLength, n > 0 || head.contentLength != nil {
            out.append(static: "Content-Length: ")
            ASCIIDecimal.append(n, to: &out)
            out.appendCRLF()
        }
        if let c = cache { out.append(contentsOf: c.conditions) }
        out.appendCRLF()
        return out
    }

    private static func appendURI(_ r: Request, proxy: ProxyRuntime, to out: inout [UInt8]) {
        let head = r.head!
        // proxy_pass with variables and a URI part: that URI exactly as evaluated (nginx neither replaces the
        // location prefix nor appends the arguments then).
        if let uri = r.dynamicURL?.uri { out.append(contentsOf: uri); return }
        // After `rewrite … break` the changed URI goes as it is: proxy_pass's URI part is ignored (nginx docs).
        guard let replacement = proxy.uriReplacement, r.validLocation else {
            // No URI part: the client's URI as sent, unless a rewrite or an internal redirect changed $uri (each
            // counts a cycle; until then $uri is the normalized request path).
            if r.rewriteCycles == 0 {
                // Always origin-form, as nginx sends: an absolute-form target would let the origin pick its
                // virtual host from the client's URI and ignore the Host this proxy sets (RFC 9112 §3.2.2).
                if head.path.isEmpty && head.targetForm == .absolute { out.append(UInt8(ascii: "/")) }
                out.append(contentsOf: head.bytes(head.requestURI)); return
            }
            escape(r.uri, into: &out)
            appendArgs(r, &out); return
        }
        var uri = replacement
        let prefix = r.location.prefix
        if !prefix.isEmpty, r.uri.starts(with: prefix) {
            uri.append(contentsOf: r.uri[prefix.count...])
        } else if prefix.isEmpty {
            uri.append(contentsOf: r.uri.dropFirst(replacement.last == UInt8(ascii: "/") ? 1 : 0))
        }
        escape(uri, into: &out)
        appendArgs(r, &out)
    }

    private static func appendArgs(_ r: Request, _ out: inout [UInt8]) {
        if r.hasArgs { out.append(UInt8(ascii: "?")); out.append(contentsOf: r.args) }
    }

    /// Percent-encodes what may not appear raw in a request-target (nginx's NGX_ESCAPE_URI set, simplified).
    static func escape(_ uri: [UInt8], into out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
        for c in uri {
            if c <= 0x20 || c >= 0x7f || c == UInt8(ascii: "%") || c == UInt8(ascii: "?") || c == UInt8(ascii: "#")
                || c == UInt8(ascii: "\"") {
                out.append(UInt8(ascii: "%")); out.append(hex[Int(c >> 4)]); out.append(hex[Int(c & 0xf)])
            } else {
                out.append(c)
            }
        }
    }
}
