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

/// Idle keep-alive connections per upstream address, per worker (nginx's `keepalive N` cache): no locks,
/// and keyed by address so connections survive a reload for servers that stay.
final class UpstreamPool {
    private var idle: [SocketAddress: [UpstreamConnection]] = [:]
    let loop: Loop

    init(loop: Loop) { self.loop = loop }

    /// A pooled connection to `address`, most recently used first (warmest), if any.
    func take(_ address: SocketAddress) -> UpstreamConnection? {
        guard var list = idle[address], let c = list.popLast() else { return nil }
        idle[address] = list
        c.pooled = false
        c.reader.disarm()
        return c
    }

    /// Keeps `c` for reuse, at most `limit` per address (the oldest is closed beyond that).
    func put(_ c: UpstreamConnection, limit: Int, timeoutMillis: Int) {
        c.owner = nil
        c.pooled = true
        c.writer.disarm()
        c.buffer.clear()
        if c.buffer.hasStorage { c.buffer.release() }
        var list = idle[c.address, default: []]
        if list.count >= limit, !list.isEmpty { list.removeFirst().close() }
        list.append(c)
        idle[c.address] = list
        c.reader.arm(timeoutMillis: timeoutMillis)
    }

    /// The server spoke (or closed) on an idle connection, or it idled out: it cannot be reused.
    func idleEvent(_ c: UpstreamConnection) {
        guard var list = idle[c.address], let i = list.firstIndex(where: { $0 === c }) else { c.close(); return }
        list.remove(at: i)
        idle[c.address] = list
        c.close()
    }

    func closeAll() {
        for (_, list) in idle { for c in list { c.close() } }
        idle.removeAll()
    }
}
