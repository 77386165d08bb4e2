import Config
import DNS
import EventLoop

/// Where an OCSP request goes: a responder URL, the addresses it had at load (a configured responder's name is
/// resolved then, as nginx's), and how a name found only at run time (a certificate's AIA) is resolved.
struct OCSPTarget {
    let url: OCSPResponderURL
    /// Known at load; empty when the host is to be resolved now.
    let addresses: [SocketAddress]
    let resolver: ResolverRuntime?
    /// resolver_timeout, which nginx applies to the whole exchange.
    let timeoutMillis: Int
}

/// One OCSP request on the worker's loop (nginx's ngx_ssl_ocsp_request): resolve the responder if need be,
/// connect (each address in turn), send the GET, read the answer to the close, all within one timeout. The same
/// UpstreamConnection the proxy uses, never pooled. `finish` is called once, never from inside `start`, with the
/// DER response or nginx's words for the failure; `cancel` stops it without a call (its client went away).
/// The worker's `OCSPFetcher` owns it, so it outlives the events that end it.
final class OCSPFetch: UpstreamConnectionOwner, DNSResolveWaiter {
    private unowned let worker: Worker
    private let target: OCSPTarget
    private let request: [UInt8]
    private var finish: ((Result<[UInt8], OCSPFetch.Failure>) -> Void)?
    private var addresses: [SocketAddress]
    private var next = 0
    private var conn: UpstreamConnection?
    /// Connections closed while one of their events may be on the stack: freed with the fetch.
    private var retired: [UpstreamConnection] = []
    private var sent = 0
    private var answer: [UInt8] = []
    private var resolving = false
    private var deadline: UInt64 = 0
    /// Starts the first step on the next loop turn, so `finish` never runs inside `start`.
    private var kick: Watcher?

    struct Failure: Error, Equatable {
        let message: String
    }

    init(worker: Worker, target: OCSPTarget, request: [UInt8], finish: @escaping (Result<[UInt8], Failure>) -> Void) {
        self.worker = worker
        self.target = target
        self.request = OCSPRequestBytes.make(der: request, responder: target.url)
        self.finish = finish
        addresses = target.addresses
    }

    func start() {
        deadline = Clock.monotonicNanos() &+ UInt64(max(target.timeoutMillis, 1)) &* 1_000_000
        let k = Watcher.timer(loop: worker.loop) { [unowned self] in self.begin() }
        kick = k
        k.fireSoon()
    }

    func cancel() {
        finish = nil
        close()
    }

    private func begin() {
        guard finish != nil else { return }
        if !addresses.isEmpty { return connectNext() }
        if let literal = SocketAddress.literal(host: target.url.host, port: target.url.port) {
            addresses = [literal]
            return connectNext()
        }
        guard let resolver = target.resolver else {
            return done(.failure(Failure(message: "no resolver defined to resolve \(target.url.host)")))
        }
        resolving = true
        if let (answer, turn) = worker.resolver(for: resolver).resolve(Array(target.url.host.utf8), waiter: self) {
            nameResolved(answer, turn: turn)
        }
    }

    func nameResolved(_ answer: ResolverCache.Answer, turn: Int) {
        guard resolving, finish != nil else { return }
        resolving = false
        switch answer {
        case .addresses(let list):
            addresses = list.map { SocketAddress(family: $0.count == 4 ? .v4 : .v6, bytes: $0, port: target.url.port) }
            connectNext()
        case .failed(let code):
            done(.failure(Failure(message: "\(target.url.host) could not be resolved (\(code): \(DNSFailure.text(code)))")))
        }
    }

    private var remainingMillis: Int {
        let now = Clock.monotonicNanos()
        return now >= deadline ? 1 : Int((deadline - now) / 1_000_000) + 1
    }

    /// The next address, or the last failure once none is left.
    private func connectNext(after failure: String? = nil) {
        close()
        guard next < addresses.count else {
            return done(.failure(Failure(message: failure ?? "no address of OCSP responder \(target.url.host)")))
        }
        let address = addresses[next]
        next += 1
        sent = 0
        answer.removeAll()
        switch UpstreamConnection.open(to: address, owner: self, bufferSize: 4096, loop: worker.loop, pool: worker.pool) {
        case .connected(let c):
            conn = c
            send()
        case .inProgress(let c):
            conn = c
            c.writer.arm(timeoutMillis: remainingMillis)
        case .failed(let e), .socketFailed(let e), .bindFailed(let e):
            connectNext(after: "connect() to \(address) failed (\(e): \(Syscall.describe(e))) while requesting certificate status")
        }
    }

    func upstreamWritable(_ ev: IOEvents) {
        guard finish != nil, let c = conn else { return }
        if ev.contains(.timeout) { return timedOut() }
        if sent == 0 {
            let err = Socket.pendingError(c.fd)
            if err != 0 {
                return connectNext(after: "connect() to \(c.address) failed (\(err): \(Syscall.describe(err))) while requesting certificate status")
            }
        }
        send()
    }

    private func send() {
        guard let c = conn else { return }
        while sent < request.count {
            let r = c.transport.write(request, from: sent)
            switch r {
            case .done(let n): sent += n
            case .wouldBlock: c.writer.arm(timeoutMillis: remainingMillis); return
            case .eof, .error:
                return connectNext(after: "send() failed \(r.failureText) while requesting certificate status")
            }
        }
        c.writer.disarm()
        c.reader.arm(timeoutMillis: remainingMillis)
    }

    func upstreamReadable(_ ev: IOEvents) {
        guard finish != nil, let c = conn else { return }
        if ev.contains(.timeout) { return timedOut() }
        var ended = false
        switch c.transport.read(into: c.buffer, chunk: 4096) {
        case .done: break
        case .wouldBlock: return
        case .eof: ended = true
        case .error(let e):
            return connectNext(after: "recv() failed (\(e): \(Syscall.describe(e))) while requesting certificate status")
        }
        answer.append(contentsOf: c.buffer.view)
        c.buffer.clear()
        switch OCSPAnswer.parse(answer, ended: ended) {
        case .incomplete: return
        case .response(let der): done(.success(der))
        case .failed(let why): done(.failure(Failure(message: why + " while requesting certificate status")))
        }
    }

    private func timedOut() {
        done(.failure(Failure(message: "OCSP responder timed out (110: Connection timed out) while requesting certificate status")))
    }

    private func close() {
        if let c = conn {
            c.close()
            c.owner = nil
            retired.append(c)
        }
        conn = nil
        if resolving, let r = target.resolver {
            resolving = false
            worker.resolver(for: r).cancel(waiter: self)
        }
    }

    private func done(_ result: Result<[UInt8], Failure>) {
        close()
        let f = finish
        finish = nil
        f?(result)
    }
}
