import Balancing
import EventLoop
import HTTP1

/// `proxy_cache_background_update on`: the refresh of an expired entry, run after its stale copy was sent
/// (nginx's background subrequest). It sends the request built from the client's (conditional with
/// `proxy_cache_revalidate`), reads the answer and only fills the cache through the `CacheExchange` that
/// holds the key's update lock; nothing goes to any client. One try, with the location's timeouts: a failure
/// is logged and the stale entry stays for the next request to try again.
///
///     CacheBackgroundUpdate.start(cacheExchange, request: r, proxy: proxy, upstream: up)   // then serve STALE
///
/// It keeps itself alive until done (the request that started it is gone by then).
final class CacheBackgroundUpdate {
    private let cache: CacheExchange
    private unowned let worker: Worker
    private let proxy: ProxyRuntime
    private let upstream: UpstreamRuntime?
    private var peer: PeerID?
    private let head: [UInt8]
    private var sent = 0
    private var fd: Int32 = -1
    private var reader: Watcher?
    private var writer: Watcher?
    private var reaper: Watcher?
    private var connecting = false
    private var ended = false
    private let buffer: IOBuffer
    private var parser: ResponseHeadParser
    private var response: ResponseHead?
    private var framing = BodyFraming.none
    private var remaining: Int64 = 0
    private var decoder = ChunkedDecoder(upstream: true)
    /// The reference cycle that keeps an update running; broken by `done`.
    private var running: CacheBackgroundUpdate?

    private init(cache: CacheExchange, request r: Request, proxy: ProxyRuntime, upstream: UpstreamRuntime?) {
        self.cache = cache
        worker = r.connection.worker
        self.proxy = proxy
        self.upstream = upstream
        head = cache.upstreamHead(for: r, proxy: proxy)
        buffer = IOBuffer(initialCapacity: max(proxy.bufferSize, 16 * 1024))
        parser = ResponseHeadParser(limits: ParserLimits(requestLineMax: proxy.bufferSize, headerLineMax: proxy.bufferSize,
                                                         headMax: proxy.bufferSize, maxHeaders: 200))
    }

    /// Picks a server (with the client's request, while it exists) and starts the exchange.
    static func start(_ cache: CacheExchange, request r: Request, proxy: ProxyRuntime, upstream: UpstreamRuntime?) {
        let u = CacheBackgroundUpdate(cache: cache, request: r, proxy: proxy, upstream: upstream)
        let address: SocketAddress
        if let up = upstream {
            var state = PickState()
            let box = u.worker.balancer(for: up)
            guard let p = box.balancer.pick(u.worker.pickContext(for: r, upstream: up), state: &state, now: u.worker.now()) else {
                cache.log("no live upstreams while updating the cache in the background")
                return cache.finish()
            }
            u.peer = p.peer
            address = up.addresses[p.peer.index]
        } else if case .address(let a, _) = proxy.target {
            address = a
        } else {
            return cache.finish()
        }
        u.running = u
        u.connect(address)
    }

    private func connect(_ address: SocketAddress) {
        switch Socket.connect(address) {
        case .connected(let fd):
            attach(fd)
            sendHead()
        case .inProgress(let fd):
            attach(fd)
            connecting = true
            writer?.arm(timeoutMillis: proxy.connectTimeoutMillis)
        case .failed(let e):
            done(failure: "connect() failed (\(e): \(Syscall.describe(e))) while updating the cache in the background")
        }
    }

    private func attach(_ fd: Int32) {
        self.fd = fd
        let loop = worker.loop
        reader = Watcher(loop: loop, fd: fd, events: .read) { [unowned self] ev in self.readable(ev) }
        writer = Watcher(loop: loop, fd: fd, events: .write) { [unowned self] ev in self.writable(ev) }
    }

    private func writable(_ ev: IOEvents) {
        if ev.contains(.timeout) { return done(failure: "upstream timed out (110: Connection timed out) while updating the cache in the background") }
        if connecting {
            let err = Socket.pendingError(fd)
            if err != 0 { return done(failure: "connect() failed (\(err): \(Syscall.describe(err))) while updating the cache in the background") }
            connecting = false
        }
        sendHead()
    }

    private func sendHead() {
        while sent < head.count {
            let r = Syscall.write(fd, head, from: sent)
            switch r {
            case .done(let n): sent += n
            case .wouldBlock: writer?.arm(timeoutMillis: proxy.sendTimeoutMillis); return
            case .eof, .error: return done(failure: "writev() failed \(r.failureText) while updating the cache in the background")
            }
        }
        writer?.disarm()
        reader?.arm(timeoutMillis: proxy.readTimeoutMillis)
    }

    private func readable(_ ev: IOEvents) {
        if ev.contains(.timeout) { return done(failure: "upstream timed out (110: Connection timed out) while updating the cache in the background") }
        switch buffer.read(from: fd, chunk: max(proxy.bufferSize, 16 * 1024)) {
        case .done: break
        case .wouldBlock: return
        case .eof:
            if response != nil && framing == .untilClose { return finished() }
            return done(failure: "upstream prematurely closed connection while updating the cache in the background")
        case .error(let e):
            return done(failure: "recv() failed (\(e): \(Syscall.describe(e))) while updating the cache in the background")
        }
        if response == nil && !parseHead() { return }
        consumeBody()
    }

    /// False while the head is incomplete or once the update ended.
    private func parseHead() -> Bool {
        switch parser.parse(buffer.view) {
        case .incomplete:
            if buffer.readableCount >= proxy.bufferSize {
                done(failure: "upstream sent too big header while updating the cache in the background")
            }
            return false
        case .failed(let e):
            done(failure: "\(e.reason) while updating the cache in the background")
            return false
        case .complete(let resp, let consumed):
            buffer.consume(consumed)
            parser.reset()
            if resp.status >= 100 && resp.status < 200 { return parseHead() }   // interim 1xx
            response = resp
            if cache.refreshedByNotModified(resp) {
                done(failure: nil)
                return false
            }
            cache.responseStarted(resp)
            framing = resp.bodyFraming(requestMethod: .get)
            switch framing {
            case .none: finished(); return false
            case .length(let n): remaining = n
            default: break
            }
            return true
        }
    }

    private func consumeBody() {
        let chunk = buffer.view
        switch framing {
        case .length:
            let n = Int(min(Int64(chunk.count), remaining))
            cache.bodyPiece(buffer.view(prefix: n))
            buffer.consume(chunk.count)
            remaining -= Int64(n)
            if remaining == 0 { return finished() }
        case .untilClose:
            cache.bodyPiece(chunk)
            buffer.consume(chunk.count)
        case .chunked:
            do {
                let (consumed, end) = try decoder.decode(chunk) { piece in self.cache.bodyPiece(piece) }
                buffer.consume(consumed)
                if end { return finished() }
            } catch {
                return done(failure: "upstream sent invalid chunked response while updating the cache in the background")
            }
        case .none:
            return finished()
        }
    }

    private func finished() {
        cache.bodyComplete()
        done(failure: nil)
    }

    /// Ends the update: the connection closed, the server's outcome reported, the unfinished entry (if any)
    /// discarded and the update lock released; this object goes once the current callback has unwound.
    private func done(failure: String?) {
        guard !ended else { return }
        ended = true
        if let message = failure { cache.log(message) }
        reader?.disarm()
        writer?.disarm()
        if fd >= 0 { Syscall.close(fd); fd = -1 }
        if let up = upstream, let p = peer {
            worker.balancer(for: up).release(p, failure == nil ? .ok : .failed, now: worker.now())
            peer = nil
        }
        cache.finish()
        let t = Watcher.timer(loop: worker.loop) { [unowned self] in
            let me = self.running
            self.running = nil
            _ = me
        }
        reaper = t
        t.arm(exactMillis: 0)
    }
}
