import EventLoop
import Glibc

/// One connection to one memcached node, speaking the text protocol (`get`, `set`, `add`, `delete`).
///
/// The socket is non-blocking and every operation — connect included — runs against one deadline with poll(2),
/// so a dead or hung node costs at most `timeoutMillis` (MSM's `operationTimeout`). The calls are synchronous
/// for the caller: the demo serves one request at a time, start to end, as a Tomcat request thread does.
/// The connection is kept between operations; a reused connection the server had closed is retried once on a
/// fresh one, so a restarted memcached is picked up without an error.
///
///     let c = MemcachedConnection(address: SocketAddress.parse("127.0.0.1:11211")!, timeoutMillis: 1000)
///     try c.set("k", Array("v".utf8), expirySeconds: 60); try c.get("k")   // "v"
final class MemcachedConnection {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    let address: SocketAddress
    let timeoutMillis: Int
    private var fd: Int32 = -1
    private var input: [UInt8] = []

    init(address: SocketAddress, timeoutMillis: Int) {
        self.address = address
        self.timeoutMillis = timeoutMillis
    }

    deinit { close() }

    func close() {
        if fd >= 0 { Syscall.close(fd); fd = -1 }
        input.removeAll()
    }

    func get(_ key: String) throws(Failure) -> [UInt8]? {
        guard case .value(let v) = try perform(Array("get \(key)\r\n".utf8), MemcachedReply.parseGet) else {
            throw Failure("unexpected reply to get")
        }
        return v
    }

    func set(_ key: String, _ value: [UInt8], expirySeconds: Int) throws(Failure) {
        let status = try store("set", key, value, expirySeconds)
        guard status == "STORED" else { throw Failure("set \(key): \(status)") }
    }

    /// memcached's atomic `add`: true when stored, false when the key already exists (MSM's lock primitive).
    func add(_ key: String, _ value: [UInt8], expirySeconds: Int) throws(Failure) -> Bool {
        let status = try store("add", key, value, expirySeconds)
        switch status {
        case "STORED": return true
        case "NOT_STORED": return false
        default: throw Failure("add \(key): \(status)")
        }
    }

    /// true when the key existed.
    @discardableResult
    func delete(_ key: String) throws(Failure) -> Bool {
        guard case .status(let s) = try perform(Array("delete \(key)\r\n".utf8), MemcachedReply.parseStatus) else {
            throw Failure("unexpected reply to delete")
        }
        switch s {
        case "DELETED": return true
        case "NOT_FOUND": return false
        default: throw Failure("delete \(key): \(s)")
        }
    }

    private func store(_ verb: String, _ key: String, _ value: [UInt8], _ expiry: Int) throws(Failure) -> String {
        let request = Array("\(verb) \(key) 0 \(expiry) \(value.count)\r\n".utf8) + value + [13, 10]
        guard case .status(let s) = try perform(request, MemcachedReply.parseStatus) else {
            throw Failure("unexpected reply to \(verb)")
        }
        return s
    }

    private func perform(_ request: [UInt8], _ parse: (ArraySlice<UInt8>) -> MemcachedReply.Parse)
        throws(Failure) -> MemcachedReply
    {
        let reused = fd >= 0
        do {
            return try exchange(request, parse, deadline: deadline())
        } catch let failure where reused && failure.isPeerClosed {
            close()
            return try exchange(request, parse, deadline: deadline())
        }
    }

    private func deadline() -> UInt64 { Clock.monotonicNanos() + UInt64(timeoutMillis) * 1_000_000 }

    private func exchange(_ request: [UInt8], _ parse: (ArraySlice<UInt8>) -> MemcachedReply.Parse,
                          deadline: UInt64) throws(Failure) -> MemcachedReply {
        do throws(Failure) {
            if fd < 0 { try connect(deadline: deadline) }
            try send(request, deadline: deadline)
            while true {
                switch parse(input[...]) {
                case .complete(let reply, let consumed):
                    input.removeFirst(consumed)
                    return reply
                case .failed(let why):
                    throw Failure(why)
                case .incomplete:
                    try receive(deadline: deadline)
                }
            }
        } catch {
            close()  // a half-read reply would desynchronise the stream: start over next time
            throw error
        }
    }

    private func connect(deadline: UInt64) throws(Failure) {
        switch Socket.connect(address) {
        case .connected(let s):
            fd = s
        case .inProgress(let s):
            fd = s
            try wait(for: Int16(POLLOUT), deadline: deadline, doing: "connect")
            let e = Socket.pendingError(s)
            if e != 0 { throw Failure("connect to \(address): \(Syscall.describe(e))") }
        case .failed(let e), .socketFailed(let e), .bindFailed(let e):
            throw Failure("connect to \(address): \(Syscall.describe(e))")
        }
    }

    private func send(_ bytes: [UInt8], deadline: UInt64) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let r = bytes.withUnsafeBytes { Syscall.write(fd, UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            switch r {
            case .done(let n): offset += n
            case .wouldBlock: try wait(for: Int16(POLLOUT), deadline: deadline, doing: "send")
            case .eof: throw Failure(Failure.peerClosed)
            case .error(let e):
                throw Failure(e == EPIPE || e == ECONNRESET ? Failure.peerClosed : "send: \(Syscall.describe(e))")
            }
        }
    }

    private func receive(deadline: UInt64) throws(Failure) {
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let r = chunk.withUnsafeMutableBytes { Syscall.read(fd, $0) }
            switch r {
            case .done(let n):
                input.append(contentsOf: chunk[0..<n])
                return
            case .wouldBlock: try wait(for: Int16(POLLIN), deadline: deadline, doing: "receive")
            case .eof: throw Failure(Failure.peerClosed)
            case .error(let e): throw Failure(e == ECONNRESET ? Failure.peerClosed : "receive: \(Syscall.describe(e))")
            }
        }
    }

    private func wait(for events: Int16, deadline: UInt64, doing what: String) throws(Failure) {
        while true {
            let now = Clock.monotonicNanos()
            guard now < deadline else { throw Failure("\(what) timed out after \(timeoutMillis) ms") }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let ms = Int32(min((deadline - now + 999_999) / 1_000_000, UInt64(Int32.max)))
            let n = poll(&p, 1, ms)
            if n > 0 { return }  // ready, or an error the next read/write reports
            if n < 0 && errno != EINTR { throw Failure("poll: \(Syscall.errnoText)") }
        }
    }
}

extension MemcachedConnection.Failure {
    static let peerClosed = "connection closed by memcached"
    var isPeerClosed: Bool { description == Self.peerClosed }
}
