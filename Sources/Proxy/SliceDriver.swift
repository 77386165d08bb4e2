import Config
import EventLoop
import HTTP1

/// `slice N` on a proxied location (nginx's ngx_http_slice_filter_module): a main request's response is fetched
/// as ranges of N bytes, each a subrequest of its own (`$slice_range` is its `Range`, and with `proxy_cache` each
/// is stored under its own key). Every slice, the first included, is a subrequest cloned into the same location
/// (nginx's NGX_HTTP_SUBREQUEST_CLONE: no rewrite, no location search, the location's handler at once) writing
/// into a `SliceFetch`; so a proxied answer, a cache HIT and an error page all come the same way.
///
/// The first slice's 206 becomes the client's answer (SliceHead: a 200 with the whole length, or what the
/// not_modified and range filters make of it); any other status is passed through as it is. The slices after it
/// are checked as nginx checks them (SliceState): a mismatch is logged and the response cut (the connection
/// closes). As nginx's postpone_output, the head and first bytes wait until 1,460 bytes are ready or the
/// response ends, so a small response whose later slice fails is cut before anything was sent.
/// The driver hangs on the main request's subrequest state (`SSIRequestState.slice`), so client drains and a
/// client gone reach it; a location without `slice` pays one compare per proxied request.
final class SliceDriver {
    /// `.first`: waiting for the first slice's head. `.passThrough`: it was not a 206 and goes out as it is.
    /// `.slices`: the answer was made, slices stream. `.discard`: a 412 or 416 goes out once the slice is done.
    private enum Mode { case first, passThrough(chunked: Bool), slices, discard(status: Int) }

    unowned let request: Request
    private unowned let connection: ClientConnection
    private var state: SliceState
    private let fields: ConditionalFields?
    private var mode = Mode.first
    private var fetch: SliceFetch?
    /// The head and body bytes held until `postponeOutput` of them are ready (nginx's postpone_output).
    private var held: [UInt8] = []
    private var flushed = false
    private var headOnly = false
    private var ended = false
    /// The next slice waits for the client to drain.
    private var waitingRoom = false
    /// A slice that completed while the one before was still being started (a cache HIT answers at once): the
    /// next one starts from the loop in `fetchNext`, not from deeper in the stack.
    private var inFetch = false
    private var pendingNext = false

    static let postponeOutput = 1460

    private init(request: Request, connection: ClientConnection, state: SliceState, fields: ConditionalFields?) {
        self.request = request
        self.connection = connection
        self.state = state
        self.fields = fields
    }

    static func start(_ r: Request, _ c: ClientConnection, size: Int64) {
        let fields = ConditionalFields.present(in: r.head) ? ConditionalFields(r.head) : nil
        let d = SliceDriver(request: r, connection: c, state: SliceState(size: size, fields: fields), fields: fields)
        r.sliceRange = d.state.range
        if r.ssi == nil { r.ssi = SSIRequestState(main: SSIMainContext(), depth: 51, include: nil) }
        r.ssi!.slice = d
        d.fetchNext()
    }

    var clientCanAccept: Bool { request.sink.canAcceptOutput }

    // MARK: - Subrequests

    private func fetchNext() {
        if inFetch { pendingNext = true; return }
        inFetch = true
        repeat {
            pendingNext = false
            startFetch()
        } while pendingNext && !ended
        inFetch = false
    }

    /// The current slice's subrequest, cloned into the main request's location.
    private func startFetch() {
        let r = request, c = connection
        let f = SliceFetch(driver: self)
        fetch = f
        guard let sr = Subrequest.make(uri: r.uri, args: r.hasArgs ? Array(r.args) : nil, parent: r, sink: f,
                                       escaped: true) else {
            return cut("could not make the slice subrequest for \"\(String(decoding: r.uri, as: UTF8.self))\"")
        }
        sr.location = r.location
        sr.captures = r.captures
        sr.validLocation = r.validLocation
        sr.uriChanges = r.uriChanges
        sr.uriReplaced = r.uriReplaced
        sr.sliceRange = state.range
        f.subrequest = sr
        c.answering(sr) { Router.dispatch(sr, connection: c) }
    }

    // MARK: - What a slice's subrequest writes

    /// A slice's head; false when the driver takes nothing more from it.
    func sliceHead(_ f: SliceFetch, _ raw: [UInt8], _ h: ResponseHead) -> Bool {
        guard f === fetch, !ended else { return false }
        let verdict = state.check(status: h.status, contentRange: h.firstHeader("content-range"),
                                  etag: h.firstHeader("etag"), lastModified: h.firstHeader("last-modified"))
        if case .first = mode {
            switch verdict {
            case .notPartial: passThrough(raw, h); return true
            case .failed(let text): cut(text); return false
            case .ok: answer(raw, h); return true
            }
        }
        switch verdict {
        case .ok: return true
        case .notPartial: cut("unexpected status code \(h.status) in slice response"); return false
        case .failed(let text): cut(text); return false
        }
    }

    func sliceBody(_ f: SliceFetch, _ piece: ByteView) {
        guard f === fetch, !ended else { return }
        switch mode {
        case .passThrough(let chunked):
            if headOnly || piece.isEmpty { return }
            if chunked {
                var framed: [UInt8] = []
                ChunkedEncoder.appendChunk(piece, to: &framed)
                output(framed)
            } else {
                output(piece)
            }
        case .slices, .discard:
            let (skip, count) = state.take(piece.count)
            if count == 0 || headOnly { return }
            output(piece.slice(skip, skip + count))
        case .first:
            return
        }
    }

    func sliceFailed(_ f: SliceFetch, _ text: String) {
        guard f === fetch, !ended else { return }
        cut(text)
    }

    func sliceDone(_ f: SliceFetch) {
        guard f === fetch, !ended else { return }
        fetch = nil
        f.subrequest = nil
        switch mode {
        case .first:
            cut("missing slice response")
        case .passThrough(let chunked):
            if chunked && !headOnly { output(ChunkedEncoder.lastChunk) }
            finish()
        case .discard(let status):
            ended = true
            detach()
            let r = request, c = connection
            r.sliceRange = nil   // an error_page may redirect it to a location that proxies and caches
            c.answering(r) {
                if status == 416 {
                    StaticFiles.sendRangeNotSatisfiable(size: self.state.completeLength, on: c)
                } else {
                    c.sendError(status, closeAfter: false)
                }
            }
        case .slices:
            if !headOnly && !state.sliceComplete {
                return cut("slice response body does not match its range")
            }
            guard state.next() != nil, !headOnly else { return finish() }
            if clientCanAccept { fetchNext() } else { waitingRoom = true; request.sink.waitWritable() }
        }
    }

    // MARK: - The client's answer

    /// The first slice was no 206 (an error, a whole small response): it goes out as it is, in the client's framing.
    private func passThrough(_ raw: [UInt8], _ h: ResponseHead) {
        let r = request
        headOnly = r.head.method == .head
        let bodyless = headOnly || h.status < 200 || h.status == 204 || h.status == 304
        var extra: [UInt8] = []
        var chunked = false
        if let n = h.contentLength {
            extra += SliceHead.field("Content-Length", n)
        } else if !bodyless {
            if r.head.version >= .http1_1 && r.location.shaping.chunkedTransferEncoding {
                chunked = true
                extra += Array("Transfer-Encoding: chunked\r\n".utf8)
            } else {
                connection.keepAliveAfterResponse = false
            }
        }
        extra += connectionLine()
        mode = .passThrough(chunked: chunked)
        let head = SliceHead.rewrite(raw, status: nil, dropped: SliceHead.connectionFields, extra: extra)
        r.status = h.status
        r.responseHead = head
        output(head)
    }

    /// The first slice's 206 checked: nginx's slice header filter makes it a 200 of the whole length, then the
    /// not_modified filter (304, 412) and the range filter (one range at most: a 206, or 416) answer the client.
    private func answer(_ raw: [UInt8], _ h: ResponseHead) {
        let r = request
        let complete = state.completeLength
        let etag = h.firstHeader("etag")
        let lastModified = h.firstHeader("last-modified").flatMap { HTTPDate.parse($0) }
        let filters = r.location.filters
        var status = 200
        var span: ByteSpan? = nil
        if let f = fields {
            if f.hasPreconditions {
                switch NotModifiedFilter.verdict(f, lastModified: lastModified, etag: etag, mode: filters.ifModifiedSince) {
                case .notModified: status = 304
                case .preconditionFailed: return discard(412)
                case .send: break
                }
            }
            if status == 200, f.range != nil, filters.maxRanges > 0, r.head.version >= .http1_0 {
                switch RangeFilter.evaluate(f, length: complete, lastModified: lastModified, etag: etag, maxRanges: 1) {
                case .whole: break
                case .unsatisfiable: return discard(416)
                case .partial(let spans): status = 206; span = spans[0]
                }
            }
        }
        headOnly = r.head.method == .head || status == 304
        var extra: [UInt8] = []
        var dropped = SliceHead.framing
        switch status {
        case 304:
            dropped = SliceHead.notModified
        case 206:
            let s = span!
            extra += SliceHead.field("Content-Range", ContentRange.single(s, length: complete))
            extra += SliceHead.field("Content-Length", s.count)
        default:
            extra += SliceHead.field("Content-Length", complete)
            if filters.maxRanges > 0 { extra += Array("Accept-Ranges: bytes\r\n".utf8) }
        }
        state.plan(send: span, headOnly: headOnly)
        extra += connectionLine()
        mode = .slices
        let head = SliceHead.rewrite(raw, status: status, dropped: dropped, extra: extra)
        r.status = status
        r.responseHead = head
        output(head)
    }

    /// A 412 or 416: nothing of the slice goes out; the answer is sent once its subrequest is done.
    private func discard(_ status: Int) {
        headOnly = true
        state.plan(send: nil, headOnly: true)
        mode = .discard(status: status)
    }

    /// `Connection` as the connection's other answers say it (ResponseHeadBuilder.appendCommonTail).
    private func connectionLine() -> [UInt8] {
        guard connection.keepAliveAfterResponse else { return Array("Connection: close\r\n".utf8) }
        return Array("Connection: keep-alive\r\n".utf8) + (request.location.keepaliveHeader ?? [])
    }

    private func output(_ bytes: [UInt8]) { bytes.withByteView { output($0) } }

    /// Client output is the main request's (its bytes counted, its limit_rate), also while a slice's handler,
    /// answering the subrequest, is on the stack.
    private func output(_ bytes: ByteView) {
        if flushed { connection.answering(request) { request.sink.send(bytes) }; return }
        held.append(contentsOf: Array(bytes))
        if held.count >= Self.postponeOutput { flush() }
    }

    private func flush() {
        flushed = true
        if held.isEmpty { return }
        let h = held
        held = []
        connection.answering(request) { request.sink.send(h) }
    }

    /// Everything asked for went out. The main request completes as the connection's current one, so its end
    /// (the log, keep-alive) is its own even when the last slice answered at once.
    private func finish() {
        withExtendedLifetime(self) {
            ended = true
            flush()
            detach()
            connection.answering(request) { request.sink.responseComplete() }
        }
    }

    /// nginx's NGX_ERROR from the slice filter: logged, and the client's connection closed, with whatever was
    /// held (the postponed head and bytes) never sent.
    private func cut(_ text: String) {
        withExtendedLifetime(self) {
            connection.worker.log(.error, text, connection)
            ended = true
            held = []
            let f = fetch
            fetch = nil
            f?.abort()
            detach()
            if request.status == 0 { request.status = 500 }
            connection.close()
        }
    }

    private func detach() {
        if request.ssi?.slice === self { request.ssi?.slice = nil }
    }

    // MARK: - The client's connection

    /// The client drained: the next slice starts, or the current one's producer goes on.
    func clientDrained() {
        if ended { return }
        if waitingRoom {
            guard clientCanAccept else { return }
            waitingRoom = false
            return fetchNext()
        }
        fetch?.resumeProducer()
    }

    /// The client went away: the slice under way stops.
    func abort() {
        ended = true
        let f = fetch
        fetch = nil
        f?.abort()
    }
}
