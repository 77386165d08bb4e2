import EventLoop

/// One question asked again over TCP after a truncated UDP answer (RFC 1035 §4.2.2: each message prefixed by
/// its two-byte length), as nginx 1.22 does. `done` gets the response message, or nil when the connection
/// failed or closed first; the name's deadline bounds it (the resolver closes it then).
final class DNSTCPQuery {
    private(set) var failed = false
    private var fd: Int32 = -1
    private var reader: Watcher?
    private var writer: Watcher?
    private var output: [UInt8]
    private var sent = 0
    private var input: [UInt8] = []
    private var scratch = [UInt8](repeating: 0, count: 4096)
    private let done: ([UInt8]?) -> Void
    private var ended = false

    init(server: SocketAddress, query: [UInt8], loop: Loop, done: @escaping ([UInt8]?) -> Void) {
        output = [UInt8(query.count >> 8), UInt8(query.count & 0xFF)] + query
        self.done = done
        switch Socket.connect(server) {
        case .connected(let fd), .inProgress(let fd):
            self.fd = fd
            reader = Watcher(loop: loop, fd: fd, events: .read) { [unowned self] _ in self.readable() }
            writer = Watcher(loop: loop, fd: fd, events: .write, persist: false) { [unowned self] _ in self.writable() }
            reader?.arm()
            writer?.arm()
        case .failed, .socketFailed, .bindFailed:
            failed = true
        }
    }

    private func writable() {
        guard !ended else { return }
        if Socket.pendingError(fd) != 0 { return end(nil) }
        switch Syscall.write(fd, output, from: sent) {
        case .done(let n):
            sent += n
            if sent < output.count { writer?.arm() }
        case .wouldBlock: writer?.arm()
        case .eof, .error: end(nil)
        }
    }

    private func readable() {
        guard !ended else { return }
        switch Syscall.read(fd, into: &scratch, count: scratch.count) {
        case .done(let n):
            input.append(contentsOf: scratch[..<n])
            guard input.count >= 2 else { return }
            let length = Int(input[0]) << 8 | Int(input[1])
            if input.count >= 2 + length { end(Array(input[2..<(2 + length)])) }
        case .wouldBlock: return
        case .eof, .error: end(nil)
        }
    }

    private func end(_ message: [UInt8]?) {
        guard !ended else { return }
        ended = true
        done(message)
    }

    /// Stops watching and closes the socket; the object itself must outlive the callback it may be called
    /// from (the resolver keeps closed ones until its next timer tick).
    func close() {
        ended = true
        reader?.disarm()
        writer?.disarm()
        if fd >= 0 { Syscall.close(fd); fd = -1 }
    }
}
