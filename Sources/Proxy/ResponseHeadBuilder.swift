import Gzip
import HTTP1

/// Builds the response head for the client from an upstream response, as nginx's upstream module and header
/// filter do: nginx's own status line, `Server` and `Date` (the upstream's are hidden unless passed),
/// the upstream's headers minus hop-by-hop and `proxy_hide_header` ones, Location/Refresh rewritten by
/// `proxy_redirect`, framing for this client, `Connection`, then `expires` and `add_header`.
enum ResponseHeadBuilder {
    static let hopByHop: Set<[UInt8]> = Set(["connection", "keep-alive", "transfer-encoding", "te", "trailer",
                                              "upgrade", "proxy-connection", "content-length"].map { Array($0.utf8) })

    /// `gzip`: the policy's decision (header edits apply when it compresses; `Vary` whenever it says so).
    static func build(for r: Request, upstream resp: ResponseHead, proxy: ProxyRuntime, connection c: ClientConnection,
                      chunked: Bool, extra: [UInt8] = [], gzip: GzipDecision?) -> [UInt8] {
        let compressing = gzip?.compress == true
        var out: [UInt8] = []
        out.reserveCapacity(resp.bytes.count + 256)
        StatusLine.append(resp.status, to: &out)
        let passServer = !proxy.hiddenHeaders.contains(Array("server".utf8))
        let passDate = !proxy.hiddenHeaders.contains(Array("date".utf8))
        if !passServer { appendServer(c, &out) }
        if !passDate { appendDate(c, &out) }
        for h in resp.headers {
            let name = resp.bytes(h.name)
            let lower = Bytes.lowercased(name)
            if hopByHop.contains(lower) || proxy.hiddenHeaders.contains(lower) { continue }
            if compressing && lower == Array("accept-ranges".utf8) { continue }
            if compressing && lower == Array("etag".utf8), let edit = gzip?.etag {
                switch edit {
                case .keep: break
                case .remove: continue
                case .replace(let tag):
                    out.append(contentsOf: Array("ETag: ".utf8)); out.append(contentsOf: tag); out.append(contentsOf: [13, 10])
                    continue
                }
            }
            out.append(contentsOf: name)
            out.append(contentsOf: [58, 32])
            let value = resp.bytes(h.value)
            if (lower == Array("location".utf8) || lower == Array("refresh".utf8)), case .replace(let rules) = proxy.redirect {
                appendRedirected(value, rules: rules, request: r, into: &out)
            } else {
                out.append(contentsOf: value)
            }
            out.append(contentsOf: [13, 10])
        }
        if compressing { out.append(contentsOf: Array("Content-Encoding: gzip\r\n".utf8)) }
        if gzip?.addVary == true { out.append(contentsOf: Array("Vary: Accept-Encoding\r\n".utf8)) }
        if let n = resp.contentLength, !chunked, !compressing {
            out.append(contentsOf: Array("Content-Length: ".utf8)); ASCIIDecimal.append(n, to: &out)
            out.append(contentsOf: [13, 10])
        }
        if chunked { out.append(contentsOf: Array("Transfer-Encoding: chunked\r\n".utf8)) }
        out.append(contentsOf: extra)
        appendCommonTail(r, status: resp.status, connection: c, into: &out)
        return out
    }

    /// `Connection`, `expires` and `add_header`, then the blank line: shared by every response kind.
    static func appendCommonTail(_ r: Request, status: Int, connection c: ClientConnection, into out: inout [UInt8]) {
        if r.head != nil, r.head.version >= .http1_1 || c.keepAliveAfterResponse {
            out.append(contentsOf: c.keepAliveAfterResponse ? Array("Connection: keep-alive\r\n".utf8)
                                                            : Array("Connection: close\r\n".utf8))
        } else {
            out.append(contentsOf: Array("Connection: close\r\n".utf8))
        }
        if let loc = r.location {
            if let e = loc.expires { e.append(status: status, into: &out) }
            let ok = [200, 201, 204, 206, 301, 302, 303, 304, 307, 308].contains(status)
            for h in loc.addHeaders where ok || h.always {
                let start = out.count
                out.append(contentsOf: h.name); out.append(contentsOf: [58, 32])
                let v = out.count
                r.evaluate(h.value, into: &out)
                if out.count == v { out.removeSubrange(start...); continue }
                out.append(contentsOf: [13, 10])
            }
        }
        out.append(contentsOf: [13, 10])
    }

    static func appendServer(_ c: ClientConnection, _ out: inout [UInt8]) {
        out.append(contentsOf: c.runtime.serverTokens ? Array("Server: switchyard/\(Version.switchyard)\r\n".utf8)
                                                      : Array("Server: switchyard\r\n".utf8))
    }

    static func appendDate(_ c: ClientConnection, _ out: inout [UInt8]) {
        out.append(contentsOf: Array("Date: ".utf8))
        out.append(contentsOf: c.worker.clock.httpDate())
        out.append(contentsOf: [13, 10])
    }

    private static func appendRedirected(_ value: ArraySlice<UInt8>, rules: [(from: [UInt8], to: CompiledTemplate)],
                                         request r: Request, into out: inout [UInt8]) {
        for rule in rules {
            if let i = Bytes.firstIndex(of: rule.from, in: Array(value)) {
                let v = Array(value)
                out.append(contentsOf: v[..<i])
                r.evaluate(rule.to, into: &out)
                out.append(contentsOf: v[(i + rule.from.count)...])
                return
            }
        }
        out.append(contentsOf: value)
    }
}

/// `HTTP/1.1 200 OK\r\n`: nginx's own status line, whatever reason the upstream sent.
enum StatusLine {
    static func append(_ status: Int, to out: inout [UInt8]) {
        out.append(contentsOf: Array("HTTP/1.1 ".utf8))
        ASCIIDecimal.append(status, to: &out)
        out.append(32)
        out.append(contentsOf: reason(status))
        out.append(contentsOf: [13, 10])
    }

    static func reason(_ status: Int) -> UnsafeRawBufferPointer {
        guard let s = StatusReason.phrase(for: status) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)
    }
}
