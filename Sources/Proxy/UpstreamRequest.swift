import HTTP1

/// Builds the request head sent upstream, as nginx's proxy module does: method, URI (the original
/// `$request_uri`, or the location prefix replaced by proxy_pass's URI part, or the rewritten `$uri`),
/// the configured `proxy_set_header` list (defaults `Host: $proxy_host`, `Connection: close`), then the
/// client's headers except those the list names and the hop-by-hop ones.
enum UpstreamRequest {
    /// Client headers never forwarded: hop-by-hop, and the ones nginx's proxy module sets itself.
    static let dropped: Set<[UInt8]> = Set(["connection", "keep-alive", "te", "trailer", "transfer-encoding",
                                             "upgrade", "proxy-connection", "expect", "content-length"].map { Array($0.utf8) })

    static func build(_ r: Request, proxy: ProxyRuntime, bodyLength: Int64?) -> [UInt8] {
        let head = r.head!
        var out: [UInt8] = []
        out.reserveCapacity(head.bytes.count + 256)
        out.append(contentsOf: head.bytes(head.methodRange))
        out.append(32)
        appendURI(r, proxy: proxy, to: &out)
        out.append(contentsOf: proxy.httpVersion11 ? Array(" HTTP/1.1\r\n".utf8) : Array(" HTTP/1.0\r\n".utf8))
        for h in proxy.setHeaders {
            let start = out.count
            out.append(contentsOf: h.name)
            out.append(contentsOf: [58, 32])
            let valueStart = out.count
            r.evaluate(h.value, into: &out)
            if out.count == valueStart { out.removeSubrange(start...); continue }   // empty value: header not sent
            out.append(contentsOf: [13, 10])
        }
        let connectionNamed = connectionTokens(head)
        for h in head.headers {
            let name = head.bytes(h.name)
            let lower = Bytes.lowercased(name)
            if dropped.contains(lower) || connectionNamed.contains(lower) { continue }
            if proxy.setHeaders.contains(where: { $0.lowercased == lower }) { continue }
            out.append(contentsOf: name)
            out.append(contentsOf: [58, 32])
            out.append(contentsOf: head.bytes(h.value))
            out.append(contentsOf: [13, 10])
        }
        if let n = bodyLength, n > 0 || head.contentLength != nil {
            out.append(contentsOf: Array("Content-Length: ".utf8))
            ASCIIDecimal.append(n, to: &out)
            out.append(contentsOf: [13, 10])
        }
        out.append(contentsOf: [13, 10])
        return out
    }

    /// Header names listed in the client's Connection header are hop-by-hop too.
    private static func connectionTokens(_ head: RequestHead) -> Set<[UInt8]> {
        var set: Set<[UInt8]> = []
        for h in head.headers where Bytes.equalsIgnoringCase(head.bytes(h.name), Array("connection".utf8)) {
            for token in head.bytes(h.value).split(separator: 44) {
                let t = token.drop { $0 == 32 || $0 == 9 }.reversed().drop { $0 == 32 || $0 == 9 }.reversed()
                if !t.isEmpty { set.insert(Bytes.lowercased(t)) }
            }
        }
        return set
    }

    private static func appendURI(_ r: Request, proxy: ProxyRuntime, to out: inout [UInt8]) {
        let head = r.head!
        guard let replacement = proxy.uriReplacement else {
            // No URI part: the client's URI as sent, unless a rewrite changed $uri.
            if r.rewriteCycles == 0 && r.uri == ((try? URIPath.normalize(head.bytes(head.path))) ?? []) {
                out.append(contentsOf: head.bytes(head.target)); return
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
