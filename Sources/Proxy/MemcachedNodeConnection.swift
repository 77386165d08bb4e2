import Balancing
import Config
import EventLoop
import Glibc

/// One memcached node as one worker reaches it: a non-blocking connection on the worker's loop, the bytes
/// waiting to go (batched writes and lookups, in order), and the lookups awaiting their answers in order.
/// A failure (refused, closed, a reply out of step, a lookup unanswered past its deadline) closes the
/// connection and marks the node down for `retryMillis`; its lookups move on to their next node.
final class MemcachedNodeConnection {
    enum State: Equatable {
        case closed
        case connecting
        case connected
        /// Down until this monotonic time; the next use after it starts a probe connection.
        case down(untilNanos: UInt64)
    }

    let index: Int
    let address: SocketAddress
    private unowned let client: MemcachedClient
    private(set) var state = State.closed
    /// A reconnect after a failure: lookups are not sent until it succeeds.
    private var probing = false
    private var fd: Int32 = -1
    private var reader: Watcher?
    private var writer: Watcher?
    private var out: [UInt8] = []
    private var sent = 0
    private var parser = MemcachedReplyParser()
    private var awaiting: [MemcachedLookup] = []
    private var awaitingHead = 0
    private var readBuffer: [UInt8] = []
    /// When the node last sent bytes (or the connection opened): a lookup that times out marks the node down
    /// only when it has been silent for `silenceMillis` (a busy loop reading late is no dead node).
    private(set) var lastHeardNanos: UInt64 = 0

    static let retryMillis = 1000
    static let silenceMillis = 1000
    static let connectTimeoutMillis = 1000
    /// Writes queued beyond this while the node is slow are dropped (the local tables hold them).
    static let outLimit = 1 << 20

    init(index: Int, address: SocketAddress, client: MemcachedClient) {
        self.index = index
        self.address = address
        self.client = client
    }

    /// Whether a lookup sent now will be answered or fail by itself: connected, or connecting for the first
    /// time. A node down past its retry time gets a probe connection here, and takes lookups once it is up.
    func acceptsLookups(now: UInt64) -> Bool {
        switch state {
        case .connected: return true
        case .connecting: return !probing
        case .closed:
            connect(probe: false)
            return state == .connected || state == .connecting
        case .down(let until):
            if now >= until { connect(probe: true) }
            return state == .connected
        }
    }

    /// Whether queued writes can go (now or once connected); a down node's writes are dropped.
    func acceptsWrites() -> Bool {
        switch state {
        case .connected, .connecting: return true
        case .closed:
            connect(probe: false)
            return state == .connected || state == .connecting
        case .down: return false
        }
    }

    func send(_ lookup: MemcachedLookup) {
        MemcachedText.get(lookup.key, into: &out)
        awaiting.append(lookup)
        flush()
    }

    /// Queues a write; `flush` (the client's end-of-pass timer) sends it.
    func queue(_ write: RouteShare.Write, ttlSeconds: Int) {
        guard out.count < Self.outLimit else { return }
        switch write {
        case .set(let key, let value): MemcachedText.set(key, value: value, ttlSeconds: ttlSeconds, into: &out)
        case .delete(let key): MemcachedText.delete(key, into: &out)
        }
    }

    /// Whether `lookup` is still waiting for this node's answer.
    func isAwaiting(_ lookup: MemcachedLookup) -> Bool {
        awaiting[awaitingHead...].contains { $0 === lookup }
    }

    /// Sends what is queued, as far as the socket takes it.
    func flush() {
        guard state == .connected, sent < out.count else { return }
        switch Syscall.write(fd, out, from: sent) {
        case .done(let n):
            sent += n
            if sent == out.count {
                out.removeAll(keepingCapacity: out.count <= 64 * 1024)
                sent = 0
                writer?.disarm()
            } else {
                writer?.arm()
            }
        case .wouldBlock: writer?.arm()
        case .eof: fail("connection closed while sending")
        case .error(let e): fail("send() failed (\(e): \(Syscall.describe(e)))")
        }
    }

    private func connect(probe: Bool) {
        probing = probe
        client.retire(reader, writer)
        reader = nil
        writer = nil
        switch Socket.connect(address) {
        case .connected(let fd):
            watch(fd)
            connected()
        case .inProgress(let fd):
            watch(fd)
            state = .connecting
            writer?.arm(exactMillis: Self.connectTimeoutMillis)
        case .failed(let e), .socketFailed(let e), .bindFailed(let e):
            fail("connect() failed (\(e): \(Syscall.describe(e)))")
        }
    }

    private func watch(_ fd: Int32) {
        self.fd = fd
        reader = Watcher(loop: client.loop, fd: fd, events: .read) { [unowned self] _ in self.readable() }
        writer = Watcher(loop: client.loop, fd: fd, events: .write, persist: false) { [unowned self] ev in self.writable(ev) }
    }

    private func connected() {
        state = .connected
        probing = false
        lastHeardNanos = Clock.monotonicNanos()
        reader?.arm()
        if client.nodes.noteUp(index) { client.log(.notice, "memcached \(address) is reachable again") }
        flush()
    }

    private func writable(_ ev: IOEvents) {
        if state == .connecting {
            if ev.contains(.timeout) { return fail("connect() timed out") }
            let e = Socket.pendingError(fd)
            if e != 0 { return fail("connect() failed (\(e): \(Syscall.describe(e)))") }
            connected()
            return
        }
        flush()
    }

    private func readable() {
        if readBuffer.isEmpty { readBuffer = [UInt8](repeating: 0, count: 16 * 1024) }
        switch Syscall.read(fd, into: &readBuffer, count: readBuffer.count) {
        case .done(let n):
            lastHeardNanos = Clock.monotonicNanos()
            parser.feed(readBuffer[0..<n])
            deliver()
        case .wouldBlock: return
        case .eof: fail("connection closed by memcached")
        case .error(let e): fail("recv() failed (\(e): \(Syscall.describe(e)))")
        }
    }

    /// Hands each complete reply to the lookup it answers (replies come in request order).
    private func deliver() {
        while state == .connected, let reply = parser.next() {
            guard awaitingHead < awaiting.count else { return fail("a reply nobody asked for") }
            let lookup = awaiting[awaitingHead]
            awaitingHead += 1
            if awaitingHead == awaiting.count {
                awaiting.removeAll(keepingCapacity: true)
                awaitingHead = 0
            }
            switch reply {
            case .hit(let value): client.answered(lookup, value)
            case .miss: client.answered(lookup, nil)
            case .failure(let why): return fail("bad reply: \(why)")
            }
        }
    }

    /// Closes the connection, marks the node down for a while (logged once for all workers), and moves the
    /// lookups it owed to their next node.
    func fail(_ reason: String) {
        if state == .connected || state == .connecting {
            reader?.disarm()
            writer?.disarm()
            Syscall.close(fd)
            fd = -1
        }
        state = .down(untilNanos: Clock.monotonicNanos() &+ UInt64(Self.retryMillis) &* 1_000_000)
        probing = false
        out.removeAll()
        sent = 0
        parser = MemcachedReplyParser()
        let owed = Array(awaiting[awaitingHead...])
        awaiting.removeAll()
        awaitingHead = 0
        if client.nodes.noteDown(index) {
            client.log(.error, "memcached \(address) is unreachable: \(reason); shared routes stay in the local tables")
        }
        for lookup in owed { client.nodeFailed(lookup) }
    }

    /// The worker stops: closes without marking the node down.
    func close() {
        if state == .connected || state == .connecting {
            reader?.disarm()
            writer?.disarm()
            Syscall.close(fd)
            fd = -1
        }
        state = .closed
        let owed = Array(awaiting[awaitingHead...])
        awaiting.removeAll()
        awaitingHead = 0
        for lookup in owed { lookup.finish(nil) }
    }
}
