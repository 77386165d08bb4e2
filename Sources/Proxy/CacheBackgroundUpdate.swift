import Balancing
import DNS
import EventLoop
import HTTP1

/// `proxy_cache_background_update on` (and `fastcgi_`, `uwsgi_`, `scgi_`): the refresh of an expired entry, run
/// after its stale copy was sent (nginx's background subrequest). It sends the request built from the client's
/// in the location's protocol (conditional with `*_cache_revalidate`), reads the answer and only fills the cache through the `CacheExchange` that
/// holds the key's update lock; nothing goes to any client. One try, with the location's timeouts: a failure
/// is logged and the stale entry stays for the next request to try again. An https upstream gets the exchange's
/// TLS (UpstreamHandshake.swift) and every byte goes through the connection's transport.
///
///     CacheBackgroundUpdate.start(cacheExchange, request: r, proxy: proxy, peers: exchange.peers)   // then serve STALE
///
/// It keeps itself alive until done (the request that started it is gone by then).
///
/// It also finishes a fill whose client went away (`carryOn`): a proxied request whose answer was being stored
/// hands over its upstream connection, mid-body or still awaiting the head, and the rest is read into the entry,
/// as nginx reads on a response it caches when the client closes (`u->cacheable`): the next request is a HIT, and
/// `proxy_cache_lock`'s waiters get the entry instead of going upstream themselves.
final class CacheBackgroundUpdate: UpstreamConnectionOwner, UpstreamBodySink {
    private let cache: CacheExchange
    private unowned let worker: Worker
    private let proxy: ProxyRuntime
    /// The balancer the pick came from: the peer goes back there even if a reload happened meanwhile.
    private var peers: UpstreamPeers?
    private var peer: PeerID?
    private let head: [UInt8]
    private var sent = 0
    /// The same connection type an exchange uses (not pooled: one request, then closed).
    private var conn: UpstreamConnection?
    /// TLS toward the upstream (the client request's choice), and the name it checks; nil for plain HTTP.
    private let tls: UpstreamTLS?
    private let tlsName: String
    /// proxy_ssl_certificate with variables, evaluated with the client request that started the update.
    private let tlsCertificate: UpstreamCertificate?
    /// The client request's proxy_bind and proxy_socket_keepalive, evaluated while it exists.
    private let connectOptions: Socket.ConnectOptions
    private var handshaking = false
    /// The server sent a response head: a failure after it does not count against the server (nginx's peer is
    /// freed as a success once the upstream request is finalized without going to the next one).
    private var answered = false
    private var reaper: Watcher?
    private var ended = false
    /// The protocol: a GET (or a conditional GET) whose answer only fills the cache.
    private var tx: UpstreamTransaction
    /// The reference cycle that keeps an update running; broken by `done`.
    private var running: CacheBackgroundUpdate?
    /// Run once the update has ended (ClientConnection.closeWaitsFor).
    private var whenEnded: (() -> Void)?

    /// Until it ends, a client connection that closes after its STALE answer stays open (as nginx's, whose
    /// background update is a subrequest of that connection): a client that reads to the end and asks again gets
    /// the refreshed entry, not UPDATING. `f` runs at once when the update has ended already.
    func afterEnd(_ f: @escaping () -> Void) {
        if ended { return f() }
        whenEnded = f
    }

    private init(cache: CacheExchange, request r: Request, proxy: ProxyRuntime) {
        self.cache = cache
        worker = r.connection.worker
        self.proxy = proxy
        head = cache.upstreamHead(for: r, proxy: proxy) ?? []
        // A CGI application is asked with the client's method (the CGI modules do not convert a HEAD) and
        // answers in its protocol; an HTTP upstream with a GET.
        tx = UpstreamTransaction(method: proxy.cgi == nil ? .get : r.head.method, headLimit: proxy.bufferSize)
        if let f = proxy.cgi { tx.speakCGI(records: f.records, keepConn: false, catchStderr: f.catchStderr) }
        if case .variable = proxy.target { tls = r.dynamicURL?.secure == true ? proxy.tls : nil } else { tls = proxy.tls }
        tlsName = tls?.serverName(for: r, proxy: proxy) ?? ""
        tlsCertificate = tls?.certificate(for: r)
        connectOptions = proxy.socketSetup.isDefault ? Socket.ConnectOptions() : proxy.socketSetup.options(for: r)
    }

    /// A fill taken over on a connection that is open (and through TLS already): nothing to connect or send.
    private init(carrying cache: CacheExchange, transaction: UpstreamTransaction, worker: Worker, proxy: ProxyRuntime) {
        self.cache = cache
        self.worker = worker
        self.proxy = proxy
        head = []
        tx = transaction
        tls = nil
        tlsName = ""
        tlsCertificate = nil
        connectOptions = Socket.ConnectOptions()
    }

    /// Reads the rest of an answer being stored after its client left: `c` has sent the whole request and is in
    /// `tx`'s state (awaiting the head, or in the body with `cache` writing the entry); what `c.buffer` holds is
    /// read first. `answered`: the head came already. The peer goes back to `peers` when the fill ends.
    static func carryOn(_ cache: CacheExchange, connection c: UpstreamConnection, transaction: UpstreamTransaction,
                        worker: Worker, proxy: ProxyRuntime, peers: UpstreamPeers?, peer: PeerID?, answered: Bool) {
        let u = CacheBackgroundUpdate(carrying: cache, transaction: transaction, worker: worker, proxy: proxy)
        u.peers = peers
        u.peer = peer
        u.answered = answered
        u.conn = c
        u.running = u
        c.owner = u
        c.writer.disarm()
        c.reader.arm(timeoutMillis: proxy.readTimeoutMillis)
        if !c.buffer.isEmpty { u.process(c.buffer) }
        if !u.ended { u.upstreamReadable([]) }   // what the socket (or TLS) holds now: no readiness event may come for it
    }

    /// Picks a server (with the client's request, while it exists) and starts the exchange.
    /// `peers`: the client request's balancer (its pick context is reused when already evaluated).
    static func start(_ cache: CacheExchange, request r: Request, proxy: ProxyRuntime, peers: UpstreamPeers?) {
        let u = CacheBackgroundUpdate(cache: cache, request: r, proxy: proxy)
        // A main request's connection closing after this answer waits for the update (a subrequest's does not).
        defer { if u.running != nil && !u.ended && r.connection.currentRequest === r { r.connection.closeWaitsFor = u } }
        if u.head.isEmpty { return cache.finish() }   // a request that cannot be encoded (uwsgi's size limit)
        let address: SocketAddress
        if let ps = peers {
            var state = PickState()
            guard let p = ps.pick(for: r, state: &state, now: u.worker.now()) else {
                cache.log("no live upstreams while updating the cache in the background")
                return cache.finish()
            }
            u.peers = ps
            u.peer = p.peer
            address = ps.set.addresses[p.peer.index]
        } else {
            switch ProxyDestination.resolve(proxy, for: r, runtime: r.connection.runtime) {
            case .address(let a, _): address = a   // proxy_pass to one address, fixed or from variables
            case .resolve(let name, let port, let resolver):
                // Asked of the worker's resolver as a request would ask it (its cache first); the update keeps
                // itself alive meanwhile and connects when the answer comes.
                u.running = u
                return u.resolveThenConnect(name, port: port, resolver)
            default: return cache.finish()
            }
        }
        u.running = u
        u.connect(address)
    }

    /// The name and port of a `proxy_pass` the resolver answers for this update.
    private var resolving: (name: [UInt8], port: UInt16)?

    private func resolveThenConnect(_ name: [UInt8], port: UInt16, _ resolver: ResolverRuntime) {
        resolving = (name, port)
        if let (answer, turn) = worker.resolver(for: resolver).resolve(name, waiter: self) {
            nameResolved(answer, turn: turn)
        }
    }

    private func connect(_ address: SocketAddress) {
        switch UpstreamConnection.open(to: address, owner: self, bufferSize: max(proxy.bufferSize, 16 * 1024),
                                       loop: worker.loop, pool: worker.pool, options: connectOptions) {
        case .connected(let c):
            conn = c
            tx.connected()
            if tls != nil { return startTLS(c) }
            sendHead()
        case .inProgress(let c):
            conn = c
            c.writer.arm(timeoutMillis: proxy.connectTimeoutMillis)
        case .failed(let e):
            done(failure: "connect() failed (\(e): \(Syscall.describe(e))) while updating the cache in the background")
        case .socketFailed(let e):   // this machine's shortage: the server is not counted as failed
            done(failure: "socket() failed (\(e): \(Syscall.describe(e))) while updating the cache in the background", peerFailed: false)
        case .bindFailed(let e):
            done(failure: "bind() failed (\(e): \(Syscall.describe(e))) while updating the cache in the background")
        }
    }

    func upstreamWritable(_ ev: IOEvents) {
        guard let c = conn else { return }
        if ev.contains(.timeout) { return done(failure: "upstream timed out (110: Connection timed out) while updating the cache in the background") }
        if handshaking { return continueTLS(c) }
        if tx.state == .connecting {
            let err = Socket.pendingError(c.fd)
            if err != 0 { return done(failure: "connect() failed (\(err): \(Syscall.describe(err))) while updating the cache in the background") }
            tx.connected()
            if tls != nil { return startTLS(c) }
        }
        sendHead()
    }

    private func startTLS(_ c: UpstreamConnection) {
        guard let up = tls else { return sendHead() }
        handshaking = true
        handshook(UpstreamHandshake.start(c, up, name: tlsName, certificate: tlsCertificate,
                                          timeoutMillis: proxy.connectTimeoutMillis))
    }

    private func continueTLS(_ c: UpstreamConnection) {
        guard let up = tls else { return }
        handshook(UpstreamHandshake.step(c, up, name: tlsName, timeoutMillis: proxy.connectTimeoutMillis))
    }

    private func handshook(_ step: UpstreamHandshake.Step) {
        switch step {
        case .done:
            handshaking = false
            sendHead()
        case .pending:
            break
        case .failed(let reason, _):
            done(failure: "\(reason) while SSL handshaking to upstream, updating the cache in the background")
        }
    }

    private func sendHead() {
        guard let c = conn else { return }
        while sent < head.count {
            let r = c.transport.write(head, from: sent)
            switch r {
            case .done(let n): sent += n
            case .wouldBlock: c.writer.arm(timeoutMillis: proxy.sendTimeoutMillis); return
            case .eof, .error: return done(failure: "writev() failed \(r.failureText) while updating the cache in the background")
            }
        }
        c.writer.disarm()
        tx.requestSent()
        c.reader.arm(timeoutMillis: proxy.readTimeoutMillis)
    }

    func upstreamReadable(_ ev: IOEvents) {
        guard let c = conn else { return }
        if ev.contains(.timeout) { return done(failure: "upstream timed out (110: Connection timed out) while updating the cache in the background") }
        if handshaking { return continueTLS(c) }
        switch c.transport.read(into: c.buffer, chunk: max(proxy.bufferSize, 16 * 1024)) {
        case .done: break
        case .wouldBlock: return
        case .eof:
            if case .ended = tx.closed() { return finished() }
            return done(failure: "upstream prematurely closed connection while updating the cache in the background")
        case .error(let e):
            return done(failure: "recv() failed (\(e): \(Syscall.describe(e))) while updating the cache in the background")
        }
        process(c.buffer)
    }

    /// What was read: the head (once), then body pieces into the entry.
    private func process(_ buffer: IOBuffer) {
        if tx.state != .body && !parseHead(buffer) { return }
        consumeBody(buffer)
    }

    /// False while the head is incomplete or once the update ended.
    private func parseHead(_ buffer: IOBuffer) -> Bool {
        defer { logStderr() }
        switch tx.receiveHead(buffer.view, slot: &worker.responseHeadSlot) {
        case .incomplete:
            return false
        case .interim(let consumed):
            buffer.consume(consumed)
            return parseHead(buffer)
        case .failed(let f):
            done(failure: "\(f.reason) while updating the cache in the background")
            return false
        case .head(let resp, let consumed), .upgrade(let resp, let consumed):
            buffer.consume(consumed)
            answered = true
            if cache.refreshedByNotModified(resp) {
                done(failure: nil)
                return false
            }
            cache.responseStarted(resp)
            if tx.state != .body { finished(); return false }
            return true
        }
    }

    /// The cache sink: the piece goes into the entry being filled.
    func upstreamBody(_ piece: ByteView) { cache.bodyPiece(piece) }

    private func consumeBody(_ buffer: IOBuffer) {
        defer { logStderr() }
        switch tx.receiveBody(buffer.view, to: self) {
        case .more(let consumed):
            buffer.consume(consumed)
        case .ended:
            buffer.clear()
            finished()
        case .failed:
            done(failure: "upstream sent invalid chunked response while updating the cache in the background")
        }
    }

    /// FastCGI: what the application wrote to FCGI_STDERR, logged as the exchange logs it (and not kept).
    private func logStderr() {
        for line in tx.takeStderrLines() { cache.log("\(line) while updating the cache in the background") }
    }

    private func finished() {
        cache.bodyComplete()
        done(failure: nil)
    }

    /// Ends the update: the connection closed, the server's outcome reported, the unfinished entry (if any)
    /// discarded and the update lock released; this object goes once the current callback has unwound.
    private func done(failure: String?, peerFailed: Bool = true) {
        guard !ended else { return }
        ended = true
        if let message = failure { cache.log(message) }
        conn?.close()
        conn = nil
        if let p = peer {
            peers?.release(p, failure == nil || !peerFailed || answered ? .ok : .failed, now: worker.now())
            peer = nil
        }
        cache.finish()
        if let f = whenEnded {
            whenEnded = nil
            f()
        }
        let t = Watcher.timer(loop: worker.loop) { [unowned self] in
            let me = self.running
            self.running = nil
            _ = me
        }
        reaper = t
        t.fireSoon()
    }
}

extension CacheBackgroundUpdate: DNSResolveWaiter {
    func nameResolved(_ answer: ResolverCache.Answer, turn: Int) {
        guard let (name, port) = resolving, !ended else { return }
        switch answer {
        case .addresses(let list):
            let bytes = list[turn % list.count]
            connect(SocketAddress(family: bytes.count == 4 ? .v4 : .v6, bytes: bytes, port: port))
        case .failed(let code):
            done(failure: "\(String(decoding: name, as: UTF8.self)) could not be resolved (\(code): \(DNSFailure.text(code)))"
                 + " while updating the cache in the background")
        }
    }
}
