import EventLoop
public import HTTP1
import Glibc
import Locking
import Synchronization

/// What a mock backend answers.
public struct MockResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Send the body chunked (no Content-Length).
    public var chunked: Bool
    /// Close the connection instead of answering (a crashed app server).
    public var dropConnection: Bool
    /// Never answer (a hung app server: for read timeouts).
    public var hang: Bool
    /// Send `body` (head included), then hold the rest until the test opens the gate (a slow upstream).
    public var hold: MockHold?
    /// A body produced piece by piece as the socket takes it instead of `body` (huge bodies, no allocation).
    public var stream: MockStream?
    /// Raw bytes sent before the response's status line: interim (1xx) heads, e.g. a 103 Early Hints.
    public var interim: [UInt8] = []
    /// Raw bytes sent right after the response, in the same write: a misbehaving server's extra data.
    public var trailing: [UInt8] = []
    /// Send only the response's first `cutAfter` bytes (head included), then close: a server dying mid-answer.
    public var cutAfter: Int? = nil

    public init(status: Int = 200, headers: [(String, String)] = [], body: [UInt8] = [], chunked: Bool = false,
                dropConnection: Bool = false, hang: Bool = false, hold: MockHold? = nil, stream: MockStream? = nil) {
        self.status = status; self.headers = headers; self.body = body; self.chunked = chunked
        self.dropConnection = dropConnection; self.hang = hang; self.hold = hold; self.stream = stream
    }

    public init(status: Int = 200, headers: [(String, String)] = [], text: String) {
        self.init(status: status, headers: headers, body: Array(text.utf8))
    }
}

/// The second part of a response sent in two steps: `rest` goes out once `gate` is opened. With
/// `Content-Length` the length covers both parts; chunked replies end after `rest`.
///
///     let gate = MockGate()
///     MockResponse(body: first, hold: MockHold(gate: gate, rest: second))   // … test reads `first` … gate.open()
public struct MockHold: Sendable {
    public var gate: MockGate
    public var rest: [UInt8]
    public init(gate: MockGate, rest: [UInt8]) { self.gate = gate; self.rest = rest }
}

/// A gate a test opens from its own thread to let a held response continue: no sleeps, no timing.
public final class MockGate: Sendable {
    private let state = Lock<(opened: Bool, waiters: [@Sendable () -> Void])>((false, []))

    public init() {}

    /// Lets the held responses continue (now, or as soon as each is held).
    public func open() {
        let ws = state.withLock { s -> [@Sendable () -> Void] in
            s.opened = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in ws { w() }
    }

    /// Runs `then` once the gate is open (at once if it already is).
    func whenOpen(_ then: @escaping @Sendable () -> Void) {
        let now = state.withLock { s -> Bool in
            if s.opened { return true }
            s.waiters.append(then)
            return false
        }
        if now { then() }
    }
}

/// A body of `length` bytes generated on the fly: `fill(offset, &piece)` overwrites `piece` (at most 64 KiB,
/// its count is what is wanted) with the bytes at `offset`. Sent with `Content-Length`, or chunked when the
/// response is.
public struct MockStream: Sendable {
    public var length: Int
    public var fill: @Sendable (_ offset: Int, _ piece: inout [UInt8]) -> Void
    public init(length: Int, fill: @escaping @Sendable (_ offset: Int, _ piece: inout [UInt8]) -> Void) {
        self.length = length; self.fill = fill
    }
}

/// A request as the mock backend saw it.
public struct MockRequest: Sendable {
    public let head: RequestHead
    public let body: [UInt8]
    public var method: String { String(decoding: head.bytes(head.methodRange), as: UTF8.self) }
    public var target: String { String(decoding: head.bytes(head.target), as: UTF8.self) }
    public func header(_ name: String) -> String? {
        head.firstHeader(Array(name.lowercased().utf8)).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// An HTTP/1.1 backend on 127.0.0.1 with a free port, on its own thread and loop (vtc's `server s1`): every
/// reply carries `X-Backend: <name>` so tests see who answered. Keep-alive, chunked replies, drops and hangs,
/// replies held half-sent until the test opens a `MockGate`, and generated bodies of any size (`MockStream`).
///
///     let b = try MockBackend(name: "tomcat1") { req in MockResponse(text: "hello") }
///     defer { b.stop() }
public final class MockBackend: @unchecked Sendable {
    public typealias Handler = @Sendable (MockRequest) -> MockResponse
    public let name: String
    public let port: UInt16
    private let listenFD: Int32
    fileprivate let mailbox = Mailbox()
    private var thread: WorkerThread?
    private let requestCount = Atomic<Int>(0)
    private let connectionCount = Atomic<Int>(0)
    private let openCount = Atomic<Int>(0)
    private let handler: Lock<Handler>
    private let seen = Lock<[MockRequest]>([])

    /// `port` 0 takes one from `freePort()` (held for the test process, so it is still this node's when a
    /// test brings a "restarted" node back on its old address with `port:`).
    public convenience init(name: String, port requested: UInt16 = 0, handler: @escaping Handler) throws {
        let port = requested == 0 ? freePort() : requested
        try self.init(name: name, listening: SocketAddress(family: .v4, bytes: [127, 0, 0, 1], port: port), handler: handler)
    }

    /// A backend on another loopback address (127.0.0.`last`) at `port`: hosts one DNS name resolves to.
    public convenience init(name: String, loopback last: UInt8, port: UInt16, handler: @escaping Handler) throws {
        try self.init(name: name, listening: SocketAddress(family: .v4, bytes: [127, 0, 0, last], port: port), handler: handler)
    }

    /// A backend on a UNIX-domain socket (`server unix:/path`, `proxy_pass http://unix:/path:`).
    public convenience init(name: String, unixPath: String, handler: @escaping Handler) throws {
        try self.init(name: name, listening: SocketAddress(unixPath: unixPath), handler: handler)
    }

    private init(name: String, listening: SocketAddress, handler: @escaping Handler) throws {
        self.name = name
        self.handler = Lock(handler)
        self.listening = listening
        port = listening.port
        address = listening.family == .unix ? listening.description : "127.0.0.1:\(port)"
        listenFD = try Socket.listen(listening, backlog: 128, reusePort: false)
        let me = UncheckedSendable(self)
        thread = WorkerThread.spawn { me.value.serve() }
    }

    /// `127.0.0.1:PORT` or `unix:/path`: what an upstream's `server` line names.
    public let address: String
    private let listening: SocketAddress
    public var requests: Int { requestCount.load(ordering: .relaxed) }
    public var connections: Int { connectionCount.load(ordering: .relaxed) }
    /// Connections accepted and not yet closed (by either side).
    public var openConnections: Int { openCount.load(ordering: .relaxed) }
    public var received: [MockRequest] { seen.withLock { $0 } }

    /// Changes the reply from now on (a node that starts failing).
    public func setHandler(_ h: @escaping Handler) { handler.withLock { $0 = h } }

    /// Answer a request with a body as soon as its head is read (the handler sees an empty body), then read
    /// nothing more on that connection, holding it open: a server that refuses an upload early (a 413, a 401).
    public func answerBeforeBody() { answersEarly.store(true, ordering: .relaxed) }
    fileprivate let answersEarly = Atomic<Bool>(false)

    /// Stops accepting and closes every connection; returns when the thread has ended.
    public func stop() {
        guard let t = thread else { return }
        thread = nil
        mailbox.post { [me = UncheckedSendable(self)] in me.value.running = false; me.value.loop?.stop() }
        t.join()
        Syscall.close(listenFD)
        _ = Socket.removeSocketFile(listening)
    }

    deinit { stop() }

    // MARK: - Loop thread

    private var loop: Loop?
    private var running = true
    private var conns: [Int32: MockConnection] = [:]

    private func serve() {
        let loop = Loop()
        self.loop = loop
        let mb = mailbox.attach(to: loop)
        let acceptor = Watcher(loop: loop, fd: listenFD, events: .read) { [unowned self] _ in
            while case .accepted(let fd, _) = Socket.accept(self.listenFD) {
                self.connectionCount.add(1, ordering: .relaxed)
                self.openCount.add(1, ordering: .relaxed)
                self.conns[fd] = MockConnection(fd: fd, backend: self, loop: loop)
            }
        }
        acceptor.arm()
        loop.run()
        acceptor.disarm(); mb.disarm()
        for (_, c) in conns { c.close() }
        conns.removeAll()
        self.loop = nil
    }

    fileprivate func closed(_ c: MockConnection) {
        if conns.removeValue(forKey: c.fd) != nil { openCount.subtract(1, ordering: .relaxed) }
    }

    fileprivate func respond(to req: MockRequest) -> MockResponse {
        requestCount.add(1, ordering: .relaxed)
        seen.withLock { $0.append(req) }
        return handler.withLock { $0 }(req)
    }
}

/// One connection to the mock backend.
private final class MockConnection {
    let fd: Int32
    unowned let backend: MockBackend
    let input = IOBuffer(initialCapacity: 4096)
    var parser = RequestHeadParser()
    var reader: Watcher!
    var pendingHead: RequestHead?
    var bodyNeeded = 0
    var chunked: ChunkedDecoder?
    var body: [UInt8] = []
    var isClosed = false

    init(fd: Int32, backend: MockBackend, loop: Loop) {
        self.fd = fd; self.backend = backend
        reader = Watcher(loop: loop, fd: fd, events: .read) { [unowned self] _ in self.readable() }
        reader.arm()
    }

    func readable() {
        while true {
            switch input.read(from: fd, chunk: 65536) {
            case .done: continue
            case .wouldBlock: process(); return
            case .eof, .error: process(); close(); return
            }
        }
    }

    func process() {
        while !isClosed && !held {
            if let head = pendingHead {
                if var d = chunked {
                    var out = body
                    guard let (used, done) = try? d.decode(ByteView(input.readable), { out.append(contentsOf: $0) }) else { close(); return }
                    body = out; chunked = d
                    input.consume(used)
                    if !done { return }
                } else {
                    let n = min(bodyNeeded, input.readableCount)
                    body.append(contentsOf: ByteView(input.readablePrefix(n)))
                    input.consume(n); bodyNeeded -= n
                    if bodyNeeded > 0 { return }
                }
                pendingHead = nil
                chunked = nil
                let req = MockRequest(head: head, body: body)
                body = []
                let resp = backend.respond(to: req)
                if resp.hang { return }
                if resp.dropConnection { close(); return }
                write(resp, head: head)
                if let hold = resp.hold, !isClosed {
                    // Stop here; the gate's opening resumes this connection on the backend's loop.
                    held = true
                    let me = UncheckedSendable(self), mailbox = backend.mailbox
                    hold.gate.whenOpen { mailbox.post { me.value.finishHeld(hold.rest, chunked: resp.chunked, head: head) } }
                    return
                }
                if !head.keepAlive { close(); return }
                continue
            }
            switch parser.parse(ByteView(input.readable)) {
            case .incomplete: return
            case .failed: close(); return
            case .complete(let head, let consumed):
                input.consume(consumed); parser.reset()
                pendingHead = head
                if head.isChunked { chunked = ChunkedDecoder() } else { bodyNeeded = Int(head.contentLength ?? 0) }
                if (head.isChunked || bodyNeeded > 0) && backend.answersEarly.load(ordering: .relaxed) {
                    write(backend.respond(to: MockRequest(head: head, body: [])), head: head)
                    reader.disarm()
                    held = true   // what follows stays unread in the socket
                    return
                }
            }
        }
    }

    func write(_ r: MockResponse, head: RequestHead) {
        var out = r.interim + Array("HTTP/1.1 \(r.status) \(r.status == 200 ? "OK" : "Status")\r\n".utf8)
        out += Array("X-Backend: \(backend.name)\r\n".utf8)
        for (n, v) in r.headers { out += Array("\(n): \(v)\r\n".utf8) }
        let bodyless = head.method == .head || r.status == 204 || r.status == 304
        if r.chunked {
            out += Array("Transfer-Encoding: chunked\r\n\r\n".utf8)
            if !bodyless {
                out += Self.chunks(r.body)
                if r.hold == nil && r.stream == nil { out += Array("0\r\n\r\n".utf8) }
            }
        } else {
            let length = r.stream?.length ?? (r.body.count + (r.hold?.rest.count ?? 0))
            if !(r.status == 204 || r.status == 304) { out += Array("Content-Length: \(length)\r\n".utf8) }
            out += [13, 10]
            if !bodyless && r.stream == nil { out += r.body }
        }
        if r.stream == nil && r.hold == nil { out += r.trailing }
        if let n = r.cutAfter { send(Array(out.prefix(n))); close(); return }
        send(out)
        if let s = r.stream, !bodyless { sendStream(s, chunked: r.chunked) }
    }

    /// `body` in chunks of at most 1000 bytes.
    private static func chunks(_ body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < body.count {
            let n = min(1000, body.count - i)
            out += Array(String(n, radix: 16).utf8) + [13, 10] + body[i..<(i + n)] + [13, 10]
            i += n
        }
        return out
    }

    /// Whether a held response waits for its gate (no further requests are read meanwhile).
    var held = false

    /// The gate opened: the rest of a held response, then the connection carries on.
    func finishHeld(_ rest: [UInt8], chunked: Bool, head: RequestHead) {
        held = false
        if isClosed { return }
        send(chunked ? Self.chunks(rest) + Array("0\r\n\r\n".utf8) : rest)
        if !head.keepAlive { close(); return }
        process()
    }

    /// Generates and writes a streamed body in 64 KiB pieces as the socket takes them.
    private func sendStream(_ s: MockStream, chunked: Bool) {
        var piece = [UInt8](repeating: 0, count: 64 * 1024)
        var offset = 0
        while offset < s.length && !isClosed {
            let n = min(piece.count, s.length - offset)
            if n < piece.count { piece = [UInt8](repeating: 0, count: n) }   // the last, shorter piece
            s.fill(offset, &piece)
            if chunked { send(Array(String(n, radix: 16).utf8) + [13, 10]) }
            send(piece)
            if chunked { send([13, 10]) }
            offset += n
        }
        if chunked { send(Array("0\r\n\r\n".utf8)) }
    }

    private func send(_ out: [UInt8]) {
        let total = out.count
        // Blocking-ish write for the test backend: retry on EAGAIN with poll.
        var off = 0
        while off < total && !isClosed {
            let res = Syscall.write(fd, out, from: off)
            switch res {
            case .done(let n): off += n
            case .wouldBlock:
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&p, 1, 1000)
            case .eof, .error: close(); return
            }
        }
    }

    func close() {
        if isClosed { return }
        isClosed = true
        reader.disarm()
        Syscall.close(fd)
        backend.closed(self)
    }
}

/// For handing a value to a thread when the code guarantees it is used by one thread at a time.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
