import Config
import Balancing
import EventLoop
import Glibc
import HTTP1
import Synchronization

/// A listening socket and the configuration it serves, handed from the master to each worker. `shared`: every
/// worker watches this descriptor (no `reuseport`), so only one of them should be woken per connection.
struct ListenSocket: @unchecked Sendable {
    let fd: Int32
    let listen: ListenRuntime
    let shared: Bool
}

/// A balancer instance owned by one worker (balancers are value types with per-worker rotation state; the
/// peers' health is shared through `PeerHealth`). Boxed so `pick`/`release` mutate it in place.
final class BalancerBox {
    var balancer: any Balancer
    /// Held so the upstream outlives its table entry: the table is keyed by object identity, and a freed
    /// upstream's address reused by a later reload's upstream must not find this balancer.
    let upstream: UpstreamRuntime
    /// The version of the upstream's servers the balancer was made from: its picks index these arrays.
    let set: ServerSet
    init(_ b: any Balancer, set: ServerSet, for up: UpstreamRuntime) { balancer = b; self.set = set; upstream = up }
    func release(_ p: PeerID, _ outcome: PeerOutcome, now: Instant) { balancer.release(p, outcome, now: now) }
}

/// One worker thread: its loop, the listeners it accepts on, its connections, upstream keep-alive pool and
/// balancers. Everything here is touched only on the worker's own thread; the master talks to it through
/// `mailbox`.
final class Worker {
    let index: Int
    let loop = Loop()
    let mailbox: Mailbox
    private(set) var runtime: Runtime
    let stats: SharedStats
    /// auth_basic's user files, parsed once per change.
    let htpasswd = HtpasswdCache()
    let pool: UpstreamPool
    /// Where a corked client collects a response's first bytes (see `ClientConnection.cork`); one per worker
    /// because only one client is corked at a time, within one event callback.
    let corkBuffer = IOBuffer(initialCapacity: ClientConnection.corkLimit)
    let clock = LogClock()
    /// A static file's Content-Type and Last-Modified text, reused while they stay the same (StaticHeadMemo.swift).
    let staticMemo = StaticHeadMemo()
    /// Small static files' descriptors kept between requests, checked by `stat` each time.
    let openFiles = OpenFileMemo()
    /// The start value and sequences of the visitor ids `userid` makes (UserIDFilter.swift).
    var userIDs: UserIDSequence
    /// The storage the next request and upstream response heads reuse once their last ones are dropped
    /// (`RequestHeadSlot`): a head costs no allocation on a worker that finishes one request before the next.
    var requestHeadSlot = RequestHeadSlot()
    var responseHeadSlot = ResponseHeadSlot()
    /// Client input buffers between requests (BufferShelf.swift), sized for the current runtime's first read.
    private var inputShelf: BufferShelf?

    /// The shelf for a new connection's input buffer under `runtime`: made again when a reload changes
    /// `client_header_buffer_size` (buffers of the old size then free as before).
    func inputShelf(for runtime: Runtime) -> BufferShelf {
        let size = IOBuffer.firstCapacity(initialCapacity: runtime.clientHeaderBufferSize,
                                          reserving: ClientConnection.readChunk(runtime))
        if let s = inputShelf, s.blockSize == size { return s }
        let s = BufferShelf(blockSize: size, limit: 64)
        inputShelf = s
        return s
    }
    /// Relay buffers of upgraded connections (Tunnel.swift): an idle tunnel gives its buffers back after each
    /// message, and the next message takes one from here instead of malloc.
    private var tunnelShelf: BufferShelf?

    /// The shelf for tunnel buffers of `size` bytes: made again when a reload changes the size.
    func tunnelShelf(size: Int) -> BufferShelf {
        if let s = tunnelShelf, s.blockSize == size { return s }
        let s = BufferShelf(blockSize: size, limit: 64)
        tunnelShelf = s
        return s
    }
    private(set) var accessLog: AccessLogWriter
    /// Writers for requests that started before a reload and end after it: they log to the files of the
    /// configuration they started on (a sink's file index means nothing in another runtime). Made on demand,
    /// flushed and dropped every second, so an old runtime is not kept alive by its logs.
    private var retiredLogs: [(runtime: Runtime, writer: AccessLogWriter)] = []
    /// The current runtime's listeners by address, so a kept-alive connection routes with the reloaded
    /// virtual hosts at its next request.
    private var listensByAddress: [SocketAddress: ListenRuntime] = [:]
    private var connections: [Int32: ClientConnection] = [:]
    private var acceptors: [(watcher: Watcher, socket: ListenSocket)] = []
    /// Re-arms the acceptors after a pause for want of descriptors (`pauseAccepting`); made on first use.
    private var acceptResume: Watcher?
    /// The second of the last "worker_connections are not enough" warning (`makeRoom`).
    private var lastReuseWarning = -1
    private var mailboxWatcher: Watcher?
    private var balancers: [ObjectIdentifier: BalancerBox] = [:]
    /// How many upstreams this worker holds a balancer for (the current runtime's only, after a reload).
    var balancerCount: Int { balancers.count }
    private(set) var isShuttingDown = false
    private var onIdle: (() -> Void)?
    private var finished = false
    private var flushTimer: Watcher?
    /// Connections between keep-alive requests, and connections whose request head is due, each oldest first:
    /// out of slots, the worker closes idle ones first, then the oldest incomplete heads (`makeRoom`).
    private let idleQueue = WaitQueue()
    private var heads: HeadWaitQueues!
    /// Worker 0 runs the current runtime's health checks: one prober for the whole process (HealthProber.swift).
    private var prober: HealthProber?
    /// `share=memcached://…`: this worker's client per node list (MemcachedClient.swift).
    private var memcachedClients: [ObjectIdentifier: MemcachedClient] = [:]
    /// `resolver`: this worker's DNS client per resolver setting (DNSResolver.swift). After a reload the old
    /// ones are retired: still used by requests of the old configuration, closed once nothing is pending.
    private var resolvers: [ObjectIdentifier: DNSResolver] = [:]
    private var retiredResolvers: [DNSResolver] = []
    /// OCSP requests (ssl_ocsp, ssl_stapling), made on first use.
    private(set) lazy var ocspFetcher = OCSPFetcher(worker: self)

    init(index: Int, runtime: Runtime, sockets: [ListenSocket], stats: SharedStats, mailbox: Mailbox) {
        self.index = index
        self.runtime = runtime
        self.userIDs = UserIDSequence(workerIndex: index)
        self.stats = stats
        self.mailbox = mailbox
        self.pool = UpstreamPool(loop: loop)
        self.accessLog = AccessLogWriter(files: runtime.accessLogFiles, caches: runtime.logFileCaches, errorLog: runtime.errorLog)
        listensByAddress = Self.listens(of: runtime)
        listen(on: sockets)
        mailboxWatcher = mailbox.attach(to: loop)
        reaper = Watcher.timer(loop: loop) { [unowned self] in
            self.graveyard.removeAll()
        }
        flushTimer = Watcher.timer(loop: loop) { [unowned self] in self.periodic() }
        flushTimer?.arm(exactMillis: 1000)
        heads = HeadWaitQueues(loop: loop)
        startProber()
    }

    /// Worker 0's prober for `runtime`'s health checks (none without `health_check`).
    private func startProber() {
        prober?.stop()
        prober = index == 0 && !runtime.healthChecks.isEmpty ? HealthProber(runtime: runtime, loop: loop, pool: pool) : nil
    }

    func run() { loop.run() }

    // MARK: - Accepting

    private func listen(on sockets: [ListenSocket]) {
        for a in acceptors { a.watcher.disarm() }
        acceptResume?.disarm()
        acceptors = sockets.map { s in
            (Watcher(loop: loop, fd: s.fd, events: .read) { [unowned self] _ in self.accept(s) }, s)
        }
        armAcceptors()
    }

    private func armAcceptors() {
        // A descriptor every worker watches wakes one of them per connection (EPOLLEXCLUSIVE); a reuseport
        // socket is this worker's own.
        for (w, s) in acceptors {
            if s.shared { ExclusiveAccept.arm(w, fd: s.fd, loop: loop) } else { w.arm() }
        }
    }

    /// Out of descriptors (EMFILE, ENFILE): a listener with a connection waiting stays readable, so accepting
    /// again at once would spin, logging each failure. As nginx does, this worker stops accepting for 500 ms
    /// (its accept_mutex_delay default); connections wait in the backlog meanwhile, as descriptors free up.
    private func pauseAccepting() {
        for a in acceptors { a.watcher.disarm() }
        if acceptResume == nil {
            acceptResume = Watcher.timer(loop: loop) { [unowned self] in
                if !self.isShuttingDown { self.armAcceptors() }
            }
        }
        acceptResume?.arm(exactMillis: 500)
    }

    private func accept(_ s: ListenSocket) {
        // nginx's rule: one connection per wake-up (the listener stays readable while more wait, so the next
        // loop pass takes the next one), and no accept4 that can only say EAGAIN; with `multi_accept on`, every
        // pending one, in a bounded batch so one busy listener cannot starve the connections.
        for _ in 0..<(runtime.multiAccept ? 64 : 1) {
            switch Socket.accept(s.fd) {
            case .accepted(let fd, let peer):
                stats.accepted.add(1, ordering: .relaxed)
                if connections.count >= runtime.workerConnections && !makeRoom() {
                    log(.alert, "\(runtime.workerConnections) worker_connections are not enough", 0)
                    Syscall.close(fd)
                    continue
                }
                // tcp_nodelay on (nginx's default): a head and body written separately must not wait for
                // the client's delayed ACK (40 ms per keep-alive request otherwise).
                Socket.setNoDelay(fd)
                stats.handled.add(1, ordering: .relaxed)
                stats.active.add(1, ordering: .relaxed)
                let id = stats.nextConnectionID.add(1, ordering: .relaxed).newValue
                // nginx's debug line; the thread id in the line's prefix names the worker that accepted.
                if runtime.errorLog.enabled(.debug) { log(.debug, "accept: \(peer) fd:\(fd)", id) }
                // A wildcard socket that serves other addresses of its port: the local address picks whose
                // servers, ssl and proxy_protocol the connection gets, before anything is read (nginx's
                // getsockname() in ngx_http_init_connection). Any other socket's connections skip this.
                let local = s.listen.sharers.isEmpty ? nil : Socket.localAddress(fd)
                connections[fd] = ClientConnection(worker: self, fd: fd, peer: peer,
                                                   listen: local.map { s.listen.serving(local: $0) } ?? s.listen,
                                                   id: id, local: local)
            case .wouldBlock:
                return
            case .failed(let e):
                if e == EMFILE || e == ENFILE {
                    log(.crit, "accept4() failed (\(e): \(Syscall.describe(e)))", 0)
                    pauseAccepting()
                }
                return
            }
        }
    }

    /// Frees a slot for a new connection: closes the longest-idle keep-alive connection (nginx does), else the
    /// connection whose request head has been due longest (a slow or stalled client: nginx keeps those, and a
    /// slowloris then starves every new client). False when every slot is busy with a request.
    /// Each time, as nginx, a warning at most once a second: worker_connections is too small for the load.
    private func makeRoom() -> Bool {
        guard let victim = idleQueue.first ?? heads.oldest else { return false }
        let second = Int(Clock.eventNanos() / 1_000_000_000)
        if second != lastReuseWarning {
            lastReuseWarning = second
            log(.warn, "\(runtime.workerConnections) worker_connections are not enough, reusing connections", 0)
        }
        victim.evict()
        return true
    }

    /// Moves `c` to the wait queue `kind` (out of any, for `.none`); joining `.head` starts its head deadline.
    func wait(_ c: ClientConnection, _ kind: ClientConnection.Waiting) {
        if c.waiting == kind { return }
        switch c.waiting {
        case .idle: idleQueue.remove(c)
        case .head: heads.remove(c)
        case .none: break
        }
        c.waiting = kind
        switch kind {
        case .idle: idleQueue.append(c, since: 0)
        case .head: heads.append(c, now: Clock.eventNanos())
        case .none: break
        }
    }

    /// Closed connections live until the event that closed them has unwound: code further up that callback's
    /// stack (an exchange streaming a body, a gzip loop) may still hold unowned references to them.
    private var graveyard: [ClientConnection] = []
    private var reaper: Watcher!

    /// Requests of idle connections, reset, for the next request of any connection (bounded: memory of idle
    /// clients stays with nobody).
    private var spareRequests: [Request] = []
    /// Requests given back while something still held them: a proxied request comes back while its exchange
    /// is still unwinding (it lives until the event that finished the response returns). Reset and reused once
    /// nothing else holds them, so keep-alive traffic allocates no request and keeps its buffers' capacity.
    private var returningRequests: [Request] = []
    var hasReturningRequests: Bool { !returningRequests.isEmpty }

    func request(for c: ClientConnection) -> Request {
        if !returningRequests.isEmpty { settleReturningRequests() }
        if let r = spareRequests.popLast() {
            r.connection = c
            r.sink = c
            return r
        }
        return Request(connection: c)
    }

    /// Resets the requests given back whose holders have let go, and keeps them spare. A connection calls this
    /// before it parses a head: the event that finished the last response has unwound by then, so the head
    /// that request held is free, and the new head reuses its storage (`RequestHeadSlot`).
    func settleReturningRequests() {
        while var r = returningRequests.popLast() {
            guard isKnownUniquelyReferenced(&r) else { continue }   // still held (a background fetch): not ours
            r.reset()
            if spareRequests.count < 64 { spareRequests.append(r) }
        }
    }

    /// `stillHeld`: something besides the caller holds `r` (its exchange, unwinding): reset it later, not now.
    func recycle(_ r: Request, stillHeld: Bool) {
        if !stillHeld {
            r.reset()
            if spareRequests.count < 64 { spareRequests.append(r) }
        } else if returningRequests.count < 64 {
            returningRequests.append(r)
        }
    }

    func connectionClosed(_ c: ClientConnection) {
        if connections.removeValue(forKey: c.fd) != nil {
            stats.active.subtract(1, ordering: .relaxed)
            c.releaseSocket()
            graveyard.append(c)
            reaper.fireSoon()
        }
        if isShuttingDown && connections.isEmpty { onIdle?() }
    }

    // MARK: - Reload and stop (called through the mailbox, on this thread)

    /// A new configuration: new requests use it; requests in flight finish on the one they started with, and
    /// a kept-alive connection moves to it at its next request (`ClientConnection.begin`).
    func adopt(_ new: Runtime, sockets: [ListenSocket]) {
        guard !isShuttingDown else { return }
        runtime = new
        staticMemo.clear()
        openFiles.clear()
        balancers.removeAll()
        lastBalancer = nil
        accessLog.flush()
        accessLog = AccessLogWriter(files: new.accessLogFiles, caches: new.logFileCaches, errorLog: new.errorLog)
        listensByAddress = Self.listens(of: new)
        listen(on: sockets)
        heads.prune()
        closeUnusedMemcachedClients()
        retiredResolvers.append(contentsOf: resolvers.values)
        resolvers.removeAll()
        startProber()
    }

    /// The current configuration's listener for a connection that came in through `old` (`old` itself when the
    /// address is gone from the configuration: the connection finishes under the configuration it came in on).
    /// A connection through a wildcard's socket gets what a new one to its local address would: the address a
    /// reload added beside the wildcard, or the wildcard's own servers when it dropped the address.
    func listen(replacing old: ListenRuntime, local: () -> SocketAddress) -> ListenRuntime {
        if let socket = listensByAddress[old.socketAddress] {
            return socket.sharers.isEmpty ? socket : socket.serving(local: local())
        }
        return listensByAddress[old.address] ?? old
    }

    /// Every address's listener: those with sockets and those served through a wildcard's socket (`sharers`).
    private static func listens(of rt: Runtime) -> [SocketAddress: ListenRuntime] {
        Dictionary(rt.listens.flatMap { [$0] + $0.sharers }.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Stops accepting and, graceful, closes idle connections now and lets busy ones finish; fast, closes every
    /// connection. `stoppedAccepting` runs once the listeners are no longer watched (the master may close
    /// them); `done` once the loop has ended its work. A fast stop after a graceful one only closes what is
    /// left: the callbacks of the first call stand.
    func beginShutdown(graceful: Bool, stoppedAccepting: () -> Void, done: @escaping () -> Void) {
        if isShuttingDown {
            if !graceful { forceClose() }
            return
        }
        isShuttingDown = true
        prober?.stop()
        for a in acceptors { a.watcher.disarm() }
        acceptors.removeAll()
        acceptResume?.disarm()
        stoppedAccepting()
        onIdle = { [unowned self] in
            self.finish()
            done()
        }
        if !graceful {
            for c in Array(connections.values) { c.close() }
        } else {
            for c in Array(connections.values) {
                c.keepAliveAfterResponse = false   // a response not yet begun says `Connection: close` (nginx)
                c.closeIfIdle()
            }
        }
        if connections.isEmpty { onIdle?() }
    }

    /// Fast stop after the shutdown timeout: close whatever is left.
    func forceClose() {
        for c in Array(connections.values) { c.close() }
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        onIdle = nil
        flushRetiredLogs()
        accessLog.flush()
        pool.closeAll()
        openFiles.clear()
        for c in memcachedClients.values { c.close() }
        memcachedClients.removeAll()
        for r in resolvers.values { r.close() }
        for r in retiredResolvers { r.close() }
        resolvers.removeAll()
        retiredResolvers.removeAll()
        flushTimer?.disarm()
        heads.stop()
        mailboxWatcher?.disarm()
        loop.stop()
    }

    private func periodic() {
        openFiles.sweep()
        flushRetiredLogs()
        accessLog.flush()
        for c in memcachedClients.values { c.sendPendingWrites() }
        if !retiredResolvers.isEmpty {
            for r in retiredResolvers where r.isIdle { r.close() }
            retiredResolvers.removeAll { $0.isIdle }
        }
        flushTimer?.arm(exactMillis: 1000)
    }

    private func flushRetiredLogs() {
        for r in retiredLogs { r.writer.flush() }
        retiredLogs.removeAll()
    }

    /// Before the master reopens the files (SIGUSR1): buffered lines belong in the old files.
    func flushLogs() {
        flushRetiredLogs()
        accessLog.flush()
        accessLog.closeCachedFiles()
    }

    // MARK: - Services for connections

    func log(_ level: LogLevel, _ message: @autoclosure () -> String, _ connection: UInt64) {
        runtime.errorLog.log(level, message(), connection: connection)
    }

    /// Logs with the configuration the request started on (its connection's runtime).
    func logAccess(_ r: Request) {
        stats.countResponse(r.status)
        guard let loc = r.location, !loc.accessLogs.isEmpty else { return }
        let writer = r.connection.runtime === runtime ? accessLog : retiredWriter(for: r.connection.runtime)
        for sink in loc.accessLogs { writer.write(r, sink: sink) }
    }

    private func retiredWriter(for rt: Runtime) -> AccessLogWriter {
        if let r = retiredLogs.first(where: { $0.runtime === rt }) { return r.writer }
        let w = AccessLogWriter(files: rt.accessLogFiles, caches: rt.logFileCaches, errorLog: rt.errorLog)
        retiredLogs.append((rt, w))
        return w
    }

    func now() -> Instant { Instant(nanoseconds: Clock.eventNanos()) }

    /// This worker's memcached client for `shared`'s node list, made on first use.
    func memcached(_ shared: SharedRoutes) -> MemcachedClient {
        let key = ObjectIdentifier(shared.share.nodes)
        if let c = memcachedClients[key] { return c }
        let c = MemcachedClient(nodes: shared.share.nodes, addresses: shared.addresses, worker: self)
        memcachedClients[key] = c
        return c
    }

    /// This worker's DNS client for a location's `resolver`, made on first use (a request of the configuration
    /// before a reload keeps using its retired one).
    func resolver(for config: ResolverRuntime) -> DNSResolver {
        if let r = resolvers[ObjectIdentifier(config)] { return r }
        if let r = retiredResolvers.first(where: { $0.config === config }) { return r }
        let r = DNSResolver(config: config, worker: self)
        resolvers[ObjectIdentifier(config)] = r
        return r
    }

    /// After a reload: clients of node lists the configuration no longer names close (their lookups end now).
    private func closeUnusedMemcachedClients() {
        guard !memcachedClients.isEmpty else { return }
        let used = Set(runtime.upstreams.compactMap { $0.policy.share.map { ObjectIdentifier($0.share.nodes) } })
        for (key, c) in memcachedClients where !used.contains(key) {
            c.close()
            memcachedClients[key] = nil
        }
    }

    /// The balancer of a current upstream (`UpstreamPeers` asks once per request and keeps the box: an
    /// in-flight request never comes back here, so a reload's cleared table gets no box for a retired upstream).
    /// One atomic load tells whether the runtime API published a new version of the servers since the box was
    /// made; only then is the version's lock taken, once per worker, to make a balancer for it.
    func balancer(for up: UpstreamRuntime) -> BalancerBox {
        let key = ObjectIdentifier(up)
        let version = up.servers.version.load(ordering: .acquiring)
        if let last = lastBalancer, last.key == key, last.box.set.version == version { return last.box }
        let b: BalancerBox
        if let found = balancers[key], found.set.version == version {
            b = found
        } else {
            let set = up.current
            b = BalancerBox(set.policy.makeBalancer(), set: set, for: up)
            balancers[key] = b
        }
        lastBalancer = (key, b)
        return b
    }

    /// The box asked for last (a worker mostly serves one upstream block): compared before the table is hashed.
    /// Cleared with the table.
    private var lastBalancer: (key: ObjectIdentifier, box: BalancerBox)?
}
