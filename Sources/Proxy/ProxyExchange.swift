import Config
import Glibc
import Balancing
import Cache
import EventLoop
import Gzip
import HTTP1

typealias UpstreamFailure = NextUpstreamPolicy.FailureKind

/// One request's trip upstream, retries included: pick a server, connect (or reuse a kept-alive connection),
/// send the head and body, parse the response head, then stream the body to the client with backpressure.
final class ProxyExchange: UpstreamConnectionOwner, UpstreamBodySink, UpstreamUpgradeSink {
    /// `resolvingRoute`: the first pick waits for a shared-route lookup (`share=`, ProxyExchange+SharedRoute.swift).
    /// `resolvingName`: the first try waits for the resolver (ProxyExchange+Resolver.swift).
    enum State { case idle, resolvingRoute, resolvingName, connecting, handshaking, sending, readingHead, streaming, done }

    /// Strong: an unowned read is a checked retain and a release (about 10 a request), a strong `let` is
    /// borrowed. The connection holds the exchange only while it runs (`exchange`, cleared when the exchange
    /// ends and when the connection closes), so the cycle does not outlive either.
    let client: ClientConnection
    /// Where the response goes (ResponseSink.swift): the client, or the parent's SSI splice for a subrequest.
    /// unowned(unsafe), as `Request.sink`: the sink outlives the exchange, and a checked read costs a retain and a
    /// release on every send.
    unowned(unsafe) let sink: any ResponseSink
    /// The client's worker, held once: a shorter chain to read.
    let worker: Worker
    let request: Request
    let proxy: ProxyRuntime
    let upstream: UpstreamRuntime?
    /// The upstream's balancer, resolved once: picks, retries and releases all use it, across a reload too.
    /// A class reference of `self` is read borrowed; the two-reference `UpstreamPeers` it replaces was copied
    /// (two retains and releases) at each of four uses a request.
    let box: BalancerBox?
    /// The upstream and its balancer, for a background cache update that goes on after this exchange.
    var peers: UpstreamPeers? { box.map { UpstreamPeers(box: $0) } }
    private let direct: (address: SocketAddress, label: [UInt8])?   // proxy_pass to one address
    private let unusable: Unusable?   // proxy_pass with variables that failed
    /// Boxed: rare, and 32 bytes inline would take the exchange past 1,032 bytes, glibc's largest fast (tcache)
    /// size, which every proxied request's allocation then misses (bench.sh's callgrind allocation row).
    private final class Unusable {
        let status: Int
        let message: String
        init(_ status: Int, _ message: String) { self.status = status; self.message = message }
    }
    /// proxy_pass with variables to a name the location's resolver asks (ProxyExchange+Resolver.swift).
    var resolution: NameResolution? = nil
    /// TLS toward the upstream: `proxy_pass https://…`, or a URL with variables that evaluated to https.
    private let tls: UpstreamTLS?
    private var state = State.idle
    /// Beside `state`, in the padding before the next reference (a Bool alone between two 8-byte fields takes 8:
    /// the exchange stays within glibc's fast allocation size, 1,032 bytes).
    private var connReused = false
    /// The body is read for the cache only (a HEAD sent upstream as GET).
    private var discardBody = false
    private var conn: UpstreamConnection?
    private var peer: PeerID?
    /// The peer sent a response head: its outcome is a success, though it stays counted as busy (least_conn,
    /// max_conns) until the response ends, as nginx frees a peer when the request is finalized.
    private var peerAnswered = false
    private var lastPick: Pick?
    private var pickState = PickState()
    private var triesDone = 0
    private let firstStart: UInt64
    private var tryStart: UInt64 = 0
    /// The request head sent upstream, built (once, or again when the body's length is known) into the
    /// request's buffer, which keeps its capacity across keep-alive requests.
    private var head: [UInt8] { request.upstreamHead }
    private var headSent = 0
    private var body: RequestBody
    /// The protocol of the current try: head parsing, body framing, reusability (UpstreamTransaction.swift).
    private var tx: UpstreamTransaction
    private var clientChunked = false
    private var clientCloseDelimited = false
    private var responseStarted = false
    private var chunkOut: [UInt8] = []
    private var gzip: GzipStream?
    /// The content filters of this response (BodyFilters.swift: SSI): the body goes through them before gzip
    /// and the framing.
    private(set) var filter: (any BodyFilter)?
    /// proxy_cache: the lookup, fill and stale entry of this request (CacheExchange.swift); nil when not caching.
    private var cache: CacheExchange?
    /// A response answered with one range (CacheExchange.singleRange): the body offsets still to
    /// skip, and then to send. Boxed, as `upstreamRate` below: rare, and inline its 16 bytes with the filter's
    /// two words took the exchange past 1,032 bytes, glibc's largest fast (tcache) size.
    private var range: RangePart?
    private final class RangePart {
        var skip: Int64
        var left: Int64
        init(skip: Int64, left: Int64) { self.skip = skip; self.left = left }
    }
    /// proxy_limit_rate's count: bytes read since the response began (the head's read included), and the timer
    /// that resumes reading.
    /// Boxed, made on the first read under a rate: inline, its 24 bytes took the exchange past 1,032 bytes,
    /// glibc's largest fast (tcache) size, and every proxied request's allocation onto malloc's slow path.
    private var upstreamRate: UpstreamRate?
    private final class UpstreamRate {
        let start = Clock.eventNanos()
        var read: Int64 = 0
        var timer: Watcher?
        func allowance(rate: Int) -> Int {
            RateLimit.allowance(rate: rate, elapsedMillis: Int64((Clock.eventNanos() &- start) / 1_000_000), used: read)
        }
    }

    init(client: ClientConnection, request: Request, proxy: ProxyRuntime) {
        self.client = client
        worker = client.worker
        self.request = request
        self.sink = request.sink
        self.proxy = proxy
        switch ProxyDestination.resolve(proxy, for: request, runtime: client.runtime) {
        case .upstream(let u): upstream = u; direct = nil; unusable = nil; box = client.worker.balancer(for: u)
        case .address(let a, let label): upstream = nil; direct = (a, label); unusable = nil; box = nil
        case .unusable(let status, let message): upstream = nil; direct = nil; unusable = Unusable(status, message); box = nil
        case .resolve(let name, let port, let r): upstream = nil; direct = nil; unusable = nil; box = nil; resolution = NameResolution(name, port, r)
        }
        tls = proxy.speaksTLS(for: request) ? proxy.tls : nil
        firstStart = Clock.eventNanos()
        tx = UpstreamTransaction(method: request.head.method,
                                 upgradeRequested: proxy.cgi == nil && TunnelHead.requested(request.head),
                                 headLimit: proxy.bufferSize)
        body = RequestBody(head: request.head, location: request.location, proxy: proxy, bodyless: request.bodyConsumed,
                           buffered: request.mirrorsAwaitingBody != nil)
        if let f = proxy.cgi { tx.speakCGI(records: f.records, keepConn: f.keepConn, catchStderr: f.catchStderr) }
    }

    /// memcached's reply must name the key sent (`get KEY\r\n`, just written), and its head is made here: the
    /// location's type for the URI, as nginx sets it before going upstream.
    @inline(never)
    private func speakMemcached(gzipFlag: UInt32) {
        let get = request.upstreamHead
        tx.speakMemcached(key: Array(get[4..<get.count - 2]), gzipFlag: gzipFlag,
                          contentType: StaticFiles.contentType(request.uri, request.location, request: request))
    }

    // MARK: - Start

    func start() {
        // proxy_cache hook: a HIT is served (or a proxy_cache_lock wait begins) without going upstream.
        if let loc = proxy.cache {
            switch CacheExchange.start(loc, exchange: self) {
            case .served: return
            case .waiting(let cx): cache = cx; return
            case .fetch(let cx): cache = cx
            }
        }
        startUpstream()
    }

    /// proxy_cache hook: the response came from the cache; nothing upstream to do or clean up.
    func servedFromCache() { state = .done }

    /// Goes upstream (directly, or after a cache miss or lock wait).
    func startUpstream() {
        // proxy_cache_convert_head: a HEAD goes upstream as GET, and its answer is framed as one.
        if cache?.convertsHead == true { tx = UpstreamTransaction(method: .get, headLimit: proxy.bufferSize) }
        if !request.isSubrequest { client.claimBody() }   // the body is read here (a cache HIT leaves it to the connection to skip)
        else if let copy = request.mirroredBody { body.preset(copy) }   // a mirror's copy of its main request's body
        guard buildHead() else { return }
        // A client waiting for permission gets it as the body is about to be read (nginx does the same, even for
        // a `Content-Length: 0` it has nothing to wait for).
        if !body.complete || request.head.contentLength == 0 { client.sendContinue() }
        if body.needsBufferingFirst {
            body.bufferFromClient(client)
            if body.failed { return failClient(body.failureStatus) }
            if !body.complete { client.wantBody(timeoutMillis: request.location.clientBodyTimeoutMillis); return }
            client.bodyComplete()
            guard bodyRead() else { return }
        } else if body.streamed, let status = body.prereadChunks(from: client) {
            return failClient(status)   // nothing sent upstream yet: nginx's order
        }
        firstTry()
    }

    /// The head sent upstream, with the cache's edits (no Range/If-*, HEAD as GET, revalidation) built in. false
    /// when it cannot be written (a uwsgi packet over 64 KiB, memcached without a key): the client has had its
    /// error then.
    private func buildHead() -> Bool {
        var w = HeadWriter(reusing: &request.upstreamHead, minimumCapacity: request.head.bytes.count + 256)
        if let f = proxy.cgi {   // the request's encoder (UpstreamTransaction.swift's seam)
            if let refusal = CGIRequest.write(request, f, bodyLength: body.lengthForUpstream,
                                              bodyStreams: body.streamed && body.lengthForUpstream == nil, cache: cache,
                                              into: &w) {
                request.upstreamHead = w.finish()
                if let line = refusal.logLine { worker.log(line.level, line.text, client) }
                failClient(refusal.status)
                return false
            }
            if case .memcached(let gzipFlag) = f.wire {
                request.upstreamHead = w.finish()
                speakMemcached(gzipFlag: gzipFlag)
                return true
            }
        } else {
            UpstreamRequest.write(request, proxy: proxy, bodyLength: body.lengthForUpstream, chunked: body.chunkedUpstream,
                                  cache: cache?.headEditsIfCaching(), into: &w)
        }
        request.upstreamHead = w.finish()
        return true
    }

    /// The buffered body is complete: `$request_body` can read it (proxy_set_body, logs), then the head that
    /// states its length is built (false: it could not be, the client had its error).
    private func bodyRead() -> Bool {
        keepBodyForVariables()
        if let m = request.mirrorsAwaitingBody {   // mirrors that waited for the whole body start now, with it
            request.mirrorsAwaitingBody = nil
            MirrorPhase.start(m, request, client, body: body.mirrorCopy)
        }
        return buildHead()
    }

    /// `$request_body` (the body when it is in memory) and `$request_body_file` (the temp file's name).
    private func keepBodyForVariables() {
        if request.head.bodyFraming == .chunked, !body.streamed, let n = body.lengthForUpstream { request.chunkedBodyLength = n }
        if let bytes = body.inMemory { request.requestBody = bytes }
        if let path = body.filePath { request.requestBodyFile = Array(path.utf8) }
    }

    /// The client sent more body bytes.
    func clientBodyArrived() {
        if body.needsBufferingFirst && !body.complete {
            body.bufferFromClient(client)
            if body.failed { return failClient(body.failureStatus) }
            if body.complete {
                client.bodyComplete()
                if bodyRead() { firstTry() }
            }
            return
        }
        if state == .sending { pumpBodyUp() }
    }

    /// The first try. With `share=` on the upstream, a request whose session the local table does not know first
    /// asks memcached (at most the share's timeout): the pick is one step later, and then the same as ever.
    private func firstTry() {
        if let n = resolution, n.addresses.isEmpty { return startNameLookup(n) }   // nameResolved() goes on
        if let shared = upstream?.policy.share, unusable == nil, startSharedLookup(shared) {
            state = .resolvingRoute
            return   // sharedRouteResolved() goes on
        }
        nextTry()
    }

    /// The resolver's wait (ProxyExchange+Resolver.swift), with the state kept private here.
    func setResolvingName() { state = .resolvingName }
    func nameLookupEnded() { if state == .resolvingName { state = .idle } }
    var isDone: Bool { state == .done }

    /// The shared lookup ended (a hit is in the local table now; a miss or a timeout changes nothing): pick.
    func sharedRouteResolved() {
        guard state == .resolvingRoute else { return }
        state = .idle
        nextTry()
    }

    func nextTry() {
        if let u = unusable {   // nginx finds this out once the body is read, as here
            worker.log(.error, u.message, client)
            return failClient(u.status)
        }
        guard let (address, label) = pickPeer() else {
            if let up = upstream {
                // nginx's NGX_BUSY: no live server left; $upstream_addr (and the log line) name the group.
                var none = UpstreamTry(address: up.nameBytes)
                none.failedStatus = 502
                none.responseNanos = 0   // nginx's 0.000: the request ends here
                request.tries.append(none)
                worker.log(.error, "no live upstreams while connecting to upstream", client)
                return failClient(502)
            }
            return failClient(lastFailure.map(NextUpstreamPolicy.clientStatus(for:)) ?? 502)
        }
        triesDone += 1
        tryStart = Clock.eventNanos()
        request.tries.append(UpstreamTry(address: label))
        headSent = 0
        body.rewind()
        if let up = upstream, let pooled = worker.pool.take(address, group: up.name) {
            conn = pooled; connReused = true
            pooled.owner = self
            pooled.reader.arm()   // still registered; proxy_read_timeout runs once the request is out
            state = .sending
            tx.restart(connected: true)
            request.tries[request.tries.count - 1].connectNanos = 0
            sendHead()
            return
        }
        connReused = false
        openConnection(to: address)
    }

    /// Opens a new connection for this try. Over loopback or a fast LAN the handshake is usually complete by the
    /// time connect() says EINPROGRESS, so the head goes out at once; only when the kernel answers EAGAIN does
    /// the exchange wait for writability (which costs an epoll round, two epoll_ctl and a getsockopt).
    private func openConnection(to address: SocketAddress) {
        tx.restart(connected: false)
        state = .connecting
        let setup = proxy.socketSetup
        let options = setup.isDefault ? Socket.ConnectOptions() : setup.options(for: request)
        switch UpstreamConnection.open(to: address, owner: self, bufferSize: max(proxy.bufferSize, 16 * 1024),
                                       loop: worker.loop, pool: worker.pool, options: options) {
        case .connected(let c):
            conn = c
            connected()
            if tls != nil { return startTLS(c) }
            sendHead()
        case .inProgress(let c):
            conn = c
            state = .connecting
            if tls != nil { c.writer.arm(exactMillis: proxy.connectTimeoutMillis); return }
            switch body.joinsHead ? body.writeHead(head, to: c.fd, client: client) : Syscall.write(c.fd, head) {
            case .done(let n):
                headSent = n
                connected()
                sendHead()
            case .wouldBlock: c.writer.arm(exactMillis: proxy.connectTimeoutMillis)
            case .eof: connectFailed(EPIPE, address)
            case .error(let e): connectFailed(e, address)   // e.g. 111: refused, reported as nginx reports it
            }
        case .failed(let e):
            connectFailed(e, address)
        case .socketFailed(let e):
            failedHere(.alert, "socket() failed (\(e): \(Syscall.describe(e))) while connecting to upstream")
        case .bindFailed(let e):
            let source = options.source.map { $0.port == 0 ? $0.host : "\($0)" } ?? ""
            failedHere(.crit, "bind(\(source)) failed (\(e): \(Syscall.describe(e))) while connecting to upstream")
        }
    }

    private func connected() {
        request.tries[request.tries.count - 1].connectNanos = Clock.eventNanos() &- tryStart
        state = .sending
        tx.connected()
    }

    /// A failure of this machine's, not the server's: no socket (out of descriptors), or proxy_bind's address
    /// could not be bound. As nginx: a 500, no other server tried, and the server not counted as failed (under
    /// descriptor exhaustion every server would otherwise be marked down for fail_timeout).
    private func failedHere(_ level: LogLevel, _ message: String) {
        worker.log(level, message, client)
        endTry()
        releasePeer(.ok, now: worker.now())
        failClient(500)
    }

    private func connectFailed(_ e: Int32, _ address: SocketAddress) {
        worker.log(.error, "connect() failed (\(e): \(Syscall.describe(e))) while connecting to upstream", client)
        tryFailed(.error)
    }

    private var lastFailure: UpstreamFailure?

    /// Asks the upstream's balancer (or uses the one address of `proxy_pass http://host:port`).
    private func pickPeer() -> (SocketAddress, [UInt8])? {
        guard let up = upstream else {
            if let n = resolution {   // each address once, from this request's turn
                guard triesDone < n.addresses.count else { return nil }
                let a = n.addresses[(n.turn &+ triesDone) % n.addresses.count]
                return (a, Array(a.description.utf8))
            }
            // One address: nothing to fall back to after the first try.
            guard let d = direct, triesDone == 0 else { return nil }
            return (d.address, d.label)
        }
        // The pick context (hash key, session id, route) is evaluated per pick: a retry is rare.
        guard let p = box!.balancer.pick(up.policy.context(for: request), state: &pickState,
                                         now: Instant(nanoseconds: Clock.eventNanos()))
        else { return nil }
        let counters = up.policy.factory.counters
        if triesDone > 0 { counters.noteRetry() }
        counters.note(p.role)
        peer = p.peer
        peerAnswered = false
        lastPick = p
        if let shared = up.policy.share { sendSharedWrites(shared) }   // a move the pick recorded
        return (box!.set.addresses[p.peer.index], box!.set.labels[p.peer.index])
    }

    /// A kept-alive connection turned out dead before the server saw the request: reconnect to the same
    /// server (the pick stands; nginx does the same for cached connections).
    private func retrySamePeer(_ p: PeerID, _ up: UpstreamRuntime) {
        let set = box!.set
        let address = set.addresses[p.index]
        triesDone += 1
        tryStart = Clock.eventNanos()
        request.tries.append(UpstreamTry(address: set.labels[p.index]))
        headSent = 0
        body.rewind()
        connReused = false
        openConnection(to: address)
    }

    // MARK: - Sending

    func upstreamWritable(_ ev: IOEvents) {
        guard let c = conn else { return }
        guard state == .connecting || state == .handshaking || state == .sending else { return c.writer.disarm() }
        if ev.contains(.timeout) {
            if state == .handshaking { return handshakeFailed("upstream timed out (110: Connection timed out) while SSL handshaking to upstream", .timeout) }
            let what = state == .connecting ? "upstream timed out (110: Connection timed out) while connecting to upstream"
                                             : "upstream timed out (110: Connection timed out) while sending request to upstream"
            worker.log(.error, what, client)
            return tryFailed(.timeout)
        }
        if state == .handshaking { return continueTLS(c) }
        if state == .connecting {
            let err = Socket.pendingError(c.fd)
            if err != 0 { return connectFailed(err, c.address) }
            connected()
            if tls != nil { return startTLS(c) }
        }
        sendHead()
    }

    private func sendHead() {
        guard let c = conn else { return }
        // The server may answer before it has read the whole request (a 413, a 401): read while sending, as nginx
        // does, with no timer until the request is out (the writer's proxy_send_timeout bounds the sending).
        if !c.reader.isArmed { c.reader.arm() }
        while headSent < head.count {
            // The body's first bytes join the head's write on plain TCP (writev); TLS writes the head alone.
            let r = headSent == 0 && body.joinsHead && c.transport.tls == nil
                ? body.writeHead(head, to: c.fd, client: client) : c.transport.write(head, from: headSent)
            switch r {
            case .done(let n): headSent += n
            case .wouldBlock: c.writer.arm(timeoutMillis: proxy.sendTimeoutMillis); return
            case .eof, .error: return sendFailed(r)
            }
        }
        pumpBodyUp()
    }

    /// Moves request body bytes upstream: from the buffered copy, or streamed from the client.
    private func pumpBodyUp() {
        guard let c = conn else { return }
        switch body.send(to: c.transport, client: client) {
        case .blocked:
            c.writer.arm(timeoutMillis: proxy.sendTimeoutMillis)
        case .needClient:
            c.writer.disarm()
            client.wantBody(timeoutMillis: request.location.clientBodyTimeoutMillis)
        case .failed(let r):
            sendFailed(r)
        case .clientFailed(let status):
            failClient(status)
        case .done:
            c.writer.disarm()
            request.tries[request.tries.count - 1].bytesSent = Int64(head.count) + (body.lengthForUpstream ?? 0)
            if body.streamed { client.bodyComplete(); keepBodyForVariables() }
            state = .readingHead
            tx.requestSent()
            c.reader.arm(timeoutMillis: proxy.readTimeoutMillis)
        }
    }

    /// `result`: the failed call's, whose errno the log names.
    private func sendFailed(_ result: IOResult) {
        // The server may have answered before it stopped reading (a 413, then a close): that answer is relayed.
        if let c = conn, answeredBeforeWriteFailed(c) { return }
        worker.log(.error, "writev() failed \(result.failureText) while sending request to upstream", client)
        if connReused && !body.sentAnyStreamed && retriesOnFreshConnection() { return }
        tryFailed(.error)
    }

    /// What the server sent before a write failed, read now: true when it made a whole head (handled from there).
    private func answeredBeforeWriteFailed(_ c: UpstreamConnection) -> Bool {
        guard case .done(let n) = read(c, chunk: max(proxy.bufferSize, 16 * 1024)) else { return false }
        request.tries[request.tries.count - 1].bytesReceived += Int64(n)
        parseHead()
        return state != .sending
    }

    /// A kept-alive connection failed before the answer's head was whole (a write failed, or it was closed or
    /// reset while the head was due): the server may have closed it as it idled, or taken the request and died.
    /// As nginx's cached-connection rule, the request goes again (one try more than proxy_next_upstream_tries)
    /// only where proxy_next_upstream allows an error to: a POST, LOCK or PATCH, which the server may have
    /// received, not unless `non_idempotent`; nothing with `off`. It goes to the same server on a fresh
    /// connection, and the server is not counted as failed (README: differences). The failed try stays listed
    /// in $upstream_addr and $upstream_status. False: not allowed, the failure takes its ordinary course.
    private func retriesOnFreshConnection() -> Bool {
        guard let p = peer, let up = upstream, body.rewindable || !body.sentAnyStreamed else { return false }
        let elapsed = Duration.nanoseconds(Int64(Clock.eventNanos() &- firstStart))
        guard proxy.nextUpstream.mayRetry(.error, isIdempotent: request.head.method.isIdempotent, requestSent: true,
                                          responseBytesSentToClient: false, tries: triesDone - 1,
                                          peerTries: max(box?.balancer.tries ?? 1, 1), elapsed: elapsed)
        else { return false }
        endTry()
        request.tries[request.tries.count - 1].failedStatus = 502
        conn?.close(); conn = nil
        lastFailure = .error
        triesDone -= 1   // the extra try
        retrySamePeer(p, up)
        return true
    }

    // MARK: - Receiving

    /// One read of the upstream, of about `chunk` bytes. Over TLS `chunk` at most: a read that drains OpenSSL's
    /// buffer pulls the socket's next records into it, so one read took all the socket held (megabytes a client
    /// too slow to take them, at the head's read as in the body's). What stays in OpenSSL is read by the body
    /// loop's next turn or when the client drains; a head is whole (or too big) within `chunk`, so nothing
    /// waits there for a readiness event that will not come.
    @inline(__always)
    private func read(_ c: UpstreamConnection, chunk: Int) -> IOResult {
        c.transport.tls == nil ? c.transport.read(into: c.buffer, chunk: chunk) : c.transport.read(into: c.buffer, atMost: chunk)
    }

    func upstreamReadable(_ ev: IOEvents) {
        guard let c = conn else { return }
        if state == .handshaking {
            if ev.contains(.timeout) { return handshakeFailed("upstream timed out (110: Connection timed out) while SSL handshaking to upstream", .timeout) }
            return continueTLS(c)
        }
        if ev.contains(.timeout) {
            worker.log(.error, "upstream timed out (110: Connection timed out) \(whileText)", client)
            return state == .streaming ? abortMidResponse() : tryFailed(.timeout)
        }
        if state == .streaming { return pumpBodyDown() }
        guard state == .readingHead || state == .sending else { return }
        // Under proxy_limit_rate the head's read takes proxy_buffer_size at most, as nginx's does: the body that
        // comes with it is not limited.
        let r = read(c, chunk: proxy.limitRate > 0 ? proxy.bufferSize : max(proxy.bufferSize, 16 * 1024))
        switch r {
        case .done(let n): request.tries[request.tries.count - 1].bytesReceived += Int64(n)
        case .wouldBlock: return
        case .eof, .error:
            // A reset is nginx's recv() failure with its errno; only an orderly close is "prematurely closed".
            let what = if case .error = r { "recv() failed \(r.failureText)" } else { "upstream prematurely closed connection" }
            worker.log(.error, "\(what) while reading response header from upstream", client)
            if connReused && request.tries.last?.status == 0 && retriesOnFreshConnection() { return }
            return tryFailed(.error)
        }
        parseHead()
    }

    private func parseHead() {
        guard let c = conn else { return }
        // FastCGI's stderr is logged in each case before it is acted on (a `let` of the step would copy its payload).
        switch tx.receiveHead(c.buffer.view, slot: &worker.responseHeadSlot) {
        case .incomplete:
            if proxy.cgi != nil { logStderr("while reading response header from upstream") }
            return
        case .interim(let consumed):
            if proxy.cgi != nil { logStderr("while reading response header from upstream") }
            c.buffer.consume(consumed)
            return parseHead()   // interim 1xx: skip it, wait for the final head
        case .failed(let f):
            if proxy.cgi != nil { logStderr("while reading response header from upstream") }
            if !f.reason.isEmpty { worker.log(.error, "\(f.reason) while reading response header from upstream", client) }
            return tryFailed(f.kind)
        case .upgrade(let resp, let consumed):
            if state == .sending { stopSending(c) }
            c.buffer.consume(consumed)
            let now = Clock.eventNanos()
            request.tries[request.tries.count - 1].status = resp.status
            request.tries[request.tries.count - 1].headerNanos = now &- tryStart
            upgraded(head: resp, connection: c, leftover: c.buffer.view)
        case .head(let resp, let consumed):
            if proxy.cgi != nil { logStderr("while reading response header from upstream") }
            if state == .sending { stopSending(c) }
            c.buffer.consume(consumed)
            let now = Clock.eventNanos()
            request.tries[request.tries.count - 1].status = resp.status
            request.tries[request.tries.count - 1].headerNanos = now &- tryStart
            if resp.status >= 403, canRetry(.httpStatus(resp.status)) {
                return tryFailed(.httpStatus(resp.status))
            }
            if !resp.accel.isEmpty {
                // nginx reads X-Accel-Limit-Rate first, so it holds across the X-Accel-Redirect below too.
                if resp.accel.contains(.limitRate), proxy.honoursAccelLimitRate,
                   let value = resp.firstHeader("x-accel-limit-rate"), let rate = ASCIIDecimal.parseInt64(value) {
                    request.limitRate = Int(clamping: rate)
                }
                if resp.accel.contains(.redirect), proxy.followsAccelRedirect, let target = resp.firstHeader("x-accel-redirect") {
                    return acceleratedRedirect(Array(target), resp)
                }
            }
            if resp.status >= 300, ErrorPages.intercepts(resp.status, request) { return intercept(resp) }
            beginResponse(resp)
        }
    }

    /// The server answered before the whole request was out (a 413 or 401 while the body still went up), as
    /// nginx relays it: nothing more is sent (the transaction keeps the connection from the pool), and a client
    /// body not read whole is given up, its connection closed after the answer.
    private func stopSending(_ c: UpstreamConnection) {
        c.writer.disarm()
        state = .readingHead
        if !body.complete && !request.isSubrequest { client.abandonBody() }
    }

    static let acceptRanges = Array("Accept-Ranges: bytes\r\n".utf8)

    /// Nothing the Range asks is in the body: nginx's 416, made of the response's head, replaces it; the
    /// upstream's answer is dropped (its connection closed, a fill of the cache or proxy_store given up), as
    /// nginx finalizes the upstream request with the 416.
    private func rangeNotSatisfiable(_ resp: ResponseHead, length: Int64) {
        dropStore()
        dropUpstreamAnswer()
        client.answering(request) {
            StaticFiles.sendRangeNotSatisfiable(size: length, upstream: resp, proxy: proxy, on: client)
        }
    }

    /// The Upgrade exit: a 101 to a request that carried `Upgrade` (nginx's rule, TunnelHead.requested). The
    /// tunnel takes the connection, with `leftover` (bytes after the 101 head) still in its buffer.
    func upgraded(head: ResponseHead, connection c: UpstreamConnection, leftover: ByteView) {
        request.upstreamResponse = head
        peerAnswered = true
        upgrade(head, c)
    }

    private func beginResponse(_ resp: ResponseHead) {
        guard let c = conn else { return }
        let client = self.client   // one strong reference: each unowned read costs a checked retain
        let now = worker.now()
        request.upstreamResponse = resp
        peerAnswered = true
        if let cx = cache {   // proxy_cache hook: use_stale http_5xx, else decide whether to store
            if cx.answeredFromCache(resp) { releasePeer(.ok, now: now); c.close(); conn = nil; return }
            cx.responseStarted(resp)
        }
        // proxy_cache_convert_head: a HEAD went upstream as GET; its body fills the cache, the client gets the head.
        // A response being stored also passes the not_modified filter: a 304 to the client, the body to the cache.
        let notModified = cache?.answersNotModified(resp, request: request) == true
        let bodyForCacheOnly = cache?.convertsHead == true || notModified
        let framing = tx.framing
        if let s = proxy.store, ProxyStore.stores(status: resp.status, framing: framing) {
            request.storeFile = ProxyStore.begin(s, request, resp)   // proxy_store's file (ProxyStore.swift)
        }
        let clientHTTP11 = request.head.version >= .http1_1
        let bodyless = framing == .none || notModified
        // Content filters (BodyFilters.swift: SSI): the body changes, so its length is unknown and no range is
        // served from it.
        let filtersBody = request.location.filtersBody
        let filters = bodyless || bodyForCacheOnly || !filtersBody ? nil : BodyFilters.forUpstream(request, resp)
        // A HEAD has no body to process, but nginx's header filters edit its head as the GET's would be
        // (no Content-Length, Accept-Ranges, and validators unless kept).
        let filtersHeadOnly = filters == nil && filtersBody && request.head.method == .head && !notModified
            ? BodyFilters.forUpstream(request, resp) : nil
        // nginx's range filter where it may cut the response: proxy_force_ranges (stored or not), or a response
        // being stored that said Accept-Ranges. A part, a 416 instead of the response, or the whole.
        let cutsRanges = proxy.forceRanges && cache?.convertsHead != true || cache?.rangesWhileStoring(resp) == true
        let ranges = notModified || filters != nil || !cutsRanges ? nil : CacheExchange.singleRange(resp, request: request)
        if case .unsatisfiable = ranges, !request.isSubrequest, let length = resp.contentLength {
            return rangeNotSatisfiable(resp, length: length)
        }
        let part: ByteSpan? = if case .partial(let spans) = ranges { spans[0] } else { nil }
        var decision = notModified || request.isSubrequest ? nil
            : request.location.gzip.map { GzipStage.decide($0, request: request, response: resp) }
        // A HEAD's head says what its GET's would (gzip's fields, no length), but no body goes out: no compressor,
        // and no chunked framing (nginx's chunked filter skips a HEAD).
        let clientBodyless = bodyless || request.head.method == .head
        let compress = decision?.compress == true && !clientBodyless
        // A compressed body's length is unknown until the end: chunked for HTTP/1.1, close-delimited for 1.0.
        // add_trailer makes a response with a length chunked too, its trailers after the last chunk (nginx's
        // chunked filter); the location's flag first, so responses without trailers pay one test.
        // (An 8-bit charset_map keeps the length: nginx keeps the upstream's.)
        let trailers = request.location.shaping.hasTrailers && Trailers.expected(request, status: resp.status)
        let lengthUnknown = compress || framing == .chunked || framing == .untilClose
            || (filters != nil && filters!.sameLengthRecode == nil) || trailers
        // chunked_transfer_encoding off: an unknown length is close-delimited for HTTP/1.1 clients too.
        clientChunked = !clientBodyless && clientHTTP11 && lengthUnknown && request.location.shaping.chunkedTransferEncoding
        clientCloseDelimited = !clientBodyless && !clientChunked && lengthUnknown
        if compress, let d = decision {
            gzip = GzipStream(decision: d, request: request, chunked: clientChunked)
            if gzip == nil { decision?.reason = .disabled }   // zlib had no memory: send it plain (still chunked)
        }
        if clientCloseDelimited && !request.isSubrequest { client.keepAliveAfterResponse = false }
        var extra: [UInt8] = []
        if box != nil, let pick = lastPick,
           let line = box!.set.policy.afterResponse(request, pick: pick, set: box!.set, now: now) {
            extra = line
        }
        if let shared = upstream?.policy.share { sendSharedWrites(shared) }   // what the response taught
        // proxy_force_ranges: the upstream's Accept-Ranges is not relayed; the range filter adds its own to a
        // 200 of known length it lets through whole (not one gzip compresses, whose length it no longer knows).
        if proxy.forceRanges, case .whole = ranges, !compress, !request.isSubrequest { extra += Self.acceptRanges }
        if let s = part, let length = resp.contentLength {   // 206: Content-Range and the part's length
            extra += Array("Content-Range: ".utf8) + ContentRange.single(s, length: length)
                + Array("\r\nContent-Length: ".utf8)
            ASCIIDecimal.append(s.count, to: &extra)
            extra += [13, 10]
            range = RangePart(skip: s.start, left: s.count)
        }
        // The status first: add_header and expires values (a `map $status`) read it as the head is written.
        request.status = notModified ? 304 : (part != nil ? 206 : (request.errorStatus != 0 ? request.errorStatus : resp.status))
        // Written into the request's head buffer (kept for $sent_http_*), whose capacity the last request left.
        var w = HeadWriter(reusing: &request.responseHead, minimumCapacity: resp.bytes.count + 256)
        ResponseHeadBuilder.write(for: request, upstream: resp, proxy: proxy, connection: client,
                                  chunked: clientChunked, extra: extra, gzip: decision,
                                  filtered: notModified ? .notModified : (part != nil ? .singleRange : nil), into: &w)
        request.responseHead = w.finish()
        if let f = filters {
            if f.sameLengthRecode == nil { request.responseHead = f.editHead(request.responseHead) }
            filter = f.start(request, output: self)
        } else if let f = filtersHeadOnly, f.sameLengthRecode == nil {
            request.responseHead = f.editHead(request.responseHead)
        }
        responseStarted = true
        state = .streaming
        // The head and the body bytes that came with it leave in one write.
        let sink = self.sink
        sink.cork()
        defer { sink.uncork() }
        sink.send(request.responseHead)
        if bodyForCacheOnly { gzip = nil; clientChunked = false; discardBody = true }
        if framing == .none {   // a HEAD, 1xx, 204, 304: done with the head
            cache?.bodyComplete()   // proxy_cache hook: a 204 is stored too
            return finishUpstream(reusable: tx.reusableAfterHead(leftover: c.buffer.readableCount))
        }
        if tx.state == .done {   // Content-Length: 0: an empty body still ends (the cache stores it)
            return endOfBody(reusable: tx.reusableAfterHead(leftover: c.buffer.readableCount))
        }
        if !c.buffer.isEmpty { forwardBuffered() }
        // Go on reading while the upstream has more (re-arming the read, and the gzip idle flush, when it pauses):
        // a body already here crosses in this one callback, so a compressed response holds its zlib state
        // (about 270 KiB) only as long as it takes, instead of across a loop pass with every other stream's,
        // and its head leaves in one write with the first compressed bytes.
        if state == .streaming { pumpBodyDown() }
    }

    private func pumpBodyDown() {
        guard let c = conn, state == .streaming else { return }
        while sink.canAcceptOutput {
            if let f = filter, f.holdsTooMuch { f.noteProducerHeld(); break }   // SSI holds enough behind includes
            let chunk = max(proxy.bufferSize, 16 * 1024)
            var limit = Int.max
            if proxy.limitRate > 0 {   // proxy_limit_rate: read no more than the rate allows by now
                if upstreamRate == nil {   // what came with the head counts, as nginx counts its preread buffer
                    upstreamRate = UpstreamRate()
                    upstreamRate!.read = request.tries[request.tries.count - 1].bytesReceived
                }
                let allowance = upstreamRate!.allowance(rate: proxy.limitRate)
                if allowance <= 0 { return waitForUpstreamRate(c, deficit: -allowance) }
                limit = min(chunk, allowance)
            }
            switch limit == .max ? read(c, chunk: chunk) : c.transport.read(into: c.buffer, atMost: limit) {
            case .done(let n):
                request.tries[request.tries.count - 1].bytesReceived += Int64(n)
                upstreamRate?.read += Int64(n)
                forwardBuffered()
                if state != .streaming { return }
            case .wouldBlock:
                if gzip != nil { armGzipFlush() }
                c.reader.arm(timeoutMillis: proxy.readTimeoutMillis)
                return
            case .eof:
                switch tx.closed() {
                case .ended(_, let reusable): return endOfBody(reusable: reusable)
                case .failed(let f): worker.log(.error, f.logLine, client)
                case .more: break
                }
                return abortMidResponse()
            case .error(let e):
                worker.log(.error, "recv() failed (\(e): \(Syscall.describe(e))) while reading upstream", client)
                return abortMidResponse()
            }
        }
        c.reader.disarm()   // the client is slow: stop reading until it drains
    }

    /// FastCGI: what the application wrote to FCGI_STDERR, one `[error]` line a piece as nginx logs it.
    private func logStderr(_ phase: String) {
        for line in tx.takeStderrLines() { worker.log(.error, "\(line) \(phase)", client) }
    }

    /// proxy_limit_rate: the upstream is not read (nor its read timeout run) until the rate allows more.
    private func waitForUpstreamRate(_ c: UpstreamConnection, deficit: Int) {
        c.reader.disarm()
        guard let rate = upstreamRate else { return }
        if rate.timer == nil {
            rate.timer = Watcher.timer(loop: worker.loop) { [weak self] in self?.pumpBodyDown() }
        }
        rate.timer!.arm(exactMillis: RateLimit.waitMillis(deficit: deficit, rate: proxy.limitRate))
    }

    /// Passes what the upstream buffer holds to the client in the client's framing.
    private func forwardBuffered() {
        guard let c = conn else { return }
        switch tx.receiveBody(c.buffer.view, to: self) {
        case .more(let consumed):
            if proxy.cgi != nil { logStderr("while reading upstream") }
            c.buffer.consume(consumed)
        case .ended(let consumed, let reusable):
            if proxy.cgi != nil { logStderr("while reading upstream") }
            c.buffer.consume(consumed)
            if !c.buffer.isEmpty, let warning = tx.extraDataWarning {
                worker.log(.warn, warning + " while reading upstream", client)
            }
            return endOfBody(reusable: reusable)
        case .failed(let f):
            if proxy.cgi != nil { logStderr("while reading upstream") }
            worker.log(.error, f.logLine, client)
            return abortMidResponse()
        }
        if sink.canAcceptOutput && filter?.holdsTooMuch != true { c.reader.arm(timeoutMillis: proxy.readTimeoutMillis) } else {
            c.reader.disarm()
            filter?.noteProducerHeld()
        }
    }

    /// The client sink: a body piece goes to the cache tee, then gzip or the client's framing.
    func upstreamBody(_ piece: ByteView) {
        cache?.bodyPiece(piece)   // proxy_cache hook: tee into the entry
        if let w = request.storeFile, !ProxyStore.write(w, piece, request) { request.storeFile = nil }   // proxy_store's tee
        request.upstreamResponseLength += Int64(piece.count)
        if discardBody { return }
        if let f = filter { return f.bodyWrite(piece) }
        if let part = range { return sendRangePart(piece, part) }
        if let g = gzip { return g.write(piece) }
        sendFramed(piece)
    }

    /// The part of `piece` inside the range the client asked for (the cache got all of it).
    private func sendRangePart(_ piece: ByteView, _ part: RangePart) {
        let skip = Int(min(part.skip, Int64(piece.count)))
        part.skip -= Int64(skip)
        let take = Int(min(part.left, Int64(piece.count - skip)))
        part.left -= Int64(take)
        if take > 0 { sendFramed(piece.slice(skip, skip + take)) }
    }

    private var gzipFlushTimer: Watcher?

    /// An upstream that stays quiet for 20 ms gets its compressed bytes flushed to the client (a slow stream is
    /// never held back in the compressor); flushing at every momentary EAGAIN would cost compression and sends.
    private func armGzipFlush() {
        if gzipFlushTimer == nil {
            gzipFlushTimer = Watcher.timer(loop: worker.loop) { [weak self] in
                guard let self, self.state == .streaming else { return }
                self.flushCompressor(end: false)
            }
        }
        gzipFlushTimer!.disarm()
        gzipFlushTimer!.arm(exactMillis: 20)
    }

    /// Pushes what the compressor holds to the client, so a pausing upstream's bytes are not held back.
    private func flushCompressor(end: Bool) {
        if end { gzip?.finish() } else { gzip?.flush() }
    }

    /// Sends body bytes in the client's framing: a chunk's size line, data and CRLF go out in one send.
    private func sendFramed(_ piece: ByteView) {
        if piece.isEmpty { return }
        if clientChunked {
            chunkOut.removeAll(keepingCapacity: true)
            ChunkedEncoder.appendChunk(piece, to: &chunkOut)   // the one chunk writer (HTTP1), as RequestBody's
            sink.send(chunkOut)
        } else {
            sink.send(piece)
        }
    }

    /// The client's output drained: read more from upstream.
    func clientDrained() {
        filter?.continueOutput()   // gunzip's held output first; it may end the response
        if state == .streaming { pumpBodyDown() } else if state == .sending { pumpBodyUp() }
    }

    private func endOfBody(reusable: Bool) {
        gzipFlushTimer?.disarm()
        cache?.bodyComplete()   // proxy_cache hook: commit the entry
        if let w = request.storeFile { request.storeFile = nil; ProxyStore.commit(w, request) }
        if filter == nil { endClientBody() }   // else the filters end it (bodyEnd)
        finishUpstream(reusable: reusable)
    }

    /// The end of the client's body: the compressor's last piece, or the last chunk (with add_trailer's fields).
    private func endClientBody() {
        flushCompressor(end: true)
        if clientChunked && gzip == nil {   // gzip's last piece carries it
            if !request.location.shaping.hasTrailers { sink.send(ChunkedEncoder.lastChunk) } else {
                var last: [UInt8] = []
                Trailers.appendLastChunk(request, status: request.status, into: &last)   // add_trailer
                sink.send(last)
            }
        }
    }

    // MARK: - TLS to the upstream

    /// Starts the TLS handshake on a new connection (UpstreamHandshake.swift, shared with the cache's updates).
    private func startTLS(_ c: UpstreamConnection) {
        guard let up = tls else { return sendHead() }
        state = .handshaking
        handshook(UpstreamHandshake.start(c, up, name: up.serverName(for: request, proxy: proxy),
                                          certificate: up.certificateNames == nil ? nil : up.certificate(for: request),
                                          timeoutMillis: proxy.connectTimeoutMillis))
    }

    private func continueTLS(_ c: UpstreamConnection) {
        guard let up = tls else { return }
        handshook(UpstreamHandshake.step(c, up, name: up.serverName(for: request, proxy: proxy),
                                         timeoutMillis: proxy.connectTimeoutMillis))
    }

    private func handshook(_ step: UpstreamHandshake.Step) {
        switch step {
        case .done:
            state = .sending
            sendHead()
        case .pending:
            break
        case .failed(let reason, let kind):
            handshakeFailed("\(reason) while SSL handshaking to upstream", kind)
        }
    }

    private func handshakeFailed(_ message: String, _ kind: UpstreamFailure) {
        worker.log(.error, message, client)
        tryFailed(kind)
    }

    private func finishUpstream(reusable: Bool) {
        guard let c = conn else { return }
        let now = Clock.eventNanos()
        request.tries[request.tries.count - 1].responseNanos = now &- tryStart
        state = .done
        conn = nil
        if box != nil, box!.set.policy.learnsAtEnd, let pick = lastPick, peer != nil {
            box!.set.policy.afterBody(request, pick: pick, set: box!.set, now: worker.now())
            if let shared = upstream?.policy.share { sendSharedWrites(shared) }
        }
        releasePeer(.ok, now: worker.now())
        cache?.finish()
        c.requestsServed += 1
        // TLS 1.3 sends its session ticket after the handshake: the session is resumable only now.
        if c.requestsServed == 1, let up = tls, let stream = c.transport.tls { up.keep(stream.session, for: c.address) }
        let resp = request.upstreamResponse
        if reusable, let up = upstream, up.keepalive > 0, proxy.keepaliveUpstream,
           resp?.keepAlive == true || proxy.cgi != nil,   // FastCGI: FCGI_KEEP_CONN and FCGI_END_REQUEST decide
           c.requestsServed < up.keepaliveRequests, c.buffer.isEmpty, now &- c.openedNanos < up.keepaliveTimeNanos {
            worker.pool.put(c, group: up.name, limit: up.keepalive, timeoutMillis: up.keepaliveTimeoutMillis)
        } else {
            c.close()
        }
        if let f = filter { f.bodyEnd() } else { sink.responseComplete() }
    }

    /// The tunnel (Tunnel.swift) takes the upstream connection; the peer stays busy until it closes.
    private func upgrade(_ resp: ResponseHead, _ c: UpstreamConnection) {
        let head = TunnelHead.build(for: request, upstream: resp, proxy: proxy, connection: client)
        request.status = resp.status
        request.responseHead = head
        // The handshake's time, for the metrics page (releasePeer); the tunnel sets the logged one when it ends.
        request.tries[request.tries.count - 1].responseNanos = Clock.eventNanos() &- tryStart
        state = .done
        conn = nil
        cache?.finish()   // a 101 is never stored: give back a proxy_cache_lock this request held
        cache = nil
        // The tunnel watches the socket itself. Left as the owner, this exchange (and through it the client, which
        // owns the tunnel, which holds the connection) would be a cycle: the configuration never freed.
        c.owner = nil
        Tunnel.start(client: client, upstream: c, head: head, request: request, tryStart: tryStart, proxy: proxy) { [self] in
            releasePeer(.ok, now: client.worker.now())
        }
    }

    // MARK: - Failures

    private func canRetry(_ f: UpstreamFailure) -> Bool {
        guard upstream != nil || resolution?.addresses.count ?? 0 > 1 else { return false }
        let elapsed = Duration.nanoseconds(Int64(Clock.eventNanos() &- firstStart))
        return proxy.nextUpstream.mayRetry(f, isIdempotent: request.head.method.isIdempotent,
                                           requestSent: headSent > 0, responseBytesSentToClient: responseStarted,
                                           tries: triesDone, peerTries: box?.balancer.tries ?? max(resolution?.addresses.count ?? 1, 1),
                                           elapsed: elapsed, requestBodyUnbuffered: body.streamed)
    }

    private func tryFailed(_ f: UpstreamFailure) {
        lastFailure = f
        let now = worker.now()
        endTry()
        if let c = conn { c.close(); conn = nil }
        if case .httpStatus = f {} else {
            request.tries[request.tries.count - 1].failedStatus = NextUpstreamPolicy.clientStatus(for: f)
        }
        releasePeer(NextUpstreamPolicy.outcome(for: f), now: now)
        if canRetry(f) { return nextTry() }
        failClient(NextUpstreamPolicy.clientStatus(for: f))
    }

    /// The current try's `$upstream_response_time`, when it ends without a whole response.
    private func endTry() {
        guard let i = request.tries.indices.last, request.tries[i].responseNanos == .max, tryStart != 0 else { return }
        request.tries[i].responseNanos = Clock.eventNanos() &- tryStart
    }

    func failClient(_ status: Int) {
        state = .done
        if let c = conn { c.close(); conn = nil }
        // proxy_cache hook: proxy_cache_use_stale error|timeout|… answers with the expired entry.
        if let f = lastFailure, let cx = cache, cx.serveStale(after: f) { return }
        cache?.finish()
        sink.exchange = nil
        // Unread body bytes must not parse as a request: the client's connection ends with this answer.
        let bodyCut = !body.complete
        if bodyCut && !request.isSubrequest { client.abandonBody() }
        client.answering(request) { client.sendError(status, closeAfter: bodyCut) }
    }

    /// proxy_intercept_errors: the upstream's error is dropped (its connection closed) and the location's
    /// error_page answers instead. A request body was read for this try: the page is asked for without it.
    /// A 401 keeps its WWW-Authenticate fields on the page (nginx's ngx_http_upstream_intercept_errors).
    private func intercept(_ resp: ResponseHead) {
        let status = resp.status
        if status == 401 {
            resp.forEachHeader(named: "www-authenticate") { request.addChallenge($0) }
        }
        cache?.errorIntercepted(resp)
        dropUpstreamAnswer()
        client.answering(request) { client.sendError(status, closeAfter: false) }
    }

    /// The upstream's answer is not relayed (an intercepted error, an X-Accel-Redirect): the try ends, its
    /// connection closes, and the request is handed back to be answered another way. A request body was read
    /// for this try: what follows asks without it.
    private func dropUpstreamAnswer() {
        state = .done
        endTry()
        releasePeer(.ok, now: worker.now())
        if let c = conn { c.close(); conn = nil }
        cache?.finish()
        sink.exchange = nil
        if request.head.bodyFraming != .none {
            request.bodyConsumed = true
            if !body.complete { client.keepAliveAfterResponse = false }   // unread body bytes must not parse
        }
    }

    /// `X-Accel-Redirect: /uri?args` or `@name` from the upstream: its answer is dropped (its connection closed)
    /// and the request goes on as an internal redirect there, asked with GET (a HEAD stays HEAD), as nginx's
    /// ngx_http_upstream_process_headers does. A URI that is not absolute or climbs out with `..` is a 404.
    private func acceleratedRedirect(_ target: [UInt8], _ resp: ResponseHead) {
        request.upstreamResponse = resp   // $upstream_http_* still read it after the redirect
        AcceleratedRedirectCarry.carry(resp, proxy: proxy, into: request)
        dropUpstreamAnswer()
        let client = self.client, request = self.request
        client.answering(request) {
            if target.first == UInt8(ascii: "@") { return InternalRedirect.toNamed(target, request, client) }
            let (raw, args) = FileLookup.splitArgs(target)
            guard let uri = URIPathSafety.decodedSafe(raw) else {
                worker.log(.error, "unsafe URI \"\(String(decoding: raw, as: UTF8.self))\" was detected", client)
                return client.sendError(404, closeAfter: false)
            }
            InternalRedirect.toURIAskingGET(uri, args: args.map { $0[...] }, request, client)
        }
    }

    /// The response already started: the only honest signal left is closing the client connection.
    private func abortMidResponse() {
        state = .done
        endTry()
        cache?.finish()
        dropStore()
        releasePeer(.failed, now: worker.now())
        if let c = conn { c.close(); conn = nil }
        sink.exchange = nil
        // What the compressor holds goes out, flushed (not finished), as nginx's NGX_HTTP_FLUSH: the client can
        // decode all it was given. (Behind other filters, they are dropped with what they hold.)
        if filter == nil && !request.isSubrequest { flushCompressor(end: false) }
        filter?.abort(); filter = nil
        sink.uncork()   // what already went out, while corked (the head, the body so far), reaches the client first
        // The main response ends short, after what it holds is written. A subrequest whose answer is dropped
        // (auth_request, mirror) had what it needed, the head: it ends as answered, and the main request goes on;
        // one whose answer is part of the client's response (an SSI include, a slice) cuts that response.
        if !request.isSubrequest { client.responseTruncated() } else if sink is any DroppingResponseSink {
            sink.responseComplete()
        } else {
            client.close()
        }
    }

    /// The request body is streaming to a server already contacted (proxy_request_buffering off): what goes
    /// wrong with the client's reads happened, in nginx's words, "while sending request to upstream".
    var sendsBodyUp: Bool { state == .sending }

    /// The client went away or timed out.
    func abort() {
        if let f = filter { filter = nil; f.abort() }
        if state == .resolvingRoute, let shared = upstream?.policy.share { cancelSharedLookup(shared) }
        if state == .resolvingName { cancelNameLookup() }
        guard state != .done else { return }
        if let cx = cache, let c = conn, state == .streaming || (state == .readingHead && tx.requestComplete),
           cx.fillsWithoutClient(headReceived: state == .streaming) {
            return carryFillOn(cx, c)
        }
        state = .done
        endTry()
        cache?.finish()
        dropStore()
        if let c = conn { c.close(); conn = nil }
        releasePeer(.ok, now: worker.now())
    }

    /// The client left while its answer was being stored: the connection, the transaction and the peer go to a
    /// background fill (CacheBackgroundUpdate.carryOn) that reads the rest into the entry.
    private func carryFillOn(_ cx: CacheExchange, _ c: UpstreamConnection) {
        let answered = state == .streaming
        state = .done
        endTry()
        dropStore()
        gzipFlushTimer?.disarm()
        upstreamRate?.timer?.disarm()
        conn = nil
        cache = nil
        let p = peer
        peer = nil
        CacheBackgroundUpdate.carryOn(cx, connection: c, transaction: tx, worker: worker, proxy: proxy,
                                      peers: peers, peer: p, answered: answered || peerAnswered)
    }

    /// proxy_store: an answer cut short leaves no file (the writer removes its temp file).
    private func dropStore() {
        if let w = request.storeFile { request.storeFile = nil; w.abort() }
    }

    /// Gives the peer back to the balancer once: `outcome` counts only if it never answered with a head (a
    /// failure after the head, like a client gone, does not mark the server failed).
    private func releasePeer(_ outcome: PeerOutcome, now: Instant) {
        guard let p = peer else { return }
        if box != nil, let t = request.tries.last, t.status != 0 {   // the metrics page's per-server figures
            box!.set.health.record(p, status: t.status, headerNanos: t.headerNanos, responseNanos: t.responseNanos)
        }
        box?.release(p, peerAnswered ? .ok : outcome, now: now)
        peer = nil
        // nginx's warning, each time a failure leaves the server at max_fails (a lone server is never counted).
        if !peerAnswered && outcome == .failed, let b = box, b.set.health.isTemporarilyDisabled(p) {
            worker.log(.warn, "upstream server temporarily disabled \(whileText)", client)
        }
    }

    /// nginx's "while …" for the phase this try is in (the transaction's words; its own state may have moved to
    /// `.failed` by now, so the exchange's is read).
    private var whileText: String {
        switch state {
        case .connecting, .idle, .resolvingRoute, .resolvingName: UpstreamTransaction.State.connecting.whileText
        case .handshaking: "while SSL handshaking to upstream"
        case .sending: UpstreamTransaction.State.sending.whileText
        case .readingHead: UpstreamTransaction.State.awaitingHead.whileText
        case .streaming, .done: UpstreamTransaction.State.body.whileText
        }
    }
}

/// The content filters' output for a proxied response: gzip, else the client's framing; at the end the gzip
/// trailer or the last chunk (with add_trailer's fields), then the response is complete.
extension ProxyExchange: BodyOutput {
    func bodyWrite(_ piece: ByteView) {
        if let g = gzip { g.write(piece) } else { sendFramed(piece) }
    }

    func bodyEnd() {
        let first = filter
        filter = nil   // the filters hold this exchange as their output: the cycle ends here
        endClientBody()
        sink.responseComplete()
        _ = first
    }

    var bodyCanAcceptOutput: Bool { sink.canAcceptOutput }
}
