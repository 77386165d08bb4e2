import Config
import Cache
import Regex
import EventLoop
import Gzip
import HTTP1
import ASCIIBytes

/// Builds the response head for the client from an upstream response, as nginx's upstream module and header
/// filter do: nginx's own status line, `Server` and `Date` (the upstream's are hidden unless passed),
/// the upstream's headers minus hop-by-hop and `proxy_hide_header` ones, Location/Refresh rewritten by
/// `proxy_redirect`, framing for this client, `Connection`, then `expires` and `add_header`.
enum ResponseHeadBuilder {
    static let hopByHop = NameSet(["connection", "keep-alive", "transfer-encoding", "te", "trailer",
                                   "upgrade", "proxy-connection", "content-length"])

    /// `gzip`: the policy's decision (header edits apply when it compresses; `Vary` whenever it says so).
    /// `filtered`: a 304 / 206 made from a stored 200 (CacheFilters.swift): its status, the fields it drops,
    /// and no Content-Length of the stored response (the caller's `extra` has the new one).
    /// `age`: the `Age` of a response served from the cache (RFC 9111 §4.2.3; its stored head has none).
    /// `bodyLength`: the `Content-Length` of a body that is not the upstream's as it came (a compressed cache HIT).
    static func build(for r: Request, upstream resp: ResponseHead, proxy: ProxyRuntime, connection c: ClientConnection,
                      chunked: Bool, extra: [UInt8] = [], gzip: GzipDecision?, filtered: FilteredHead? = nil,
                      age: Int64? = nil, bodyLength: Int? = nil) -> [UInt8] {
        var w = HeadWriter(capacity: resp.bytes.count + 256)
        write(for: r, upstream: resp, proxy: proxy, connection: c, chunked: chunked, extra: extra, gzip: gzip,
              filtered: filtered, age: age, bodyLength: bodyLength, into: &w)
        return w.finish()
    }

    /// `build` into a writer the caller owns (the proxy's: the request's reused head buffer, no allocation).
    static func write(for r: Request, upstream resp: ResponseHead, proxy: ProxyRuntime, connection c: ClientConnection,
                      chunked: Bool, extra: [UInt8] = [], gzip: GzipDecision?, filtered: FilteredHead? = nil,
                      age: Int64? = nil, bodyLength: Int? = nil, into w: inout HeadWriter) {
        let compressing = gzip?.compress == true
        w.appendStatusLine(filtered?.status ?? (r.errorStatus != 0 ? r.errorStatus : resp.status))   // error_page's status
        if !proxy.passServer { appendServer(r, c, &w) }
        if !proxy.passDate { appendDate(c, &w) }
        let b = resp.bytes
        // Held once here: a static's accessor (and a class's field) read per field costs a call and a retain.
        let hop = hopByHop, hidden = proxy.hiddenHeaders
        let rewritesCookies = proxy.rewrites.rewritesCookies
        let charset = proxy.charset   // `charset` on: the Content-Type may take it
        // Kept fields are relayed as received, neighbours in one copy (HeadWriter.relayField); anything else
        // written in between flushes the run first, so the order stays the upstream's.
        var run = HeadWriter.FieldRun()
        // Fields the upstream's Connection names are for that hop only (RFC 9110 §7.6.1); a stored head has none.
        let listed = resp.connectionNamesFields ? CacheStoredHead.connectionListed(resp) : []
        for h in resp.headers {
            // Names and values are ranges of the upstream head's bytes, tested and copied in place.
            if hop.contains(b, h.name) || hidden.contains(b, h.name) { continue }
            if !listed.isEmpty && listed.contains(where: { ASCII.equalsIgnoringCase(b[h.name.start..<h.name.end], $0) }) {
                continue
            }
            if let f = filtered, f.dropped.contains(b, h.name) { continue }
            // proxy_force_ranges: the range filter, not the upstream, says whether ranges are served.
            if (compressing || proxy.forceRanges) && ASCII.named(b, h.name, "accept-ranges") { continue }
            if compressing && ASCII.named(b, h.name, "etag"), let edit = gzip?.etag {
                switch edit {
                case .keep: break
                case .remove: continue
                case .replace(let tag):
                    w.flush(b, run: &run)
                    w.appendHeader("ETag", tag)
                    continue
                case .weaken:
                    w.flush(b, run: &run)
                    w.append("ETag: W/")
                    w.append(b, h.value)
                    w.appendCRLF()
                    continue
                }
            }
            let isLocation = ASCII.named(b, h.name, "location")
            if isLocation || ASCII.named(b, h.name, "refresh") {
                w.flush(b, run: &run)
                w.appendName(of: b, h.name)
                let start = w.count
                var rewritten = false
                if case .replace(let rules) = proxy.redirect {
                    w.withBytes {
                        rewritten = appendRedirected(b[h.value.start..<h.value.end], refresh: !isLocation, rules: rules,
                                                     request: r, into: &$0)
                    }
                } else {
                    w.append(b, h.value)
                }
                // nginx's header filter makes a relative Location absolute (absolute_redirect), but it sees an
                // upstream's only when a proxy_redirect rule rewrote it (ngx_http_upstream_rewrite_location): an
                // upstream's own `/path` or `//host/path` goes out as it came.
                if isLocation && rewritten && w.count > start && w[start] == UInt8(ascii: "/"),
                   let prefix = Responses.absolutePrefix(r, c) {
                    w.withBytes { $0.insert(contentsOf: prefix, at: start) }
                }
                w.appendCRLF()
            } else if rewritesCookies && ASCII.named(b, h.name, "set-cookie") {
                w.flush(b, run: &run)
                w.appendName(of: b, h.name)
                w.withBytes { proxy.rewrites.rewriteCookie(b[h.value.start..<h.value.end], request: r, into: &$0) }
                w.appendCRLF()
            } else if let cs = charset, ASCII.named(b, h.name, "content-type") {
                relayContentType(r, resp, h, status: filtered?.status ?? resp.status, charset: cs, c, run: &run, into: &w)
            } else {
                w.relayField(of: b, h, run: &run)
            }
        }
        w.flush(b, run: &run)
        if compressing { w.append("Content-Encoding: gzip\r\n") }
        if gzip?.addVary == true || GunzipRuntime.varies(r, resp) { w.append("Vary: Accept-Encoding\r\n") }
        if let n = bodyLength {
            w.appendHeader("Content-Length", Int64(n))
        } else if let n = resp.contentLength, !chunked, !compressing, filtered == nil, resp.status != 204 {
            w.appendHeader("Content-Length", n)   // never on a 204 (RFC 9110 §8.6), as nginx's header filter drops it
        }
        if chunked { w.append("Transfer-Encoding: chunked\r\n") }
        if let a = age { w.appendHeader("Age", a) }
        if !extra.isEmpty { w.append(contentsOf: extra) }
        appendCommonTail(r, status: filtered?.tailStatus ?? resp.status, connection: c, into: &w)
    }

    /// nginx's charset filter on the upstream's Content-Type (ResponseCharset.plan): a listed type that names no
    /// charset gets the location's; with `override_charset` or `X-Accel-Charset`, one that names its own gets the
    /// one it is recoded to. Apart from `write` (never inlined), which stays small enough for its field relay to be
    /// inlined.
    @inline(never)
    private static func relayContentType(_ r: Request, _ resp: ResponseHead, _ h: HeaderField, status: Int,
                                         charset cs: ResponseCharset, _ c: ClientConnection,
                                         run: inout HeadWriter.FieldRun, into w: inout HeadWriter) {
        let b = resp.bytes
        let accel = cs.honoursAccelCharset ? resp.firstHeader("x-accel-charset") : nil
        if cs.marksOnly && accel == nil {
            // The common case, in place: a listed type that names no charset gets the location's.
            let value = b[h.value.start..<h.value.end]
            guard cs.takes(value), CharsetParameter(value) == nil, status != 301 && status != 302 else {
                return w.relayField(of: b, h, run: &run)
            }
            w.flush(b, run: &run)
            w.appendName(of: b, h.name)
            w.append(b, h.value)
            w.append(ResponseCharset.parameter)
            w.append(cs.name)
            return w.appendCRLF()
        }
        let coding = resp.firstHeader("content-encoding")
        let plan = cs.plan(b[h.value.start..<h.value.end], override: accel, status: status,
                           encoded: coding != nil && !coding!.isEmpty, request: r)
        if let e = plan.error { c.worker.log(.error, e, c) }
        guard let type = plan.contentType else { return w.relayField(of: b, h, run: &run) }
        w.flush(b, run: &run)
        w.appendName(of: b, h.name)
        w.append(type)
        w.appendCRLF()
    }

    /// `Connection`, `expires` and `add_header`, then the blank line: shared by every response kind.
    static func appendCommonTail(_ r: Request, status: Int, connection c: ClientConnection, into w: inout HeadWriter) {
        if !r.errorHeaders.isEmpty { w.append(r.errorHeaders) }
        if !r.carriedHeaders.isEmpty { w.append(r.carriedHeaders) }
        // Asked once: the answer reads the location's keep-alive limits through several references.
        if r.head != nil && c.keepAliveAfterResponse {
            w.append("Connection: keep-alive\r\n")
            if let k = r.location?.keepaliveHeader { w.append(k) }
        } else {
            w.append("Connection: close\r\n")
        }
        if let loc = r.location {
            // Both edit the head built so far (a replaced Expires, ETag): through the writer's array.
            if let e = loc.expires { w.withBytes { e.append(status: status, request: r, into: &$0) } }
            let ok = switch status { case 200, 201, 204, 206, 301, 302, 303, 304, 307, 308: true; default: false }
            appendAddHeaders(r, loc, alwaysOnly: !ok, into: &w)
            if let u = loc.userid { UserIDFilter.appendHeaders(r, u, into: &w) }
        }
        w.appendCRLF()
    }

    /// The location's `add_header` lines (only the `always` ones for other statuses); a value that evaluates
    /// empty adds no header, as in nginx.
    static func appendAddHeaders(_ r: Request, _ loc: LocationRuntime, alwaysOnly: Bool, into w: inout HeadWriter) {
        let fields = loc.addHeaders
        guard !fields.isEmpty else { return }
        w.withBytes { appendFields(fields, r, alwaysOnly: alwaysOnly, into: &$0) }
    }

    /// `add_header` / `add_trailer` fields as `Name: value` lines, skipping those whose value is empty. `ETag`
    /// and `Last-Modified` replace the response's own field (an empty value removes it), as nginx's headers
    /// filter does. `fieldsStart` is where the head (or the trailer block) begins in `out`, for `$sent_*`.
    static func appendFields(_ fields: [HeaderAddition], _ r: Request, alwaysOnly: Bool, trailers: Bool = false,
                             fieldsStart: Int = 0, into out: inout [UInt8]) {
        for h in fields where !alwaysOnly || h.always {
            if !trailers && (h.name.count == 4 || h.name.count == 13)
                && (ASCII.equalsIgnoringCase(h.name, "etag".utf8) || ASCII.equalsIgnoringCase(h.name, "last-modified".utf8)) {
                HeaderScan.removeField(h.name, from: &out, headStart: fieldsStart)
            }
            let start = out.count
            if h.value.readsSentFields {
                // nginx evaluates each value with the fields added before it already in the response.
                var value: [UInt8] = []
                if trailers { r.responseTrailers = Array(out[fieldsStart...]) } else { r.responseHead = Array(out[fieldsStart...]) }
                r.evaluate(h.value, into: &value)
                if value.isEmpty { continue }
                out.append(contentsOf: h.name); out.appendColonSpace(); out.append(contentsOf: value)
                out.appendCRLF()
                continue
            }
            out.append(contentsOf: h.name); out.appendColonSpace()
            let v = out.count
            r.evaluate(h.value, into: &out)
            if out.count == v { out.removeSubrange(start...); continue }
            out.appendCRLF()
        }
    }

    private static let serverWithVersion = Array("Server: switchyard/\(Version.switchyard)\r\n".utf8)
    private static let serverPlain = Array("Server: switchyard\r\n".utf8)

    static func appendServer(_ r: Request, _ c: ClientConnection, _ w: inout HeadWriter) {
        w.append(serverTokens(r, c) ? serverWithVersion : serverPlain)
    }

    /// `server_tokens` of the request's location (http, server and location levels, as nginx's header filter and
    /// error pages read it); the default server's for a request no server took yet.
    static func serverTokens(_ r: Request, _ c: ClientConnection) -> Bool {
        (r.location ?? c.listen.hosts.defaultServer.fallback).serverTokens
    }

    static func appendDate(_ c: ClientConnection, _ w: inout HeadWriter) {
        c.worker.clock.appendDateLine(to: &w)
    }

    /// nginx's `ngx_http_proxy_rewrite_redirect`: the first rule that matches rewrites the value (after `url=` in
    /// Refresh). A text rule replaces the prefix it matches (case-insensitively); a regex rule the whole value,
    /// with its captures available to the replacement. False when no rule matched (the value is copied as it is).
    private static func appendRedirected(_ value: ArraySlice<UInt8>, refresh: Bool, rules: [RedirectReplacement],
                                         request r: Request, into out: inout [UInt8]) -> Bool {
        let v = Array(value)
        var start = 0
        if refresh {
            guard let i = Bytes.firstIndex(of: Self.url, in: ASCII.lowercased(v)) else { out.append(contentsOf: v); return false }
            start = i + Self.url.count
        }
        let subject = Array(v[start...])
        for rule in rules {
            if let re = rule.regex {
                guard let groups = re.firstMatch(in: subject) else { continue }
                r.captures = groups.map { range in range.map { Array(subject[$0]) } ?? [] }
                out.append(contentsOf: v[..<start])
                r.evaluate(rule.to, into: &out)
                return true
            }
            let from = rule.from.constant ?? r.evaluate(rule.from)
            guard !from.isEmpty, subject.count >= from.count, ASCII.equalsIgnoringCase(subject[..<from.count], from) else {
                continue
            }
            out.append(contentsOf: v[..<start])
            r.evaluate(rule.to, into: &out)
            out.append(contentsOf: subject[from.count...])
            return true
        }
        out.append(contentsOf: v)
        return false
    }

    private static let url = Array("url=".utf8)
}
