import Config
import EventLoop
import Glibc

/// An upgraded connection (a `101 Switching Protocols` to a request that asked for it): bytes flow both ways
/// between the client and the upstream until both sides have closed, as nginx's upgraded upstream does.
/// `TunnelMachine` decides; this class does the reads, writes and waiting on the worker's loop.
///
/// The client connection's own buffers carry the flows: its output (which may still hold the 101 head) is the
/// downstream buffer, its input (bytes the client sent after the request head) the upstream one. Timeouts are
/// nginx's: no byte either way for `proxy_read_timeout` ends the tunnel (any activity restarts the clock), and
/// a sink that takes nothing for `proxy_send_timeout` (upstream) or `send_timeout` (client) ends it.
final class Tunnel {
    /// The connection owns the tunnel (`ClientConnection.tunnel`), so this reference cannot outlive it.
    private unowned let client: ClientConnection
    private let upstream: UpstreamConnection
    private let request: Request
    /// The request's try at `upstream` (`request.tries`), whose `$upstream_bytes_sent`/`_received` count the
    /// relayed bytes as they move and whose `$upstream_response_time` is the tunnel's lifetime, measured from
    /// `tryStart` (the try's start, as nginx measures from its upstream request's start).
    private let tryIndex: Int
    private let tryStart: UInt64
    private var machine: TunnelMachine
    private let idleMillis: Int
    private let upstreamSendMillis: Int
    private let clientSendMillis: Int
    /// Gives the peer back to the balancer: it counts as busy (least_conn, max_conns) while the tunnel is open.
    private var onClose: (() -> Void)?
    /// `let`s, made before `self` exists (their handlers reach it through a `Link`): a `var` watcher costs a
    /// retain and a release at every call on it, and `wait` arms the idle timer after every message.
    private let clientReader: Watcher
    private let clientWriter: Watcher
    private let upstreamReader: Watcher
    private let upstreamWriter: Watcher
    private let idleTimer: Watcher
    /// At most this many reads and writes per callback, so one busy tunnel cannot starve the worker's others.
    private static let budget = 32

    /// Bytes at the front of the downstream buffer counted already, and the 101 head's bytes not yet written:
    /// `$bytes_sent` counts what was written, `$body_bytes_sent` what followed the head (as nginx counts them).
    private var alreadyCounted = 0
    private var headLeft = 0

    /// The flows' buffers (the client's output and input) and the client's socket, held here: reading them
    /// through the unowned `client` costs a strong retain and a release at every use, several per message.
    private let down: IOBuffer
    private let up: IOBuffer
    private let clientTransport: Transport
    private let upstreamTransport: Transport
    /// Each flow's buffer goes back after every message (`wait`); taking it from a shelf of the size a read
    /// grows it to keeps that from being a malloc and a free per message.
    private let shelf: BufferShelf
    /// The shelf's scratch block: a flow with nothing buffered reads into it and writes from it at once
    /// (`relay`), so a message the sink takes whole never touches the flow's own buffer or the shelf.
    private let scratch: IOBuffer

    /// Switches `client` to a tunnel with `upstream`; `head` is the 101 head for the client. The upstream bytes
    /// read past the 101 head and the client bytes read past the request head are relayed first.
    @discardableResult
    static func start(client: ClientConnection, upstream: UpstreamConnection, head: [UInt8], request: Request,
                      tryStart: UInt64, proxy: ProxyRuntime, onClose: @escaping () -> Void) -> Tunnel {
        let t = Tunnel(client: client, upstream: upstream, head: head, request: request, tryStart: tryStart,
                       proxy: proxy, onClose: onClose)
        client.handOver(to: t)
        t.run()
        return t
    }

    private init(client: ClientConnection, upstream: UpstreamConnection, head: [UInt8], request: Request,
                 tryStart: UInt64, proxy: ProxyRuntime, onClose: @escaping () -> Void) {
        self.client = client
        down = client.output
        up = client.input
        clientTransport = client.transport
        upstreamTransport = upstream.transport
        self.upstream = upstream
        self.request = request
        precondition(!request.tries.isEmpty, "a tunnel starts from an upstream try")
        tryIndex = request.tries.count - 1
        self.tryStart = tryStart
        self.onClose = onClose
        idleMillis = proxy.readTimeoutMillis
        upstreamSendMillis = proxy.sendTimeoutMillis
        clientSendMillis = request.location?.sendTimeoutMillis ?? 60_000
        // The upstream's watchers answer to the exchange or the pool: the tunnel watches the socket itself.
        upstream.reader.disarm()
        upstream.writer.disarm()
        alreadyCounted = down.readableCount   // output the connection sent (and counted) before the switch
        headLeft = head.count
        down.append(head)
        if !upstream.buffer.isEmpty { down.append(upstream.buffer.view) }
        upstream.buffer.clear()
        if upstream.buffer.hasStorage { upstream.buffer.release() }
        // The upstream's bytes past the 101 head are in the try's `bytesReceived` already (counted as read); the
        // client's bytes past the request head count when written to the upstream, not in `$request_length`
        // (nginx's is the request alone).
        let limit = Self.bufferLimit(proxy)
        machine = TunnelMachine(limit: limit, pendingDown: down.readableCount, pendingUp: up.readableCount)
        shelf = client.worker.tunnelShelf(size: IOBuffer.firstCapacity(initialCapacity: down.initialCapacity, reserving: limit))
        scratch = shelf.scratch
        let loop = client.worker.loop
        // One call on the tunnel per callback: each use of an unowned reference is a checked retain and a release.
        let link = Link()
        clientReader = Watcher(loop: loop, fd: client.fd, events: .read) { _ in link.tunnel!.clientReadable() }
        clientWriter = Watcher(loop: loop, fd: client.fd, events: .write) { ev in link.tunnel!.clientWritable(ev) }
        upstreamReader = Watcher(loop: loop, fd: upstream.fd, events: .read) { _ in link.tunnel!.upstreamReadable() }
        upstreamWriter = Watcher(loop: loop, fd: upstream.fd, events: .write) { ev in link.tunnel!.upstreamWritable(ev) }
        idleTimer = Watcher.timer(loop: loop) { link.tunnel!.timedOut(.idle) }
        link.tunnel = self
    }

    /// The watchers' way to their tunnel, which owns them (so the reference is unowned), set once it exists.
    private final class Link {
        unowned var tunnel: Tunnel?
    }

    private func clientReadable() { machine.clientReadable(); run() }
    private func upstreamReadable() { machine.upstreamReadable(); run() }

    private func clientWritable(_ ev: IOEvents) {
        if ev.contains(.timeout) { return timedOut(.sendStalled(.down)) }
        machine.clientWritable(); run()
    }

    private func upstreamWritable(_ ev: IOEvents) {
        if ev.contains(.timeout) { return timedOut(.sendStalled(.up)) }
        machine.upstreamWritable(); run()
    }

    /// nginx relays an upgraded connection through one `proxy_buffer_size` buffer each way; switchyard reads
    /// upstreams in at least 16 KiB pieces (as the exchange does).
    static func bufferLimit(_ proxy: ProxyRuntime) -> Int { max(proxy.bufferSize, 16 * 1024) }

    /// Does what the machine asks until it must wait (or the budget is spent), then watches for that.
    private func run() {
        var left = Self.budget
        while left > 0 {
            left -= 1
            switch machine.next() {
            case .read(let f, let max):
                if relays(f) { relay(f, max: max); left -= 1 } else { read(f, max: max) }
            case .write(let f): write(f)
            case .shutdownWrite(let f):
                (f == .down ? clientTransport : upstreamTransport).shutdownWrite()
                machine.didShutdown(f)
            case .wait(let interest): return wait(interest)
            case .close(let e): return finish(e)
            }
        }
        wait(machine.interest)
    }

    /// Whether a read of `f` goes through the scratch block: nothing of the flow is buffered and its sink took
    /// everything so far, so the machine's next step after the read is the write of what it read.
    @inline(__always)
    private func relays(_ f: TunnelMachine.Flow) -> Bool {
        f == .down ? down.isEmpty && machine[.down].sinkReady : up.isEmpty && machine[.up].sinkReady
    }

    /// A read into the scratch block and, when bytes came, the write the machine asks for next (nothing else can
    /// come first: `next()` writes before it reads, and no other flow had bytes its sink would take). Bytes the
    /// sink did not take move to the flow's buffer, so the scratch block is empty again when this returns.
    private func relay(_ f: TunnelMachine.Flow, max: Int) {
        let r = f == .down ? upstreamTransport.read(into: scratch, chunk: max) : clientTransport.read(into: scratch, chunk: max)
        didRead(f, r, roomLeft: scratch.tail < scratch.capacity)
        guard case .done = r else { return }
        didWrite(f, f == .down ? clientTransport.write(from: scratch) : upstreamTransport.write(from: scratch))
        if !scratch.isEmpty {
            if f == .down { down.take(from: shelf); down.append(scratch.view) } else { up.take(from: shelf); up.append(scratch.view) }
            scratch.clear()
        }
        if scratch.capacity > shelf.blockSize { scratch.release() }   // a TLS read grew it past a block's size
    }

    // read and write name the fields in each branch: a local binding of a buffer or transport would be a
    // retain and a release per message.
    private func read(_ f: TunnelMachine.Flow, max: Int) {
        let r: IOResult
        if f == .down {
            down.take(from: shelf)
            r = upstreamTransport.read(into: down, chunk: max)
        } else {
            up.take(from: shelf)
            r = clientTransport.read(into: up, chunk: max)
        }
        didRead(f, r, roomLeft: f == .down ? down.tail < down.capacity : up.tail < up.capacity)
    }

    /// `roomLeft`: the read left space in the buffer, so it most likely emptied the socket.
    private func didRead(_ f: TunnelMachine.Flow, _ r: IOResult, roomLeft: Bool) {
        switch r {
        case .done(let n):
            if f == .down { request.tries[tryIndex].bytesReceived += Int64(n) }   // once per read, not per byte
            machine.didRead(f, roomLeft ? .drained(n) : .bytes(n))
        case .wouldBlock: machine.didRead(f, .wouldBlock)
        case .eof: machine.didRead(f, .end)
        case .error(let e):
            log(f == .down, "recv() failed (\(e): \(Syscall.describe(e))) while proxying upgraded connection")
            machine.didRead(f, .failed)
        }
    }

    private func write(_ f: TunnelMachine.Flow) {
        didWrite(f, f == .down ? clientTransport.write(from: down) : upstreamTransport.write(from: up))
    }

    private func didWrite(_ f: TunnelMachine.Flow, _ r: IOResult) {
        switch r {
        case .done(let n):
            if f == .down { count(written: n) } else { request.tries[tryIndex].bytesSent += Int64(n) }
            machine.didWrite(f, .wrote(n))
        case .wouldBlock: machine.didWrite(f, .wouldBlock)
        case .eof, .error:
            log(f == .up, "writev() failed \(r.failureText) while proxying upgraded connection")
            machine.didWrite(f, .failed)
        }
    }

    private func count(written n: Int) {
        var n = n
        let earlier = min(n, alreadyCounted)
        alreadyCounted -= earlier; n -= earlier
        let head = min(n, headLeft)
        headLeft -= head
        request.bytesSent += Int64(n)
    }

    /// Arms exactly the watchers the machine needs; an empty buffer gives its memory back, to the worker's
    /// tunnel shelf (at most 64 blocks) or free() (an idle tunnel holds no buffers, as an idle keep-alive
    /// connection holds none).
    private func wait(_ i: TunnelMachine.Interest) {
        set(clientReader, i.readClient, nil)
        set(upstreamReader, i.readUpstream, nil)
        set(clientWriter, i.writeClient, clientSendMillis)
        set(upstreamWriter, i.writeUpstream, upstreamSendMillis)
        idleTimer.arm(timeoutMillis: idleMillis)   // any activity moves the idle deadline (lazily, as nginx)
        if down.isEmpty && down.hasStorage { down.release(to: shelf) }
        if up.isEmpty && up.hasStorage { up.release(to: shelf) }
    }

    private func set(_ w: Watcher, _ on: Bool, _ timeout: Int?) {
        if !on { w.disarm(); return }
        if timeout != nil || !w.isArmed { w.arm(timeoutMillis: timeout) }
    }

    private func timedOut(_ e: TunnelMachine.Ending) {
        switch e {
        // Both at info, as nginx logs them on the client's connection (its log level for a connection's errors).
        case .idle, .sendStalled(.up):
            log(false, "upstream timed out (110: Connection timed out) while proxying upgraded connection")
        default:
            log(false, "client timed out (110: Connection timed out) while proxying upgraded connection")
        }
        machine.timedOut(e)
        run()
    }

    /// Closed from outside: a fast stop, or the end of `worker_shutdown_timeout`.
    func abort() {
        guard !machine.isClosed else { return }
        machine.abort()
        finish(.aborted)
    }

    private var finished = false

    /// Closes both sides once, gives the peer back, logs the request (status 101, bytes both ways, and the
    /// tunnel's lifetime as `$upstream_response_time`).
    private func finish(_ e: TunnelMachine.Ending) {
        if finished { return }
        finished = true
        for w in [clientReader, clientWriter, upstreamReader, upstreamWriter, idleTimer] { w.disarm() }
        upstream.close()
        onClose?()   // before the lifetime is set: the metrics page's response time stays the handshake's
        onClose = nil
        // nginx ends an upgraded request's upstream state when it finalizes it: the response time runs to here.
        request.tries[tryIndex].responseNanos = Clock.eventNanos() &- tryStart
        let client = self.client
        client.worker.logAccess(request)
        client.close()   // leaves the worker's table; its socket closes, and this tunnel goes with it
    }

    private func log(_ upstreamSide: Bool, _ message: String) {
        client.worker.log(upstreamSide ? .error : .info, message, client)
    }
}
