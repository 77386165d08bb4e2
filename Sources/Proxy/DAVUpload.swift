import Config
import EventLoop
import Glibc
import HTTP1

/// A WebDAV PUT's body on its way to disk: every byte (de-chunked) goes to a named temp file under
/// `client_body_temp_path`, as nginx's `request_body_in_file_only` makes it, and once the body is complete
/// the file is renamed over the target (DAVHandler.finishPut). Until then the file is this object's: a client
/// that goes away, a timeout, a bad chunk or a full disk removes it, so nothing is left behind.
final class DAVUpload {
    let spool: BodySpool
    let dav: DAVRuntime
    let files: StaticRuntime
    private let framing: BodyFraming
    private let maxSize: Int64
    private var remaining: Int64
    private var decoder = ChunkedDecoder()
    /// The temp file was handed on (renamed, or removed by the caller): the deinit leaves it alone.
    private var settled = false

    init(spool: BodySpool, framing: BodyFraming, maxSize: Int64, dav: DAVRuntime, files: StaticRuntime) {
        self.spool = spool
        self.framing = framing
        self.maxSize = maxSize
        self.dav = dav
        self.files = files
        if case .length(let n) = framing { remaining = max(n, 0) } else { remaining = 0 }
    }

    deinit {
        if !settled { _ = Syscall.unlink(Array(spool.path.utf8)) }
    }

    /// From now on the temp file's fate is the caller's.
    func settle() { settled = true }

    /// Takes what the connection's input holds of the body; true once the request was answered (the body
    /// complete and the PUT done, or the body refused), false while more is due.
    func take(from c: ClientConnection) -> Bool {
        let input = c.input
        switch framing {
        case .length:
            let n = Int(min(Int64(input.readableCount), remaining))
            if n > 0 {
                let failure = spool.append(input.view(prefix: n))
                input.consume(n)
                c.countBodyBytes(Int64(n))
                remaining -= Int64(n)
                if let failure { return fail(500, .crit, failure.message, c) }
            }
            if remaining > 0 { return false }
        case .chunked:
            var failure: BodySpool.Failure? = nil
            let result: (consumed: Int, finished: Bool)
            let limit = maxSize
            do {
                // Bytes beyond client_max_body_size are not written: the body is refused below.
                result = try decoder.decode(input.view) { piece in
                    if failure == nil && (limit == 0 || spool.size + Int64(piece.count) <= limit) {
                        failure = spool.append(piece)
                    }
                }
            } catch {
                return fail(400, .error, "client sent invalid chunked body", c)
            }
            input.consume(result.consumed)
            c.countBodyBytes(Int64(result.consumed))
            if let failure { return fail(500, .crit, failure.message, c) }
            if maxSize > 0 && decoder.declaredBytes > maxSize {
                return fail(413, .error, decoder.tooLargeLine, c)
            }
            if !result.finished { return false }
        default:
            break
        }
        c.davUpload = nil
        if c.phase == .readingBody { c.bodyComplete() }
        DAVHandler.finishPut(c.request, self, c)
        return true
    }

    /// The body cannot be taken: the temp file goes now, the rest of the body is not read, so the connection
    /// ends with the answer.
    private func fail(_ status: Int, _ level: LogLevel, _ message: String, _ c: ClientConnection) -> Bool {
        c.worker.log(level, message, c)
        settled = true
        _ = Syscall.unlink(Array(spool.path.utf8))
        c.davUpload = nil
        if c.phase == .readingBody { c.bodyComplete() }
        c.sendError(status, closeAfter: true)
        return true
    }
}
