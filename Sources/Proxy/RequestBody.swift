import Config
import EventLoop
import HTTP1

/// The request body on its way upstream. Small bodies (up to `client_body_buffer_size`) and chunked bodies
/// are read whole first, so a failed try can resend them to the next server (nginx's request buffering);
/// a larger Content-Length body, or any body with `proxy_request_buffering off`, streams through in bounded
/// memory and so cannot be retried once bytes went out. Chunked bodies are sent with a Content-Length:
/// HTTP/1.0 upstreams need one, and it costs at most `client_max_body_size` of memory (nginx spools to a
/// temp file instead — a documented difference).
struct RequestBody {
    enum SendResult { case done, blocked, needClient, failed, clientFailed(Int) }

    private let framing: BodyFraming
    private let maxSize: Int64
    private(set) var needsBufferingFirst: Bool
    private(set) var streamed: Bool
    private var buffered: [UInt8] = []
    private var sentOffset = 0
    private var remaining: Int64          // streaming: bytes still to move from the client
    private var decoder = ChunkedDecoder()
    private(set) var complete: Bool
    private(set) var failed = false
    private(set) var failureStatus = 400
    private(set) var sentAnyStreamed = false

    init(head: RequestHead, location: LocationRuntime, proxy: ProxyRuntime) {
        framing = head.bodyFraming
        maxSize = location.clientMaxBodySize
        switch framing {
        case .length(let n) where n > 0:
            let small = n <= Int64(location.clientBodyBufferSize) && proxy.requestBuffering
            needsBufferingFirst = small
            streamed = !small
            remaining = n
            complete = false
        case .chunked:
            needsBufferingFirst = true; streamed = false; remaining = 0; complete = false
        default:
            needsBufferingFirst = false; streamed = false; remaining = 0; complete = true
        }
    }

    /// What the upstream's Content-Length is: nil for no body.
    var lengthForUpstream: Int64? {
        switch framing {
        case .length(let n): return n > 0 ? n : (n == 0 ? 0 : nil)
        case .chunked: return complete ? Int64(buffered.count) : nil
        default: return nil
        }
    }

    var rewindable: Bool { !streamed }

    mutating func rewind() { sentOffset = 0 }

    /// Moves body bytes from the client's input buffer into memory (buffered mode).
    mutating func bufferFromClient(_ client: ClientConnection) {
        let input = client.input
        switch framing {
        case .length:
            let take = Int(min(Int64(input.readableCount), remaining))
            buffered.append(contentsOf: UnsafeRawBufferPointer(rebasing: input.readable[..<take]))
            input.consume(take)
            remaining -= Int64(take)
            client.request.requestLength += Int64(take)
            if remaining == 0 { complete = true }
        case .chunked:
            do {
                var body = buffered
                let (consumed, finished) = try decoder.decode(input.readable) { body.append(contentsOf: $0) }
                buffered = body
                input.consume(consumed)
                client.request.requestLength += Int64(consumed)
                if maxSize > 0 && Int64(buffered.count) > maxSize {
                    failed = true; failureStatus = 413
                    client.worker.log(.error, "client intended to send too large chunked body: \(buffered.count)+ bytes", client.id)
                }
                if finished { complete = true }
            } catch {
                failed = true; failureStatus = 400
                client.worker.log(.info, "client sent invalid chunked body", client.id)
            }
        default:
            complete = true
        }
    }

    /// Writes what can be written to the upstream socket `fd`.
    mutating func send(to fd: Int32, client: ClientConnection) -> SendResult {
        if !streamed {
            while sentOffset < buffered.count {
                let r = buffered.withUnsafeBytes { Syscall.write(fd, UnsafeRawBufferPointer(rebasing: $0[sentOffset...])) }
                switch r {
                case .done(let n): sentOffset += n
                case .wouldBlock: return .blocked
                case .eof, .error: return .failed
                }
            }
            return .done
        }
        // Streaming: copy straight from the client's input buffer to the upstream socket.
        let input = client.input
        while remaining > 0 {
            if input.isEmpty {
                return .needClient
            }
            let n = Int(min(Int64(input.readableCount), remaining))
            switch Syscall.write(fd, UnsafeRawBufferPointer(rebasing: input.readable[..<n])) {
            case .done(let w):
                input.consume(w); remaining -= Int64(w); sentAnyStreamed = true
                client.request.requestLength += Int64(w)
            case .wouldBlock:
                client.pauseBody()
                return .blocked
            case .eof, .error:
                return .failed
            }
        }
        complete = true
        return .done
    }
}
