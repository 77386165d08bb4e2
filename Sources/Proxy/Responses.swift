import Balancing
import EventLoop
import Gzip
import HTTP1

/// Responses switchyard makes itself: error pages (nginx's bodies), `return`, redirects, and the status pages.
enum Responses {
    /// nginx's page for `status` (naming switchyard where nginx names itself), or nil for a code nginx has no
    /// page for: that answer goes out empty, with `Content-Length: 0` and no type (a `return 418`).
    static func errorPage(_ status: Int, tokens: Bool) -> [UInt8]? {
        let title: String, heading: String, note: String
        if let text = badRequestText(status) {   // sent as 400s: the title says why, the heading "400 Bad Request"
            (title, heading, note) = ("400 \(text)", "400 Bad Request", "<center>\(text)</center>\r\n")
        } else {
            switch status {
            case 302: title = "302 Found"   // nginx's status line says "302 Moved Temporarily", its page "302 Found"
            case 401: title = "401 Authorization Required"   // and "401 Unauthorized"
            case 498: title = "404 Not Found"   // nginx's "canceled", answered with the 404 page
            case 301, 303, 307, 308, 400...406, 408...416, 421, 429, 500...505, 507:
                title = "\(status) \(StatusReason.phrase(for: status).map { "\($0)" } ?? "")"
            default: return nil
            }
            (heading, note) = (title, "")
        }
        let sig = tokens ? "switchyard/\(Version.switchyard)" : "switchyard"
        return Array("<html>\r\n<head><title>\(title)</title></head>\r\n<body>\r\n<center><h1>\(heading)</h1></center>\r\n\(note)<hr><center>\(sig)</center>\r\n</body>\r\n</html>\r\n".utf8)
    }

    /// The statuses nginx answers with 400 and a page of their own: a request head too large (494, when a
    /// `return` asks for it), and the TLS client's errors (495-497).
    static func badRequestText(_ status: Int) -> String? {
        switch status {
        case 494: "Request Header Or Cookie Too Large"
        case 495: "The SSL certificate error"
        case 496: "No required SSL certificate was sent"
        case 497: "The plain HTTP request was sent to HTTPS port"
        default: nil
        }
    }

    /// An error page as it goes out: `page`, with nginx's padding after it (`msie_padding`, on by default) for
    /// MSIE and Chrome, which show a "friendly" page of their own instead of a short one. nginx pads the pages of
    /// errors only, not those of redirects (and HTTP/0.9, which it does not pad either, is not served).
    static func errorBody(_ page: [UInt8], status: Int, _ r: Request) -> [UInt8] {
        guard status >= 400, (r.location ?? r.server?.fallback)?.files.msiePadding ?? true,
              !r.userAgentFlags.isDisjoint(with: [.msie, .chrome]) else { return page }
        return page + msiePadding
    }

    static let msiePadding = Array(String(repeating: "<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n",
                                          count: 6).utf8)

    static func sendError(_ status: Int, on c: ClientConnection) {
        let r = c.request
        // nginx's special response handler ends keep-alive after these, so nothing pipelined behind one is served.
        switch status {
        case 400, 413, 414, 495, 496, 497, 500, 501: c.keepAliveAfterResponse = false
        default: break
        }
        r.errorStatus = 0   // nginx's err_status becomes this error's (an error_page below may set it again)
        r.pendingLocation = nil
        if ErrorPages.serve(status, r, c) { return }
        guard let page = errorPage(status, tokens: ResponseHeadBuilder.serverTokens(r, c)).map({ errorBody($0, status: status, r) }) else {
            return send(status: status, contentType: [], body: [], on: c)   // no page for this code: empty
        }
        let bodyless = status == 204 || status == 304 || r.head?.method == .head
        send(status: badRequestText(status) == nil ? status : 400, contentType: htmlType(r), body: bodyless ? [] : page,
             contentLength: Int64(page.count), on: c)
    }

    /// `text/html` with the location's charset, as nginx's charset filter marks its own pages.
    static func htmlType(_ r: Request, status: Int = 200) -> [UInt8] {
        var type = Array("text/html".utf8)
        r.location?.charset?.append(to: &type, status: status, request: r)
        return type
    }

    static func isRedirect(_ status: Int) -> Bool {
        status == 301 || status == 302 || status == 303 || status == 307 || status == 308
    }

    /// `return code [text|URL]`.
    static func respond(_ status: Int, body: CompiledTemplate?, on c: ClientConnection) {
        let r = c.request
        if isRedirect(status) {
            // `redirect` hands it to an error_page for that code, as nginx finalizes a redirect `return`; with no
            // URL the Location is empty, as nginx's.
            return redirect(status, location: body.map { r.evaluate($0) } ?? [], on: c)
        }
        guard let body else {
            if status >= 400 { return sendError(status, on: c) }
            // nginx's `return 304` says `Content-Length: 0`; a 304 for a conditional request has none.
            return send(status: status, contentType: r.location?.defaultType ?? [], body: [],
                        contentLength: status == 304 ? 0 : nil, on: c)
        }
        r.status = status   // $status in the text is the answer's, as nginx sets it before evaluating
        var bytes = r.evaluate(body)
        // nginx's ngx_http_send_response: the type the URI's extension maps to, else default_type.
        let type: [UInt8]
        if let carried = r.carriedContentType {   // an X-Accel-Redirect's: nginx sets a type only when none is
            type = carried
        } else if let loc = r.location {
            type = loc.charset == nil && !r.uriHasExtension ? loc.defaultType : StaticFiles.contentType(r.uri, loc, request: r)
        } else {
            type = Array("text/plain".utf8)
        }
        // A 204 or 304 has no body, whatever the text: nginx sends the head alone (a 304 with the text's length).
        if status == 204 || status == 304 {
            let length = Int64(bytes.count)
            bytes = []
            return send(status: status, contentType: type, body: bytes, contentLength: length, on: c)
        }
        send(status: status, contentType: type, body: bytes, on: c)
    }

    /// `byErrorPage`: an error_page's redirect, which msie_refresh turns into a refresh whatever its status.
    static func redirect(_ status: Int, location: [UInt8], on c: ClientConnection, byErrorPage: Bool = false) {
        let r = c.request
        // A redirect is an answer like an error: an error_page for its status takes over, and the Location stays
        // for that page's answer unless it redirects again (nginx keeps headers_out.location).
        if r.location?.errorPages[status] != nil {
            r.errorStatus = 0
            r.pendingLocation = location
            if ErrorPages.serve(status, r, c) { return }
            r.pendingLocation = nil
        }
        // msie_refresh: nginx answers MSIE's 301s and 302s, and any redirect of an error_page, with a refresh page.
        if byErrorPage || status == 301 || status == 302, r.location?.files.redirect.msieRefresh == true,
           r.userAgentFlags.contains(.msie) {
            return refresh(to: location, on: c)
        }
        let loc = absoluteLocation(location, r, c)
        let body = errorPage(status, tokens: ResponseHeadBuilder.serverTokens(r, c)) ?? []
        send(status: status, contentType: htmlType(r, status: status), body: r.head?.method == .head ? [] : body,
             contentLength: Int64(body.count), extra: [(Array("Location".utf8), loc)], on: c)
    }

    /// The refresh page instead of a redirect: 200, text/html, no Location (nor the one an error_page kept).
    private static func refresh(to location: [UInt8], on c: ClientConnection) {
        let r = c.request
        r.pendingLocation = nil
        let body = RefreshPage.body(to: location)
        send(status: 200, contentType: htmlType(r), body: r.head?.method == .head ? [] : body,
             contentLength: Int64(body.count), on: c)
    }

    /// nginx makes a relative redirect absolute (absolute_redirect) with the request's scheme and host, or the
    /// server's name (server_name_in_redirect), and the port unless 80 (port_in_redirect).
    static func absoluteLocation(_ location: [UInt8], _ r: Request, _ c: ClientConnection) -> [UInt8] {
        guard location.first == UInt8(ascii: "/"), var abs = absolutePrefix(r, c) else { return location }
        abs.append(contentsOf: location)
        return abs
    }

    /// The `scheme://host[:port]` of `absoluteLocation`; nil with `absolute_redirect off`.
    static func absolutePrefix(_ r: Request, _ c: ClientConnection) -> [UInt8]? {
        let style = r.location?.files.redirect ?? RedirectStyle()
        guard style.absolute else { return nil }
        var abs = Array((c.isTLS ? "https://" : "http://").utf8)
        // The Host (valid, without port and trailing dot), else the local address, as nginx's header filter.
        let host = r.hostHeaderForRouting()
        if style.serverName, let name = r.server?.name, !name.isEmpty {
            abs.append(contentsOf: name)
        } else if !host.isEmpty {
            abs.append(contentsOf: host)
        } else {
            abs.append(contentsOf: Array(c.local.host.utf8))
        }
        if style.port && c.local.port != (c.isTLS ? 443 : 80) { abs.append(UInt8(ascii: ":")); ASCIIDecimal.append(Int(c.local.port), to: &abs) }
        return abs
    }

    /// Sends a complete response that switchyard produced: head and body in one buffer (the request's kept head
    /// buffer, so no allocation), one write. `tailStatus`: the status `add_header` and `expires` go by, when not
    /// this one (a 416 the range filter made of a 200).
    /// `throughGzip: false`: the body is already what goes out (`sendThroughGzip`'s call, which comes before the
    /// checks so that they run once).
    static func send(status: Int, contentType: [UInt8], body: [UInt8], contentLength: Int64? = nil,
                     extra: [([UInt8], [UInt8])] = [], tailStatus: Int? = nil, throughGzip: Bool = true,
                     on c: ClientConnection) {
        let r = c.request
        if throughGzip, !body.isEmpty, r.location?.gzip != nil {   // no copy of the settings here
            return sendThroughGzip(status: status, contentType: contentType, body: body, contentLength: contentLength,
                                   extra: extra, tailStatus: tailStatus, on: c)
        }
        // A body nobody reads is skipped first: bad chunked framing in it is answered with a 400 instead. Not by a
        // subrequest's answer: the body is its main request's (which auth_request may yet let through to proxy_pass).
        if c.unreadBody != .none, !r.isSubrequest, !c.discardBodyBeforeResponse(status: status) { return }
        if let f = FilteredMadeResponse.applies(r, status: status, contentType: contentType, body: body) {   // ssi on
            return FilteredMadeResponse.send(f, status: status, contentType: contentType, body: body, extra: extra, on: c)
        }
        r.status = status
        var w = HeadWriter(reusing: &r.responseHead, minimumCapacity: 256 + body.count)
        w.appendStatusLine(status)
        ResponseHeadBuilder.appendServer(r, c, &w)
        ResponseHeadBuilder.appendDate(c, &w)
        // A 204 has no type (nginx's header filter clears it).
        if !contentType.isEmpty && status != 204 { w.appendHeader("Content-Type", contentType) }
        let trailers = Trailers.expected(r, status: status)   // add_trailer: chunked, trailers after the body
        if trailers {
            w.append("Transfer-Encoding: chunked\r\n")
        } else if status != 204 && (status != 304 || contentLength != nil) {
            w.appendHeader("Content-Length", contentLength ?? Int64(body.count))
        }
        for (name, value) in extra { w.appendHeader(name, value) }
        if let pending = r.pendingLocation, extra.isEmpty {   // an error_page answering a redirect keeps its Location
            w.appendHeader("Location", absoluteLocation(pending, r, c))
        }
        ResponseHeadBuilder.appendCommonTail(r, status: tailStatus ?? status, connection: c, into: &w)
        if trailers {
            r.responseHead = w.finish()   // the trailers' values may read $sent_http_*
            var out = r.responseHead
            if !body.isEmpty { ChunkedEncoder.appendChunkHeader(body.count, to: &out); out.append(contentsOf: body); out.appendCRLF() }
            Trailers.appendLastChunk(r, status: status, into: &out)
            r.sink.send(out)
            return r.sink.responseComplete()
        }
        let headCount = w.count
        if r.head?.method != .head { w.append(body) }
        sendWhole(w, headCount: headCount, r)
    }

    /// gzip for an answer switchyard makes (`return` text, its own pages): nginx's filter takes them as any other
    /// (200, 403 or 404, a gzip_types type, at least gzip_min_length long). The body is whole and small: compressed
    /// here at once and sent with its compressed length (nginx's, streamed, goes chunked). Out of line, so that
    /// `send` stays small enough to be inlined where a location has no gzip.
    @inline(never)
    private static func sendThroughGzip(status: Int, contentType: [UInt8], body: [UInt8], contentLength: Int64?,
                                        extra: [([UInt8], [UInt8])], tailStatus: Int?, on c: ClientConnection) {
        let r = c.request
        r.status = status
        var d = GzipStage.decideForMade(r.location.gzip!, request: r, status: status, contentType: contentType, length: body.count)
        // A subrequest's answer is part of its main request's body; add_trailer makes the answer chunked, with its
        // trailers after the body, and ssi's filters stream it (without gzip): all left plain.
        guard d.compress || d.addVary, !r.isSubrequest, !Trailers.expected(r, status: status),
              FilteredMadeResponse.applies(r, status: status, contentType: contentType, body: body) == nil else {
            return send(status: status, contentType: contentType, body: body, contentLength: contentLength,
                        extra: extra, tailStatus: tailStatus, throughGzip: false, on: c)
        }
        var packed = body, length = contentLength
        if d.compress {
            if let filter = try? GzipBodyFilter(decision: d) {
                packed = body.withByteView { filter.compressWhole($0) }
                r.gzipRatio = filter.ratio
                length = nil
            } else {
                d.reason = .disabled   // zlib had no memory: sent as it is
            }
        }
        // Content-Encoding and Vary go where nginx's gzip filter puts them, before the caller's fields; a Location
        // an error_page keeps comes after them, as `send` writes it when the caller has none.
        var fields: [([UInt8], [UInt8])] = []
        if d.compress { fields.append((Array("Content-Encoding".utf8), Array("gzip".utf8))) }
        if d.addVary { fields.append((Array("Vary".utf8), Array("Accept-Encoding".utf8))) }
        if extra.isEmpty, let pending = r.pendingLocation {
            fields.append((Array("Location".utf8), absoluteLocation(pending, r, c)))
        }
        send(status: status, contentType: contentType, body: packed, contentLength: length, extra: fields + extra,
             tailStatus: tailStatus, throughGzip: false, on: c)
    }

    /// Sends what `w` holds, a head of `headCount` bytes and the body after it, in one write and completes the
    /// response; the head alone stays in `r.responseHead`, for `$sent_http_*`. Inlined: as a call it cost
    /// return200 about 30 instructions (callgrind).
    @inline(__always)
    static func sendWhole(_ w: consuming HeadWriter, headCount: Int, _ r: Request) {
        _ = w.withByteView { r.sink.send($0) }
        w.truncate(to: headCount)
        r.responseHead = w.finish()
        r.sink.responseComplete()
    }

    /// nginx's stub_status body, byte for byte.
    static func stubStatus(on c: ClientConnection) {
        // nginx's stub_status answers GET and HEAD only.
        if let m = c.request.head?.method, m != .get && m != .head {
            if c.request.head.bodyFraming != .none { c.keepAliveAfterResponse = false }   // its body is not read
            return sendError(405, on: c)
        }
        let s = c.worker.stats.snapshot()
        let text = "Active connections: \(s.active) \nserver accepts handled requests\n \(s.accepted) \(s.handled) \(s.requests) \nReading: \(s.reading) Writing: \(s.writing) Waiting: \(s.waiting) \n"
        send(status: 200, contentType: Array("text/plain".utf8), body: Array(text.utf8), on: c)
    }

    static func upstreamStatus(on c: ClientConnection) {
        let body = StatusPages.upstreamJSON(c.runtime, now: c.worker.now())
        send(status: 200, contentType: Array("application/json".utf8), body: body, on: c)
    }

    static func metrics(on c: ClientConnection) {
        if let m = c.request.head?.method, m != .get && m != .head {
            if c.request.head.bodyFraming != .none { c.keepAliveAfterResponse = false }   // its body is not read
            return sendError(405, on: c)
        }
        let body = MetricsPage.render(c.runtime, stats: c.worker.stats, now: c.worker.now())
        send(status: 200, contentType: Array("text/plain; version=0.0.4; charset=utf-8".utf8), body: body, on: c)
    }

    static func jvmRouteStatus(upstream index: Int, on c: ClientConnection) {
        let up = c.runtime.upstreams[index]
        let factory = up.policy.factory
        let body = JVMRouteStatusPage.render(upstream: up.name, health: up.current.health, now: c.worker.now(),
                                             sessions: factory.counters.snapshot(table: factory.failbackTable),
                                             failback: factory.failbackTable != nil)
        send(status: 200, contentType: Array("text/plain".utf8), body: body, on: c)
    }
}
