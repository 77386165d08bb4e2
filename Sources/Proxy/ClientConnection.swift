import Config
import EventLoop
import Glibc
import Synchronization
import HTTP1

/// One client connection on a worker: reads request heads, routes them, and writes responses, one request at a
/// time (pipelined requests wait in the input buffer). Owned by its `Worker`; all calls on the worker's thread.
///
/// Output always goes straight to the socket first; only what the kernel does not take is buffered, and a full
/// buffer pauses whoever produces (the upstream, a file) until the client drains it — backpressure.
final class ClientConnection: RequestBodySource {
    enum Phase { case waitingHead, readingBody, processing, discardingBody, closing }

    /// Strong, though the worker owns its connections too (table, graveyard): a strong `let` of `self` is read
    /// borrowed, with no reference counting, while an unowned one (checked or not) is retained at each use
    /// (callgrind: 17 retains a proxied request when checked, 13 unchecked). The cycle ends when the worker
    /// forgets a closed connection.
    let worker: Worker
    let fd: Int32
    let id: UInt64
    let peer: SocketAddress
    /// `$remote_addr`'s text of the connection's peer, made when first read: a connection that logs nothing
    /// about its client does not format it (inet_ntop and two copies were 1.6 K instructions an accept).
    private(set) lazy var peerText: [UInt8] = peer.family == .unix ? Array(peer.host.utf8) : RealClient.text(of: peer.bytes)
    private(set) var listen: ListenRuntime
    private(set) lazy var local: SocketAddress = Socket.localAddress(fd) ?? listen.address
    var runtime: Runtime
    let input: IOBuffer
    let output: IOBuffer
    /// Where bytes are read and written: the socket, or TLS over it (`listen … ssl`, ClientTLS.swift).
    var transport: Transport
    /// TLS on a `listen … ssl` address: `.peek` until the first byte tells a ClientHello from plain HTTP,
    /// `.handshake` until the handshake completes, then `.none`.
    var tlsPhase = TLSPhase.none
    /// Plain HTTP arrived on a TLS address: its head is read, then answered with nginx's 497 (a 400).
    var plainOnTLSPort = false
    /// ssl_ocsp's check of the client certificate (ClientOCSPCheck.swift), and then its verdict.
    var ocspCheck: ClientOCSPCheck?
    /// The SNI name when it selected a server by name (nginx's hc->ssl_servername): a Host naming another server
    /// that verifies client certificates is then refused with 421.
    var sniServerName: [UInt8]?
    /// `listen … proxy_protocol`: the PROXY header is still to come (ClientProxyProtocol.swift), and what it said.
    var proxyHeaderDue: Bool
    var proxyProtocol: ProxyProtocolInfo?
    private(set) var reader: Watcher!
    private(set) var writer: Watcher!
    private var parser: RequestHeadParser
    private(set) var phase = Phase.waitingHead
    /// The request being served; a subrequest takes its place while it is routed (ClientConnection+Subrequest.swift).
    var currentRequest: Request?
    /// The request being served; created on demand and dropped while the connection idles, so an idle
    /// keep-alive client holds no request state (nginx frees its request pool the same way).
    var request: Request {
        @inline(__always) get {
            if let r = currentRequest { return r }
            return takeRequest()
        }
    }

    @inline(never)
    private func takeRequest() -> Request {
        let r = worker.request(for: self)
        currentRequest = r
        return r
    }
    var requestsServed = 0
    /// The next request was already buffered when the previous one finished (`$pipe`).
    private var nextIsPipelined = false
    private var keepAlive = true
    /// The current request's body while nothing has taken it: a proxied request claims it, any other answer
    /// leaves it to be skipped before the next request is read. A plain value, so a request with no body pays
    /// two stores for it.
    private(set) var unreadBody = BodyFraming.none
    /// A claimed body was given up before its end (`abandonBody`): the connection's last request.
    private var bodyLeftUnread = false
    /// The skip under way (BodyDiscard.swift), made when skipping starts.
    private var skipping: BodyDiscard?
    /// keepalive_disable msie6 concerns POST requests only: noted at `begin` so the check needs no head copy.
    private var requestIsPost = false
    var exchange: ProxyExchange?
    /// A runtime API request's body on its way in (APIHandler.swift).
    var apiBody: APIBodyReader?
    /// A WebDAV PUT's body on its way to its temp file (DAVUpload.swift); dropping it removes the file.
    var davUpload: DAVUpload?
    /// After a 101 the connection is a tunnel (Tunnel.swift), which owns the socket's events until it closes.
    private(set) var tunnel: Tunnel?
    var fileSender: FileSender?
    /// A cache background update this request started (`CacheBackgroundUpdate.afterEnd`): a close after the
    /// response waits for it.
    var closeWaitsFor: CacheBackgroundUpdate?
    /// Called when buffered output has drained below the limit (resumes the producer).
    private var responseDone = false
    private var readTimeoutMillis: Int
    static let outputLimit = 64 * 1024
    /// Which stub_status counter this connection is in now (Waiting is what is in neither).
    private enum Counted { case none, reading, writing }
    private var counted = Counted.none
    /// Which of the worker's wait queues holds this connection: `.idle` between keep-alive requests with nothing
    /// received, `.head` while a request head is due (since accept, or since the first byte after keep-alive).
    enum Waiting { case none, idle, head }
    var waiting = Waiting.none
    /// Links and entry time of the wait queue (`WaitQueue`), kept by the worker; unowned(unsafe) for the reason
    /// given there.
    unowned(unsafe) var waitPrev: ClientConnection?
    unowned(unsafe) var waitNext: ClientConnection?
    var waitingSince: UInt64 = 0
    /// The `client_header_timeout` of the head queue this connection is in (`HeadWaitQueues`).
    var headWaitMillis = 0
    /// When the connection was accepted (`$connection_time`).
    let openedNanos = Clock.eventNanos()

    /// `local`: the socket's local address when the accept already asked for it (a wildcard socket's sharers).
    init(worker: Worker, fd: Int32, peer: SocketAddress, listen: ListenRuntime, id: UInt64, local: SocketAddress? = nil) {
        self.worker = worker
        self.fd = fd
        self.transport = Transport(fd: fd)
        self.tlsPhase = listen.ssl ? .peek : .none
        self.proxyHeaderDue = listen.proxyProtocol
        self.peer = peer
        self.listen = listen
        self.id = id
        self.runtime = worker.runtime
        self.input = IOBuffer(initialCapacity: runtime.clientHeaderBufferSize, shelf: worker.inputShelf(for: runtime))
        self.output = IOBuffer(initialCapacity: 16 * 1024)
        self.parser = Self.parser(for: listen)
        self.readTimeoutMillis = listen.headerTimeoutMillis
        reader = Watcher(loop: worker.loop, fd: fd, events: .read) { [unowned self] ev in self.onReadable(ev) }
        writer = Watcher(loop: worker.loop, fd: fd, events: .write) { [unowned self] ev in self.onWritable(ev) }
        if let local { self.local = local }
        // No read timeout while the head is due: the worker's head queue times the whole head from now.
        reader.arm()
        worker.wait(self, .head)
    }

    // MARK: - Reading

    private func onReadable(_ ev: IOEvents) {
        if ev.contains(.timeout) { return readTimedOut() }
        switch phase {
        case .waitingHead:
            if proxyHeaderDue && tlsPhase == .peek && !takeProxyHeaderBeforeTLS() { return }
            if tlsPhase != .none && !continueTLS() { return }
            if !fill() { return }
            if proxyHeaderDue && !takeProxyHeader() { return }
            processInput()
        case .readingBody:
            if !fill() { return }
            if let e = exchange {
                e.clientBodyArrived()
            } else if let a = apiBody {
                _ = a.take(from: self)
            } else if let u = davUpload {
                _ = u.take(from: self)
            } else if mirrors?.bodyWait != nil {
                MirrorPhase.bodyArrived(self)
            }
        case .processing:
            // The client sent more while we work (a pipelined request, or it closed). Peek by reading into the
            // input buffer, bounded, and stop watching when it is full: nginx does the same.
            if input.readableCount >= parser.limits.headMax { reader.disarm(); return }
            _ = fill()
        case .discardingBody:
            if !fill() { return }
            if discardRest() { awaitNextRequest() }
        case .closing:
            drainAndClose()
        }
    }

    /// A head parser with the settings of `listen`'s default server.
    private static func parser(for listen: ListenRuntime) -> RequestHeadParser {
        RequestHeadParser(limits: listen.limits, underscoresInHeaders: listen.underscoresInHeaders,
                          ignoreInvalidHeaders: listen.ignoreInvalidHeaders)
    }

    /// Reads what is available into `input`. Returns false when the connection was closed because of it.
    /// How much one read of the client asks for (and so the input buffer's first size).
    static func readChunk(_ runtime: Runtime) -> Int { max(runtime.clientHeaderBufferSize, 4096) }

    private func fill() -> Bool {
        switch transport.read(into: input, chunk: Self.readChunk(runtime)) {
        case .done: return true
        case .wouldBlock: return true
        case .eof:
            if phase == .readingBody { bodyCut(errno: nil); return false }
            if phase == .processing, let x = exchange, !responseDone, x.proxy.survivesClientClose {
                // proxy_ignore_client_abort (or proxy_store): the request goes on, and the answer goes out to a
                // client that only closed its sending side (a write error still ends it, as in nginx).
                keepAlive = false
                reader.disarm()
                return true
            }
            if mirrorsOutliveClient() { return true }
            clientLeft(); return false
        case .error(let e):
            if phase == .readingBody { bodyCut(errno: e); return false }
            worker.log(.info, "recv() failed (\(e): \(Syscall.describe(e))) while reading client request", self)
            if mirrorsOutliveClient() { return true }
            clientLeft(); return false
        }
    }

    /// The answer is out and only its mirrors hold the request (nginx's r->main->count): a client that goes away
    /// now ends neither them nor the request, which is logged once they are done, then the connection closes.
    /// nginx reads nothing from the client meanwhile, so it finishes them the same way.
    private func mirrorsOutliveClient() -> Bool {
        guard let m = mirrors, m.finishHeld else { return false }
        keepAlive = false
        reader.disarm()
        return true
    }

    /// The client went away (a close, a reset, a failed write) while a proxied answer was under way: the upstream
    /// side ends too, and the request is logged as nginx logs it, with its upstream times so far (499 when no
    /// answer had started). Then the connection closes.
    private func clientLeft() {
        if phase == .processing, exchange != nil, !responseDone {
            if request.status == 0 { request.status = 499 }
            exchange?.abort()
            worker.logAccess(request)
        }
        close()
    }

    /// The client closed (`errno` nil) or reset its connection before its request body was all read. As nginx's
    /// failed ngx_http_read_client_request_body: the request ends as 400 with nothing sent, the line at info has
    /// no phase of its own while the body is buffered and the upstream's "while sending request to upstream" once
    /// it streams there, the upstream try (if any) ends, and the request is logged. It used to close silently.
    private func bodyCut(errno: Int32?) {
        let context = exchange?.sendsBodyUp == true ? " while sending request to upstream" : ""
        if let e = errno {
            worker.log(.info, "recv() failed (\(e): \(Syscall.describe(e)))\(context)", self)
        } else {
            worker.log(.info, "client prematurely closed connection\(context)", self)
        }
        let r = request
        if r.status == 0 { r.status = 400 }
        exchange?.abort()   // first, so the log has the try's upstream_response_time
        exchange = nil
        worker.logAccess(r)
        close()
    }

    private func readTimedOut() {
        switch phase {
        case .waitingHead:
            if input.isEmpty && requestsServed > 0 { close(); return }   // idle keep-alive ended
            headTimedOut()
        case .readingBody:
            // As nginx 1.22 (ngx_http_read_client_request_body_handler): 408 in the access log, nothing sent, and
            // no error log line; a streamed body's upstream try ends first, so the log has its response time.
            let r = request
            if r.status == 0 { r.status = 408 }
            exchange?.abort()
            exchange = nil
            worker.logAccess(r)
            closeAbruptly(resetting: r.location)
        case .processing, .discardingBody, .closing:
            close()
        }
    }

    /// `client_header_timeout` has passed since the head became due (the worker's head queue calls this).
    func headTimedOut() {
        worker.wait(self, .none)
        if tlsPhase != .none {   // no request to answer yet: nginx closes a handshake that took too long
            worker.log(.info, "client timed out (110: Connection timed out) while SSL handshaking", self)
            close(); return
        }
        // As nginx: nothing is sent. A head that had begun is a request of the default server, logged as 408 (its
        // error line names it). A PROXY protocol header still due is not a request yet.
        guard !input.isEmpty, !proxyHeaderDue else {
            worker.log(.info, "client timed out (110: Connection timed out) while waiting for request", self)
            return close()
        }
        let r = startUnreadRequest()
        let received = input.view
        let part = received.firstIndex(of: 10) == nil ? "line" : "headers"   // no LF yet
        worker.log(.info, "client timed out (110: Connection timed out) while reading client request \(part)", self)
        r.status = 408
        worker.logAccess(r)
        closeAbruptly(resetting: r.location)
    }

    /// A client timed out, or `return 444`: the connection closes with nothing more sent; with
    /// reset_timedout_connection on in `location`, with a RST that frees its buffers at once.
    func closeAbruptly(resetting location: LocationRuntime?) {
        resetsOnClose = location?.resetsTimedOut ?? false
        abrupt = true
        close()
    }

    /// Closed by closeAbruptly: TLS ends without close_notify, as nginx's quiet shutdown of a timed-out one.
    private var abrupt = false

    private var resetsOnClose = false

    /// ssl_ocsp's check ended: the requests the client sent meanwhile are read now (some may wait inside TLS).
    func resumeAfterOCSP() {
        guard tlsPhase == .ocsp, !closed else { return }
        tlsPhase = .none
        reader.arm()
        onReadable(.read)
    }

    /// Closed to free a slot for a new connection (the worker ran out of `worker_connections`).
    func evict() {
        if waiting == .head {
            worker.log(.info, "closing a connection without a complete request head: worker_connections are not enough", self)
        }
        close()
    }

    /// Moves this connection between stub_status's Reading and Writing counters (or out of both).
    private func count(_ new: Counted) {
        if new == counted { return }
        // Read through `worker` each time: a chain of `let`s from `self` is borrowed, a local copy is retained.
        switch counted {
        case .reading: worker.stats.reading.wrappingSubtract(1, ordering: .relaxed)
        case .writing: worker.stats.writing.wrappingSubtract(1, ordering: .relaxed)
        case .none: break
        }
        switch new {
        case .reading: worker.stats.reading.wrappingAdd(1, ordering: .relaxed)
        case .writing: worker.stats.writing.wrappingAdd(1, ordering: .relaxed)
        case .none: break
        }
        counted = new
    }

    /// Parses as many request heads as the input holds and starts the first.
    private func processInput() {
        guard phase == .waitingHead, !input.isEmpty else { return }
        if counted == .none { count(.reading) }
        if worker.hasReturningRequests { worker.settleReturningRequests() }
        let result = parser.parse(input.view, slot: &worker.requestHeadSlot)
        switch result {
        case .incomplete:
            // The first bytes of a kept-alive (or pipelined) request: the head is due from now, timed by the
            // worker's head queue; the reader keeps watching with no timeout (the keep-alive one goes).
            if waiting != .head { worker.wait(self, .head) }
            reader.arm()
        case .failed(let err) where err == .invalidHost:
            // Read again without the Host: the 400 goes through the default server's error_page (nginx's order).
            var again = parser
            again.reset()
            again.invalidHostAsAbsent = true
            parser.reset()
            guard case .complete(let head, let consumed) = again.parse(input.view, slot: &worker.requestHeadSlot) else {
                return refuseHead(err)
            }
            input.consume(consumed)
            begin(head, headLength: consumed, invalidHost: true)
        case .failed(let err):
            refuseHead(err)
        case .complete(let head, let consumed):
            input.consume(consumed)
            parser.reset()
            begin(head, headLength: consumed)
        }
    }

    /// A head that cannot be read: nginx's 400 (or 414, 431, 501, 505), then the connection closes. As in nginx,
    /// it is still a request of the listening address's default server: that server's error_page and
    /// `add_header … always` apply to the answer, and its access log shows the first line as `$request`.
    private func refuseHead(_ err: HTTPParseError) {
        _ = startUnreadRequest()
        worker.log(.info, "\(err.reason) while reading client request headers", self)
        sendError(err.status, closeAfter: true)
    }

    /// The request of a head that was not read whole (refused, or timed out): what came of it, as nginx's
    /// request of the listening address's default server (on TLS, the server SNI chose), with that server's own
    /// settings (no location searched); the connection is not kept.
    private func startUnreadRequest() -> Request {
        let received = input.view
        let r = startRequest(RequestHead.unparsed(received, limit: parser.limits.requestLineMax),
                             headLength: received.count)
        keepAlive = false
        unreadBody = .none
        sendRate = -1
        r.server = sniServerName.flatMap { listen.hosts.find(host: $0) } ?? listen.hosts.defaultServer
        r.location = r.server.fallback
        return r
    }

    // MARK: - Request start

    /// What every request starts with, a readable head or not: the current configuration, the counters, and a
    /// request (reset if this connection still holds its last one) carrying `head`.
    private func startRequest(_ head: RequestHead, headLength: Int) -> Request {
        worker.wait(self, .none)
        if runtime !== worker.runtime {   // a kept-alive connection moves to a reloaded config at its next request
            runtime = worker.runtime
            listen = worker.listen(replacing: listen) { self.local }
            parser = Self.parser(for: listen)   // its next head is read with the new default server's settings
        }
        requestsServed += 1
        worker.stats.requests.wrappingAdd(1, ordering: .relaxed)   // wrapping: one locked add, no overflow loop
        count(.writing)
        phase = .processing
        responseDone = false
        // A request the worker hands out now was reset when it was taken back; one this connection still holds
        // (a pipelined request, an answered error) is reset here.
        let fresh = currentRequest == nil
        let r = request
        if !fresh { r.reset() }
        r.startNanos = Clock.eventNanos()
        r.head = head
        r.requestLength = Int64(headLength)
        if r.userVariables.count != runtime.userVariableCount {
            r.userVariables = Array(repeating: nil, count: runtime.userVariableCount)
        }
        return r
    }

    private func begin(_ head: RequestHead, headLength: Int, invalidHost: Bool = false) {
        let r = startRequest(head, headLength: headLength)
        r.pipelined = nextIsPipelined; nextIsPipelined = false
        if let line = head.ignoredLine {
            worker.log(.info, "client sent invalid header line: \"\(String(decoding: head.bytes(line), as: UTF8.self))\"", self)
        }
        keepAlive = head.keepAlive && !worker.isShuttingDown
        requestIsPost = head.method == .post
        unreadBody = head.bodyFraming
        sendRate = -1
        // As nginx as a request starts (ngx_http_process_request): no read timer on the client. A kept-alive
        // connection whose whole head came in one read still had its keep-alive timeout, which then cut a
        // request whose answer took longer.
        reader.arm()
        Router.route(r, runtime: runtime, listen: listen, connection: self, invalidHost: invalidHost)
    }

    /// Whether the connection stays open after this response. Decided before the head is written, as nginx does
    /// in ngx_http_update_location_config: the response that uses up `keepalive_requests` (or one under
    /// `keepalive_timeout 0`) says `Connection: close`, so no client sends a request onto a closing socket.
    var keepAliveAfterResponse: Bool {
        get { keepAlive && locationAllowsKeepAlive }
        set { keepAlive = keepAlive && newValue }
    }

    private var locationAllowsKeepAlive: Bool {
        let current = currentRequest   // read once: each read is a load and a retain
        let loc = current?.location
        let timeout = loc?.keepaliveTimeoutMillis ?? runtime.defaultKeepaliveTimeoutMillis
        return timeout > 0 && requestsServed < (loc?.keepaliveRequests ?? 1000) && !worker.isShuttingDown
            && (current.map { $0.startNanos &- openedNanos } ?? 0) < (loc?.keepaliveTimeNanos ?? 3_600_000_000_000)
            && !((requestIsPost || loc?.sniffsSafari == true)
                 && loc?.shaping.disablesKeepAlive(request, isPost: requestIsPost) == true)
    }

    /// Body bytes of the current request are consumed from `input` by the exchange; it asks for more here.
    func wantBody(timeoutMillis: Int) {
        phase = .readingBody
        readTimeoutMillis = timeoutMillis
        reader.arm(timeoutMillis: timeoutMillis)
    }

    /// The body was read completely: the client is only watched for what it sends next (or its close), with no
    /// timer, as nginx sets none while the request is processed: an answer may take the upstream's whole
    /// proxy_read_timeout. (A timer here closed a POST whose answer took longer than client_header_timeout.)
    func bodyComplete() {
        phase = .processing
        reader.arm()
    }

    /// A proxied request reads its body itself (RequestBody.swift): nothing is left to discard.
    func claimBody() { unreadBody = .none }

    /// The exchange stops reading a body it claimed, not all read (its upstream answered first, or failed): the
    /// client is only watched, bounded, as while a request is processed, and the connection closes after the
    /// answer, lingering, so what the client still sends does not reset it before the answer is read.
    func abandonBody() {
        keepAlive = false
        bodyLeftUnread = true
        if phase == .readingBody { phase = .processing; reader.arm() }
    }

    /// Skips what the input holds of the unread body; it is gone once the step is not `.more`.
    private func skipUnread() -> BodyDiscard.Step {
        if skipping == nil { skipping = BodyDiscard(unreadBody) }
        guard skipping != nil else { unreadBody = .none; return .done }
        let step = skipping!.skip(input)
        if step != .more { skipping = nil; unreadBody = .none }
        return step
    }

    /// `Expect: 100-continue` (HTTP/1.1): the client waits for leave to send its body; given as the body is about
    /// to be read or skipped (nginx's ngx_http_test_expect), unless body bytes came already.
    func sendContinue() {
        let r = request
        guard r.head?.expectsContinue == true, !r.continueSent, input.isEmpty else { return }
        r.continueSent = true
        _ = send(Self.continueLine)
    }

    private static let continueLine = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// An answer with `status` is about to go out without reading the body: skip what already came, as nginx does
    /// before it answers. A client waiting for 100 Continue is given it before an answer below 400 (nginx asks for
    /// the body it discards then, and the connection stays); an error asks for nothing (nginx's expect_tested), the
    /// body may never come, and the connection ends with it. False when that showed bad chunked framing and a 400
    /// went out instead.
    func discardBodyBeforeResponse(status: Int) -> Bool {
        switch skipUnread() {
        case .done: return true
        case .more:
            if request.head?.expectsContinue == true {
                if status < 400 { sendContinue() } else { keepAliveAfterResponse = false }
            }
            return true
        case .invalid:
            worker.log(.error, "client sent invalid chunked body", self)
            sendError(400, closeAfter: true)
            return false
        }
    }

    func pauseBody() { reader.disarm() }
    func countBodyBytes(_ n: Int64) { request.requestLength += n }
    func logBody(_ level: LogLevel, _ message: String) { worker.log(level, message, self) }
    func resumeBody() { if phase == .readingBody { reader.arm(timeoutMillis: readTimeoutMillis) } }

    /// Reads body bytes straight from the socket when the exchange needs more than the input buffer holds.
    func readMoreBody() -> Bool { fill() }

    // MARK: - Writing

    /// Sends bytes now if possible; keeps the rest. Returns false when the caller should pause producing.
    @discardableResult
    func send(_ bytes: ByteView) -> Bool {
        if phase == .closing { return false }
        let req = request   // read once: each read of the property is a call and a retain
        req.bytesSent += Int64(bytes.count)
        if sendRate != 0 {   // limit_rate: resolved at the first send of each request, 0 when unlimited
            if sendRate < 0 { resolveRate(req) }
            if sendRate > 0 { return sendLimited(bytes, req) }
        }
        if corked {
            let cb = worker.corkBuffer
            if cb.readableCount + bytes.count <= Self.corkLimit { cb.append(bytes); return true }
            if !flushCork() { return false }
        }
        if output.isEmpty {
            let r = transport.write(bytes)
            switch r {
            case .done(let n):
                if n == bytes.count { return true }
                output.append(bytes.dropping(n))
            case .wouldBlock:
                output.append(bytes)
            case .eof, .error:
                writeFailed(r); return false
            }
        } else {
            output.append(bytes)
        }
        if !writer.isArmed { writer.arm(timeoutMillis: sendTimeoutMillis) }
        return output.readableCount < Self.outputLimit
    }

    func send(_ bytes: [UInt8]) -> Bool { bytes.withByteView { send($0) } }

    // MARK: - limit_rate

    /// Wakes a rate-limited response when its next bytes are due (nginx's delayed write event).
    private var rateTimer: Watcher?
    /// The current request's rate: -1 until its first send reads limit_rate, then 0 (none) or bytes per second.
    /// Kept here, not only in the Request, so an unlimited send tests one field of the connection.
    private var sendRate = -1

    private func resolveRate(_ r: Request) {
        if r.limitRate >= 0 {   // `set $limit_rate` or X-Accel-Limit-Rate already chose it
            sendRate = r.limitRate
            if r.limitRate > 0, let loc = r.location { r.limitRateAfter = loc.shaping.after(for: r) }
            return
        }
        guard let loc = r.location, loc.limitsRate else { sendRate = 0; r.limitRate = 0; return }
        let (rate, after) = loc.shaping.rate(for: r)
        r.limitRate = rate
        r.limitRateAfter = after
        sendRate = rate
    }

    /// Bytes the request may send now (RateLimit), what it sent beyond `limit_rate_after` counting.
    func rateAllowance(_ r: Request) -> Int {
        RateLimit.allowance(rate: r.limitRate, elapsedMillis: Int64((Clock.eventNanos() &- r.startNanos) / 1_000_000),
                            used: r.rateSent - r.limitRateAfter)
    }

    /// Keeps everything in `output` and writes what the rate allows (cork contents first, in order).
    private func sendLimited(_ bytes: ByteView, _ r: Request) -> Bool {
        if corked {
            corked = false
            output.append(worker.corkBuffer.view)
            worker.corkBuffer.clear()
        }
        output.append(bytes)
        guard drainLimited(r) else { return false }
        return output.readableCount < Self.outputLimit
    }

    /// Writes `output` as far as the rate allows; false when the connection failed and was closed.
    private func drainLimited(_ r: Request) -> Bool {
        if rateTimer?.isArmed == true { return true }
        while !output.isEmpty {
            let allowance = rateAllowance(r)
            if allowance <= 0 { waitForRate(r, deficit: -allowance, want: output.readableCount); return true }
            let n = min(allowance, output.readableCount)
            let result = transport.write(output.view(prefix: n))
            switch result {
            case .done(let k):
                output.consume(k)
                r.rateSent += Int64(k)
                if k < n { if !writer.isArmed { writer.arm(timeoutMillis: sendTimeoutMillis) }; return true }
            case .wouldBlock:
                if !writer.isArmed { writer.arm(timeoutMillis: sendTimeoutMillis) }
                return true
            case .eof, .error:
                writeFailed(result); return false
            }
        }
        return true
    }

    /// Sleeps until `deficit` bytes and then a batch (at most `want`, what is left to send) are allowed; the
    /// socket is not watched meanwhile.
    func waitForRate(_ r: Request, deficit: Int, want: Int) {
        writer.disarm()
        if rateTimer == nil {
            rateTimer = Watcher.timer(loop: worker.loop) { [unowned self] in self.rateTimerFired() }
        }
        rateTimer!.arm(exactMillis: RateLimit.waitMillis(deficit: deficit, rate: r.limitRate, want: want))
    }

    private func rateTimerFired() {
        rateTimer?.disarm()
        guard phase != .closing || !output.isEmpty, let r = currentRequest else { return }
        guard drainLimited(r) else { return }
        if rateTimer?.isArmed == true { return }
        afterWrite()
    }

    // MARK: - Held requests: limit_req's delay, auth_request's answer

    /// Wakes a request held back (nginx's delayed write event, or its posted parent request); made on first use.
    private var delayTimer: Watcher?
    /// The request the timer resumes: the main request, or a subrequest limit_req delays.
    private var delayed: Request?
    /// What the timer does then: run the phases on (0), or send this refusal (auth_delay's 401).
    private var delayedRefusal = 0
    /// auth_request's subrequest while it runs, until the main request reads its answer (AuthRequestPhase.swift).
    /// Here rather than on the request: one main request per connection waits at a time, and a close reaches it.
    var authRequest: AuthSubrequest?
    /// `mirror` subrequests under way and a request waiting for the body they copy (MirrorPhase.swift); nil on a
    /// connection that never mirrored.
    private(set) var mirrors: MirrorSet?
    var mirrorSet: MirrorSet {
        if let m = mirrors { return m }
        let m = MirrorSet()
        mirrors = m
        return m
    }

    /// The last mirror of the finished request is done: the connection goes on (the next request, or the close).
    func mirrorsFinished() {
        guard let m = mirrors, m.finishHeld, !m.holds else { return }
        m.finishHeld = false
        finishRequest()
    }

    /// Holds `r` for `millis` (0: until the loop's next turn), then runs its phases from limit_conn on, where the
    /// access phase reads an auth subrequest's answer. The socket stays watched meanwhile, so a client that gives
    /// up is noticed and closed, which cancels the wait.
    /// `refusal`: after the wait, answer with this status instead (auth_delay holding a 401).
    func delayRequest(_ r: Request, millis: Int, thenRefuse refusal: Int = 0) {
        if delayTimer == nil {
            delayTimer = Watcher.timer(loop: worker.loop) { [unowned self] in self.delayElapsed() }
        }
        delayed = r
        delayedRefusal = refusal
        delayTimer!.arm(exactMillis: millis)
    }

    private func delayElapsed() {
        delayTimer?.disarm()
        guard !closed, let r = delayed else { return }
        delayed = nil
        let refusal = delayedRefusal
        delayedRefusal = 0
        if refusal != 0 { return answering(r) { sendError(refusal, closeAfter: false) } }
        answering(r) { Router.afterRequestLimits(r, self) }
    }

    // MARK: - Corking

    /// While corked, sends collect in the worker's cork buffer and go out in one write at `uncork()`: a proxied
    /// response's head and its first body bytes (often the whole body) cost one syscall instead of two.
    private var corked = false
    static let corkLimit = 64 * 1024   // a compressed 100 KiB page, head and trailer included, is one write

    /// Starts collecting; a no-op while older output still waits for the socket (order must be kept).
    func cork() {
        if output.isEmpty && !corked && phase != .closing { corked = true; worker.corkBuffer.clear() }
    }

    /// Writes what was collected; finishes the request if it completed while corked.
    func uncork() {
        guard corked else { return }
        if !flushCork() { return }
        if responseDone && output.isEmpty { finishRequest() }
    }

    /// Ends corking: one write of the cork buffer, the rest kept in `output`. False when the write failed
    /// (the connection is closed).
    private func flushCork() -> Bool {
        corked = false
        let cb = worker.corkBuffer
        defer { cb.clear() }
        if cb.isEmpty { return true }
        let r = transport.write(cb.view)
        switch r {
        case .done(let n):
            if n == cb.readableCount { return true }
            output.append(cb.view.dropping(n))
        case .wouldBlock:
            output.append(cb.view)
        case .eof, .error:
            writeFailed(r); return false
        }
        if !writer.isArmed { writer.arm(timeoutMillis: sendTimeoutMillis) }
        return true
    }

    /// Whether the output is below the limit (producers check before reading more).
    var canAcceptOutput: Bool { output.readableCount < Self.outputLimit }

    /// Asks for a writable event (a file sender waiting for the socket).
    func waitWritable() { if !writer.isArmed { writer.arm(timeoutMillis: sendTimeoutMillis) } }
    var outputIsEmpty: Bool { output.isEmpty }

    private var sendTimeoutMillis: Int { request.location?.sendTimeoutMillis ?? 60_000 }

    private func onWritable(_ ev: IOEvents) {
        if tlsPhase == .handshake && !ev.contains(.timeout) {
            if continueTLS() { onReadable(.read) }
            return
        }
        if ev.contains(.timeout) {
            worker.log(.info, "client timed out (110: Connection timed out) while sending response to client", self)
            if phase == .processing, let r = currentRequest { worker.logAccess(r) }   // nginx logs what it sent
            closeAbruptly(resetting: currentRequest?.location); return
        }
        if sendRate > 0, let limited = currentRequest {
            guard drainLimited(limited) else { return }
        } else {
            let r = transport.write(from: output)
            switch r {
            case .done, .wouldBlock: break
            case .eof, .error: writeFailed(r); return
            }
        }
        afterWrite()
    }

    /// What follows a write: the next producer step, or the end of the request.
    private func afterWrite() {
        if output.isEmpty {
            writer.disarm()
            if phase == .closing { startLingering(); return }
            if let st = currentRequest?.ssi { st.clientDrained() }   // SSIFilter.swift
            if let fs = fileSender { fs.resume(); return }
            if responseDone { finishRequest(); return }
            exchange?.clientDrained()
        } else if output.readableCount < Self.outputLimit / 2 {
            if let st = currentRequest?.ssi { st.clientDrained() }
            exchange?.clientDrained()
        }
    }

    private func writeFailed(_ result: IOResult) {
        worker.log(.info, "writev() failed \(result.failureText) while sending to client", self)
        clientLeft()
    }

    /// The upstream's answer broke off after its head was passed on: what the client was given still goes out
    /// (the output may hold much of it behind a small send buffer), then the connection closes, so the client
    /// sees a short body or no last chunk, as nginx's do.
    func responseTruncated() {
        keepAlive = false
        request.completion = .cut
        responseComplete()
    }

    /// The response is fully produced: finish when the output drains.
    func responseComplete() {
        responseDone = true
        exchange = nil
        fileSender = nil
        if output.isEmpty && !corked { finishRequest() }
    }

    private func finishRequest() {
        guard phase != .closing else { return }
        if let m = mirrors, m.holds { m.finishHeld = true; return }   // nginx's r->main->count: mirrors still run
        let r = request
        if r.completion == .open { r.completion = .complete }   // before post_action, as nginx sets it
        // post_action: tested through the flag, so a location without one copies no array (and no reference).
        if let loc = r.location, loc.hasPostAction, PostAction.run(loc.postAction!, r, self) { return }
        count(.none)
        worker.logAccess(r)
        if !r.connectionHolds.isEmpty { r.releaseConnectionHolds() }   // after the log, as nginx's pool cleanup
        if let u = closeWaitsFor {
            closeWaitsFor = nil
            if !keepAliveAfterResponse { return u.afterEnd { [weak self] in self?.closeAfterLastResponse() } }
        }
        if !keepAliveAfterResponse { return closeAfterLastResponse() }
        if unreadBody != .none, !discardRest() { return }
        awaitNextRequest()
    }

    /// The last response is out: close at once, or linger (nginx's ngx_http_finalize_connection). With
    /// `lingering_close on`, only when the client may still be sending: a body left unread, or bytes past the
    /// request already here. Otherwise the close saves the shutdown, a wait and a read per connection.
    private func closeAfterLastResponse() {
        let lingering = request.location?.lingering ?? .standard
        let mayStillSend = unreadBody != .none || bodyLeftUnread || !input.isEmpty
        if lingering.lingers(mayStillSend: mayStillSend) { lingeringClose() } else { close() }
    }

    /// The response went out before the body it ignored was all here: skip the rest, then serve what follows
    /// (nginx keeps the connection alive the same way). False while bytes are still due (the reader waits in
    /// `.discardingBody`, each read within lingering_timeout, as nginx's) or after bad chunked framing (closed).
    private func discardRest() -> Bool {
        switch skipUnread() {
        case .done:
            return true
        case .more where request.head?.expectsContinue == true && !request.continueSent:
            skipping = nil; unreadBody = .none   // no 100 Continue went out: the body may never come
            lingeringClose()
            return false
        case .more:
            phase = .discardingBody
            reader.arm(timeoutMillis: (request.location?.lingering ?? .standard).timeoutMillis)
            return false
        case .invalid:
            worker.log(.error, "client sent invalid chunked body", self)
            keepAlive = false
            lingeringClose()
            return false
        }
    }

    /// Keep-alive: the next request is read (at once when it is already here).
    private func awaitNextRequest() {
        let keepaliveTimeout = currentRequest?.location?.keepaliveTimeoutMillis ?? runtime.defaultKeepaliveTimeoutMillis
        phase = .waitingHead
        sendRate = -1   // an error answered before the next request's head has no limit_rate
        responseDone = false
        if !input.isEmpty {
            nextIsPipelined = true
            processInput(); return       // a pipelined request is already here
        }
        if input.hasStorage { input.release() }
        if var r = currentRequest {
            currentRequest = nil
            // Only a request nothing else holds may serve another connection: one its exchange still holds (it
            // is unwinding) or a background fetch does, the worker takes back once they let go.
            let held = !isKnownUniquelyReferenced(&r)   // asked before `r` is passed on (a copy would count)
            worker.recycle(r, stillHeld: held)
        }
        if output.hasStorage && output.isEmpty { output.release() }
        reader.arm(timeoutMillis: keepaliveTimeout)
        worker.wait(self, .idle)
    }

    // MARK: - Simple responses

    /// Sends nginx's error page for `status`, honouring `error_page` only through the Router.
    func sendError(_ status: Int, closeAfter: Bool) {
        if closeAfter { keepAlive = false }
        count(.writing)   // an error answered while reading the head (400, 408, 414, 431) is writing too
        Responses.sendError(status, on: self)
    }

    // MARK: - Closing

    /// nginx's lingering close: shut down our side, read what the client still sends for a short while,
    /// so an error response is not destroyed by a TCP reset.
    private func lingeringClose() {
        if phase == .closing { return }
        phase = .closing
        if !output.isEmpty { return }   // onWritable finishes the write first, then the read side drains
        startLingering()
    }

    private func startLingering() {
        transport.shutdownWrite()
        let lingering = currentRequest?.location?.lingering ?? .standard
        lingerDeadline = Clock.monotonicNanos() &+ UInt64(lingering.timeMillis) &* 1_000_000
        reader.arm(timeoutMillis: lingering.timeoutMillis)
    }

    /// When a lingering close gives up reading (lingering_time from its start).
    private var lingerDeadline: UInt64 = 0

    private func drainAndClose() {
        input.clear()
        switch input.receive(from: fd, chunk: 4096) {
        case .done: input.clear()
        case .wouldBlock: break
        case .eof, .error: return close()
        }
        if Clock.monotonicNanos() >= lingerDeadline { close() }
    }

    private var closed = false

    func close() {
        if closed { return }
        closed = true
        if corked { corked = false; worker.corkBuffer.clear() }
        rateTimer?.disarm()
        delayTimer?.disarm()
        delayed = nil
        if let a = authRequest { authRequest = nil; a.abort() }   // its subrequest's upstream too
        ocspCheck?.cancel()
        mirrors?.abort()
        if let r = currentRequest, !r.connectionHolds.isEmpty { r.releaseConnectionHolds() }
        currentRequest?.ssi?.abort()   // SSI includes under way (SSIFilter.swift)
        count(.none)
        worker.wait(self, .none)
        reader.disarm()
        writer.disarm()
        exchange?.abort()
        exchange = nil
        davUpload = nil
        fileSender = nil
        tunnel?.abort()
        if phase != .closing && !abrupt { transport.tls?.shutdown() }   // close_notify, as nginx's ngx_ssl_shutdown
        phase = .closing
        worker.connectionClosed(self)
    }

    /// Upgrade tunnel hook: the tunnel watches the socket from now on and relays through `input` and `output`;
    /// the connection keeps its slot and its stub_status Writing count, as an upgraded request does in nginx.
    func handOver(to t: Tunnel) {
        reader.disarm()
        writer.disarm()
        exchange = nil
        keepAlive = false
        tunnel = t
    }

    /// Called by the worker after removing it from its table.
    func releaseSocket() {
        if resetsOnClose { Socket.resetOnClose(fd) }
        Syscall.close(fd)
    }

    /// Graceful stop: close if idle between requests.
    func closeIfIdle() {
        if phase == .waitingHead && input.isEmpty { close() }
    }
}
