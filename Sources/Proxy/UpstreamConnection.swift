import EventLoop

/// A TCP connection to one upstream server. While an exchange uses it, events go to that exchange; while it
/// sits in the worker's keep-alive pool, any readable event (the server closed it, or sent garbage) or the
/// idle timeout closes it.
final class UpstreamConnection {
    let fd: Int32
    let address: SocketAddress
    let buffer: IOBuffer
    private(set) var reader: Watcher!
    private(set) var writer: Watcher!
    weak var owner: ProxyExchange?
    var requestsServed = 0
    var pooled = false
    var group = ""
    private unowned let pool: UpstreamPool

    init(fd: Int32, address: SocketAddress, bufferSize: Int, loop: Loop, pool: UpstreamPool) {
        self.fd = fd
        self.address = address
        self.buffer = IOBuffer(initialCapacity: bufferSize)
        self.pool = pool
        reader = Watcher(loop: loop, fd: fd, events: .read) { [unowned self] ev in
            if let o = self.owner { o.upstreamReadable(ev) } else { self.pool.idleEvent(self) }
        }
        writer = Watcher(loop: loop, fd: fd, events: .write) { [unowned self] ev in self.owner?.upstreamWritable(ev) }
    }

    private var closed = false

    /// Closes once: a second close could hit a descriptor number another connection reused.
    func close() {
        if closed { return }
        closed = true
        reader.disarm(); writer.disarm()
        Syscall.close(fd)
    }
}

/// Idle keep-alive connections per upstream block, per worker (nginx's `keepalive N`: at most N idle
/// connections for the whole upstream, in each worker). No locks; keyed by upstream name so connections
/// survive a reload for upstreams that stay. Groups hold at most N entries, so the linear scans are short.
final class UpstreamPool {
    private var idle: [String: [UpstreamConnection]] = [:]
    let loop: Loop

    init(loop: Loop) { self.loop = loop }

    /// The most recently pooled (warmest) idle connection of `group` to `address`, if any.
    /// Its read watcher stays registered (the caller re-arms it with its own timeout, which only moves the
    /// timer): dropping and re-adding it would cost two `epoll_ctl` calls per proxied request.
    func take(_ address: SocketAddress, group: String) -> UpstreamConnection? {
        guard let i = idle[group]?.lastIndex(where: { $0.address == address }) else { return nil }
        let c = idle[group]!.remove(at: i)
        c.pooled = false
        return c
    }

    /// Keeps `c` for reuse; beyond `limit` idle connections in the group the oldest is closed.
    /// The connection keeps its read buffer: the next request would allocate the same again.
    func put(_ c: UpstreamConnection, group: String, limit: Int, timeoutMillis: Int) {
        c.owner = nil
        c.pooled = true
        c.group = group
        c.writer.disarm()
        c.buffer.clear()
        idle[group, default: []].append(c)
        if idle[group]!.count > limit { idle[group]!.removeFirst().close() }
        c.reader.arm(timeoutMillis: timeoutMillis)
    }

    /// The server spoke (or closed) on an idle connection, or it idled out: it cannot be reused.
    func idleEvent(_ c: UpstreamConnection) {
        if let i = idle[c.group]?.firstIndex(where: { $0 === c }) { idle[c.group]!.remove(at: i) }
        c.close()
    }

    func closeAll() {
        for (_, list) in idle { for c in list { c.close() } }
        idle.removeAll()
    }
}
