import Balancing
import EventLoop
import HTTP1

/// One health check of one server: connect, send the check's GET, read the head (and up to 256 KiB of the body
/// when the match tests it), then hand the verdict to the prober. The same UpstreamConnection and
/// UpstreamTransaction a proxied request uses (CacheBackgroundUpdate's pattern: a request with no client), never
/// pooled; bounded by the location's proxy_connect_timeout, proxy_send_timeout and proxy_read_timeout. An https
/// upstream gets the location's TLS (UpstreamHandshake.swift), with proxy_ssl_name when it is a constant.
final class HealthProbe: UpstreamConnectionOwner, UpstreamBodySink {
    /// How the check went: passed, or failed with nginx Plus's "while …" words and the I/O error if there was one.
    struct Outcome: Equatable {
        let passed: Bool
        /// "checking status code", "connecting to upstream", …
        let phase: String
        /// The system error or protocol fault (logged at error level when it makes the server unhealthy).
        let reason: String?
        /// No probe was made (no socket: this machine's shortage): no verdict on the server.
        var skipped = false
    }

    private let check: HealthCheckRuntime
    private let loop: Loop
    private let pool: UpstreamPool
    private var conn: UpstreamConnection?
    private var tx: UpstreamTransaction
    private var sent = 0
    private var head: ResponseHead?
    private var body: [UInt8] = []
    private var ended = false
    private var handshaking = false
    private let finish: (Outcome) -> Void

    init(check: HealthCheckRuntime, loop: Loop, pool: UpstreamPool, finish: @escaping (Outcome) -> Void) {
        self.check = check
        self.loop = loop
        self.pool = pool
        self.finish = finish
        tx = UpstreamTransaction(method: .get, headLimit: check.bufferSize)
    }

    func start(_ address: SocketAddress) {
        switch UpstreamConnection.open(to: address, owner: self, bufferSize: check.bufferSize, loop: loop, pool: pool) {
        case .connected(let c):
            conn = c
            tx.connected()
            connected(c)
        case .inProgress(let c):
            conn = c
            c.writer.arm(timeoutMillis: check.connectTimeoutMillis)
        case .failed(let e), .bindFailed(let e):   // checks bind nothing (proxy_bind is the requests')
            done(false, "connecting to upstream", "connect() failed (\(e): \(Syscall.describe(e)))")
        case .socketFailed(let e):   // this machine's shortage: no verdict on the server
            done(false, "connecting to upstream", "socket() failed (\(e): \(Syscall.describe(e)))", skipped: true)
        }
    }

    /// The prober is going away (a reload, a stop): close without a verdict.
    func cancel() {
        ended = true
        conn?.close()
    }

    func upstreamWritable(_ ev: IOEvents) {
        guard !ended, let c = conn else { return }
        let connecting = tx.state == .connecting
        if ev.contains(.timeout) {
            return done(false, connecting ? "connecting to upstream"
                               : handshaking ? "SSL handshaking to upstream" : "sending request to upstream",
                        "upstream timed out (110: Connection timed out)")
        }
        if connecting {
            let err = Socket.pendingError(c.fd)
            if err != 0 { return done(false, "connecting to upstream", "connect() failed (\(err): \(Syscall.describe(err)))") }
            tx.connected()
            return connected(c)
        }
        if handshaking { return handshook(UpstreamHandshake.step(c, check.tls!, name: check.tlsName, timeoutMillis: check.connectTimeoutMillis)) }
        send()
    }

    /// An https upstream: the same handshake (SNI, verification, kept session) a proxied request makes, first.
    private func connected(_ c: UpstreamConnection) {
        guard let tls = check.tls else { return send() }
        handshaking = true
        handshook(UpstreamHandshake.start(c, tls, name: check.tlsName, timeoutMillis: check.connectTimeoutMillis))
    }

    private func handshook(_ step: UpstreamHandshake.Step) {
        switch step {
        case .done: handshaking = false; send()
        case .pending: break
        case .failed(let reason, _): done(false, "SSL handshaking to upstream", reason)
        }
    }

    private func send() {
        guard !ended, let c = conn else { return }
        while sent < check.request.count {
            let r = c.transport.write(check.request, from: sent)
            switch r {
            case .done(let n): sent += n
            case .wouldBlock: c.writer.arm(timeoutMillis: check.sendTimeoutMillis); return
            case .eof, .error: return done(false, "sending request to upstream", "writev() failed \(r.failureText)")
            }
        }
        c.writer.disarm()
        tx.requestSent()
        c.reader.arm(timeoutMillis: check.readTimeoutMillis)
    }

    func upstreamReadable(_ ev: IOEvents) {
        guard !ended, let c = conn else { return }
        if handshaking {
            if ev.contains(.timeout) { return done(false, "SSL handshaking to upstream", "upstream timed out (110: Connection timed out)") }
            return handshook(UpstreamHandshake.step(c, check.tls!, name: check.tlsName, timeoutMillis: check.connectTimeoutMillis))
        }
        let phase = head == nil ? "reading response header from upstream" : "reading upstream"
        if ev.contains(.timeout) { return done(false, phase, "upstream timed out (110: Connection timed out)") }
        switch c.transport.read(into: c.buffer, chunk: check.bufferSize) {
        case .done: break
        case .wouldBlock: return
        case .eof:
            if case .ended = tx.closed() { return judge() }
            return done(false, phase, "upstream prematurely closed connection")
        case .error(let e):
            return done(false, phase, "recv() failed (\(e): \(Syscall.describe(e)))")
        }
        if head == nil {
            switch tx.receiveHead(c.buffer.view) {
            case .incomplete: return
            case .interim(let consumed): c.buffer.consume(consumed); return upstreamReadable([])
            case .failed(let f): return done(false, phase, f.reason)
            case .head(let h, let consumed), .upgrade(let h, let consumed):
                c.buffer.consume(consumed)
                head = h
                // The head decides unless a body test needs the body.
                if !check.match.readsBody || check.match.evaluate(head: h) != .pass || tx.state != .body { return judge() }
            }
        }
        switch tx.receiveBody(c.buffer.view, to: self) {
        case .more(let consumed):
            c.buffer.consume(consumed)
            if body.count >= HealthMatch.bodyLimit { judge() }
        case .ended:
            c.buffer.clear()
            judge()
        case .failed(let f):
            done(false, "reading upstream", f.reason)
        }
    }

    func upstreamBody(_ piece: ByteView) {
        let room = HealthMatch.bodyLimit - body.count
        if room > 0 { body.append(contentsOf: piece.count <= room ? piece : piece.slice(0, room)) }
    }

    private func judge() {
        guard let head else { return done(false, "reading response header from upstream", "upstream sent no response") }
        switch check.match.evaluate(head: head, body: body) {
        case .pass: done(true, "checking status code", nil)
        case .fail(let phase): done(false, phase, nil)
        }
    }

    private func done(_ passed: Bool, _ phase: String, _ reason: String?, skipped: Bool = false) {
        guard !ended else { return }
        ended = true
        conn?.close()   // kept (closed) until the prober drops this probe after the callback unwound
        finish(Outcome(passed: passed, phase: phase, reason: reason, skipped: skipped))
    }
}
