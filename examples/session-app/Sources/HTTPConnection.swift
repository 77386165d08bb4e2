import EventLoop
import HTTP1

/// One client connection: reads requests (keep-alive and pipelining), skips request bodies, answers each with
/// the app, writes without blocking (a write watcher takes over when the socket is full, and reading pauses).
final class HTTPConnection {
    let fd: Int32
    private let app: SessionApp
    private let onClose: (HTTPConnection) -> Void
    private let input = IOBuffer(initialCapacity: 8192)
    private var parser = RequestHeadParser()
    private var output: [UInt8] = []
    private var reader: Watcher!
    private var writer: Watcher!
    /// Request body bytes still to discard.
    private var bodyLeft = 0
    private var chunked: ChunkedDecoder?
    private var closeAfterWrite = false
    private var isClosed = false
    private static let idleMillis = 60_000

    init(fd: Int32, loop: Loop, app: SessionApp, onClose: @escaping (HTTPConnection) -> Void) {
        self.fd = fd
        self.app = app
        self.onClose = onClose
        reader = Watcher(loop: loop, fd: fd, events: .read) { [unowned self] events in
            if events.contains(.timeout) { self.close() } else { self.readable() }
        }
        writer = Watcher(loop: loop, fd: fd, events: .write) { [unowned self] _ in
            if self.flush() { self.process() }  // pipelined requests already read
        }
        reader.arm(timeoutMillis: Self.idleMillis)
    }

    private func readable() {
        while !isClosed {
            switch input.read(from: fd, chunk: 16384) {
            case .done: continue
            case .wouldBlock: process(); return
            case .eof, .error: close(); return
            }
        }
    }

    private func process() {
        while !isClosed && output.isEmpty && !closeAfterWrite {
            if !skipBody() { return }
            switch parser.parse(ByteView(input.readable)) {
            case .incomplete:
                return
            case .failed(let error):
                answer(AppResponse(status: error.status, contentType: "text/html", body: Array("<h1>Bad Request</h1>\n".utf8)),
                       head: nil)
                return
            case .complete(let head, let consumed):
                input.consume(consumed)
                parser.reset()
                if head.isChunked { chunked = ChunkedDecoder() } else { bodyLeft = Int(head.contentLength ?? 0) }
                answer(app.respond(to: head), head: head)
            }
        }
    }

    /// Discards body bytes; false while more are needed.
    private func skipBody() -> Bool {
        if var d = chunked {
            guard let (used, done) = try? d.decode(ByteView(input.readable), { _ in }) else { closeAfterWrite = true; close(); return false }
            input.consume(used)
            chunked = done ? nil : d
            return done
        }
        let n = min(bodyLeft, input.readableCount)
        input.consume(n)
        bodyLeft -= n
        return bodyLeft == 0
    }

    private func answer(_ response: AppResponse, head: RequestHead?) {
        let keepAlive = head?.keepAlive ?? false
        output = response.serialized(headRequest: head?.method == .head, keepAlive: keepAlive)
        closeAfterWrite = !keepAlive
        _ = flush()
    }

    /// Writes what it can; true when everything went out and the connection stays open for the next request.
    private func flush() -> Bool {
        while !output.isEmpty {
            switch output.withUnsafeBytes({ Syscall.write(fd, $0) }) {
            case .done(let n): output.removeFirst(n)
            case .wouldBlock:
                if !writer.isArmed { writer.arm() }
                reader.disarm()  // no new requests until this response is out
                return false
            case .eof, .error: close(); return false
            }
        }
        writer.disarm()
        if closeAfterWrite { close(); return false }
        if !reader.isArmed { reader.arm(timeoutMillis: Self.idleMillis) }
        return true
    }

    func close() {
        if isClosed { return }
        isClosed = true
        reader.disarm()
        writer.disarm()
        Syscall.close(fd)
        onClose(self)
    }
}
