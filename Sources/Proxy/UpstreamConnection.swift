import EventLoop
import HTTP1

/// Who drives an upstream connection's transaction: a proxy exchange, or a cache background update.
protocol UpstreamConnectionOwner: AnyObject {
    func upstreamReadable(_ ev: IOEvents)
    func upstreamWritable(_ ev: IOEvents)
}

/// The Upgrade exit of an upstream transaction (see UpstreamTransaction): the upstream answered
/// `101 Switching Protocols` to a request sent with `Upgrade`. From then on `connection` and `leftover` (the
/// bytes already read past the head) belong to the sink, which relays bytes both ways and closes it; no body
/// is framed and the connection never goes back to the pool.
protocol UpstreamUpgradeSink: AnyObject {
    func upgraded(head: ResponseHead, connection: UpstreamConnection, leftover: ByteView)
}

/// A TCP connection to one upstream server. While an owner uses it, events go to that owner; while it
/// sits in the worker's keep-alive pool, any readable event (the server closed it, or sent garbage) or the
/// idle timeout closes it.
final class UpstreamConnection {
    let fd: Int32
    let address: SocketAddress
    let buffer: IOBuffer
    /// The socket, or TLS over it for `proxy_pass https://` (the handshake is the owner's, UpstreamHandshake.swift).
    var transport: Transport
    private(set) var reader: Watcher!
    private(set) var writer: Watcher!
    /// Strong, and cleared by whoever ends the use: the owner drops its `conn` when it closes or finishes with
    /// it, and the pool clears this when it takes the connection. A weak reference cost each exchange a
    /// side-table allocation and every event a weak load (about 600 instructions a proxied request).
    var owner: (any UpstreamConnectionOwner)?
    var requestsServed = 0
    /// When it was opened: upstream `keepalive_time` stops reusing it after that long.
    let openedNanos = Clock.eventNanos()
    var pooled = false
    /// The pool's trim tick when it was last pooled (UpstreamPool.trim).
    var pooledAtTick = 0
    var group = ""
    private unowned let pool: UpstreamPool

    init(fd: Int32, address: SocketAddress, bufferSize: Int, loop: Loop, pool: UpstreamPool) {
        self.fd = fd
        self.transport = Transport(fd: fd)
        self.address = address
        self.buffer = IOBuffer(initialCapacity: bufferSize)
        self.pool = pool
        reader = Watcher(loop: loop, fd: fd, events: .read) { [unowned self] ev in
            if let o = self.owner { o.upstreamReadable(ev) } else { self.pool.idleEvent(self) }
        }
        writer = Watcher(loop: loop, fd: fd, events: .write) { [unowned self] ev in self.owner?.upstreamWritable(ev) }
    }

    /// How opening a connection went: connected at once (loopback usually is), in progress (wait for
    /// writability, or just write), or failed with an errno.
    /// `bindFailed`: the socket could not take `proxy_bind`'s address.
    /// `socketFailed` and `bindFailed` are this machine's (Socket.ConnectResult), not the peer's.
    enum Opening {
        case connected(UpstreamConnection), inProgress(UpstreamConnection), failed(Int32), socketFailed(Int32), bindFailed(Int32)
    }

    /// Starts a connection to `address` for `owner`, with a read buffer of `bufferSize`.
    static func open(to address: SocketAddress, owner: some UpstreamConnectionOwner, bufferSize: Int,
                     loop: Loop, pool: UpstreamPool, options: Socket.ConnectOptions = Socket.ConnectOptions()) -> Opening {
        switch Socket.connect(address, options: options) {
        case .connected(let fd):
            let c = UpstreamConnection(fd: fd, address: address, bufferSize: bufferSize, loop: loop, pool: pool)
            c.owner = owner
            return .connected(c)
        case .inProgress(let fd):
            let c = UpstreamConnection(fd: fd, address: address, bufferSize: bufferSize, loop: loop, pool: pool)
            c.owner = owner
            return .inProgress(c)
        case .failed(let e):
            return .failed(e)
        case .socketFailed(let e):
            return .socketFailed(e)
        case .bindFailed(let e):
            return .bindFailed(e)
        }
    }

    private var closed = false

    /// Closes once: a second close could hit a descriptor number another connection reused.
    func close() {
        if closed { return }
        closed = true
        owner = nil   // nothing more to report, and no reference kept to the exchange that had it
        reader.disarm(); writer.disarm()
        transport.tls?.shutdown()
        Syscall.close(fd)
    }
}

/// Idle keep-alive connections per upstream block, per worker (nginx's `keepalive N`: at most N idle
/// connections for the whole upstream, in each worker). No locks; keyed by upstream name so connections
/// survive a reload for upstreams that stay. `take` scans from the warm end and stops at the first connection to
/// its server, a step or two with few servers; a group holds at most the last seconds' peak of busy connections.
///
/// One deliberate difference from nginx: idle connections beyond N are closed once they have stayed idle for
/// a whole trim period (one to two seconds), not at once, oldest first (HAProxy's pool purge does the same).
/// Load arrives in bursts shorter than that; nginx closes the connections one burst returns and opens new
/// ones for the next, a TCP handshake and teardown each (nginx with `keepalive 32`: 0.14-0.19 new upstream
/// connections per request at 50 clients, 0.31-0.51 at 1,000). The bound N still holds for any idle spell that
/// outlasts the period.
final class UpstreamPool {
    private final class Group {
        var idle: [UpstreamConnection] = []
        var limit = 0
    }
    private var groups: [String: Group] = [:]
    /// The group used last: most workers talk to one upstream block, and comparing a short name is cheaper than
    /// hashing it twice per request.
    private var last: (name: String, group: Group)?

    private func group(_ name: String, create: Bool) -> Group? {
        if let l = last, l.name == name { return l.group }
        var g = groups[name]
        if g == nil && create { g = Group(); groups[name] = g }
        if let g { last = (name, g) }
        return g
    }
    private var trimTimer: Watcher!
    /// How many times the trim timer has fired: a connection pooled two ticks ago has been idle a whole period.
    private var tick = 0
    static let trimPeriodMillis = 1000
    let loop: Loop

    init(loop: Loop) {
        self.loop = loop
        trimTimer = Watcher.timer(loop: loop) { [unowned self] in self.trim() }
    }

    /// The most recently pooled (warmest) idle connection of `group` to `address`, if any.
    /// Its read watcher stays registered (the caller re-arms it with its own timeout, which only moves the
    /// timer): dropping and re-adding it would cost two `epoll_ctl` calls per proxied request.
    func take(_ address: SocketAddress, group: String) -> UpstreamConnection? {
        guard let g = self.group(group, create: false), let i = g.idle.lastIndex(where: { $0.address == address }) else {
            return nil
        }
        let c = g.idle.remove(at: i)
        c.pooled = false
        return c
    }

    /// Keeps `c` for reuse; beyond `limit` idle connections in the group the oldest are closed once they have
    /// been idle a trim period. The connection keeps its read buffer: the next request would allocate the same.
    func put(_ c: UpstreamConnection, group: String, limit: Int, timeoutMillis: Int) {
        c.owner = nil
        c.pooled = true
        c.group = group
        c.writer.disarm()
        c.buffer.clear()
        let g = self.group(group, create: true)!
        g.limit = limit
        c.pooledAtTick = tick
        g.idle.append(c)
        c.reader.arm(timeoutMillis: timeoutMillis)
        if g.idle.count > limit && !trimTimer.isArmed { trimTimer.arm(exactMillis: Self.trimPeriodMillis) }
    }

    /// Closes the oldest idle connections beyond each group's limit that were pooled before the previous tick
    /// (idle for at least a period); ticks again while any group is over its limit.
    private func trim() {
        tick &+= 1
        var over = false
        for g in groups.values where g.idle.count > g.limit {
            var excess = 0
            while excess < g.idle.count - g.limit && tick &- g.idle[excess].pooledAtTick >= 2 { excess += 1 }
            for c in g.idle[..<excess] { c.close() }
            g.idle.removeFirst(excess)
            over = over || g.idle.count > g.limit
        }
        if over { trimTimer.arm(exactMillis: Self.trimPeriodMillis) }
    }

    /// The server spoke (or closed) on an idle connection, or it idled out: it cannot be reused.
    func idleEvent(_ c: UpstreamConnection) {
        // TLS: a session ticket or other record that carries no data arrives after a response; read it, and
        // keep the connection when nothing else came.
        if c.transport.tls != nil, c.buffer.isEmpty, case .wouldBlock = c.transport.read(into: c.buffer, chunk: 4096) { return }
        if let g = self.group(c.group, create: false), let i = g.idle.firstIndex(where: { $0 === c }) { g.idle.remove(at: i) }
        c.close()
    }

    func closeAll() {
        trimTimer.disarm()
        for g in groups.values { for c in g.idle { c.close() } }
        groups.removeAll()
        last = nil
    }
}
