import Config
import EventLoop
import Glibc
import HTTP1

/// What a request body is read from: the client connection, through only what the body needs.
protocol RequestBodySource: AnyObject {
    /// Bytes the client sent past the head, not yet taken.
    var input: IOBuffer { get }
    /// `n` more bytes of the body were read (`$request_length`).
    func countBodyBytes(_ n: Int64)
    /// The upstream is slow: stop reading the client until it drains.
    func pauseBody()
    /// An error log line about this client's body.
    func logBody(_ level: LogLevel, _ message: String)
}

/// The request body on its way upstream, in nginx's model:
/// - `proxy_request_buffering on` (default): the whole body is read before going upstream — in memory up to
///   `client_body_buffer_size`, beyond that spooled to an unlinked temp file under `client_body_temp_path` — then
///   sent with a Content-Length (a chunked body is de-chunked). Memory stays bounded whatever the size, and a
///   failed try can resend the body to the next server.
/// - `proxy_request_buffering off`: a Content-Length body streams through as it arrives; a chunked one streams
///   re-chunked when `proxy_http_version 1.1` (an HTTP/1.0 upstream needs a length, so it is buffered as above),
///   or decoded into FCGI_STDIN records for FastCGI. A streamed body cannot be resent once bytes went out.
/// - `client_body_in_file_only on|clean` (buffered mode only): every body goes to the temp file, whose name
///   `$request_body_file` gives; `proxy_pass_request_body off` and `proxy_set_body`: the client's body is read
///   as usual, then not sent.
struct RequestBody {
    /// `failed` carries the failed call's result, so the log names the real errno.
    enum SendResult { case done, blocked, needClient, failed(IOResult), clientFailed(Int) }

    private let framing: BodyFraming
    private let maxSize: Int64
    private let memoryLimit: Int
    private let tempPath: BodyTempPath
    private(set) var needsBufferingFirst: Bool
    private(set) var streamed: Bool
    /// Streaming a chunked body: decoded from the client, framed again for the upstream (chunks, or FastCGI's
    /// records when `records`).
    private let rechunked: Bool
    /// The body read whole (buffered mode). A streamed body is never kept here, so a chunked body streamed to
    /// FastCGI uses it for one client read's decoded bytes before they are framed as records: a field of its own
    /// took ProxyExchange, which holds this inline, past glibc's largest tcache size (1,032 bytes), and every
    /// proxied request's one allocation onto malloc's slow path.
    private var buffered: [UInt8] = []
    private var spool: BodySpool?
    private var sentOffset: Int64 = 0
    private var remaining: Int64          // Content-Length bytes still to read from the client
    private var decoder = ChunkedDecoder()
    private var decodedAll = false
    private var staging: [UInt8] = []     // decoded pieces (buffering) or re-chunked bytes (streaming)
    private var stagingSent = 0
    /// The status a chunked body's framing called for while the head was written (`writeHead`).
    private var badFraming: Int?
    private var received: Int64 = 0       // body bytes (decoded) taken from the client so far
    private(set) var complete: Bool
    private(set) var failed = false
    private(set) var failureStatus = 400
    private(set) var sentAnyStreamed = false
    /// `proxy_set_body` or `proxy_pass_request_body off`: the client's body is read and not sent
    /// (UpstreamRequest sends the configured one, or none).
    private let replaced: Bool
    /// A streamed body that fits `client_body_buffer_size` is also kept, so `$request_body` reads it after it went
    /// upstream (an error page, a log), as nginx's buffers still hold it.
    private var captured: [UInt8] = []
    private var capturing = false
    private let captureLimit: Int
    /// The error log level of nginx's "buffered to a temporary file" line: notice when every body goes there.
    private let spoolLogLevel: LogLevel
    /// FastCGI: the body goes as FCGI_STDIN records of at most 32 KiB, then the empty one that ends the stream.
    /// (uwsgi and SCGI send it as it is, as proxy_pass does.)
    private let records: Bool
    /// The stream's end is in `staging` (which holds the record being written: header, a piece, padding).
    private var recordsEnded = false

    /// `bodyless`: an earlier try of an internal redirect's chain took the body (proxy_intercept_errors).
    /// `buffered`: read whole first whatever proxy_request_buffering says (mirrors wait for the body, as nginx's
    /// mirror_request_body turns unbuffered proxying off).
    init(head: RequestHead, location: LocationRuntime, proxy: ProxyRuntime, bodyless: Bool = false, buffered: Bool = false) {
        framing = bodyless ? .none : head.bodyFraming
        maxSize = location.clientMaxBodySize
        tempPath = location.clientBodyTemp
        captureLimit = location.clientBodyBufferSize
        memoryLimit = tempPath.fileOnly == .off ? captureLimit : 0
        spoolLogLevel = tempPath.fileOnly == .off ? .warn : .notice
        replaced = !proxy.plainRequest && (proxy.rewrites.body != nil || !proxy.rewrites.passRequestBody)
        records = proxy.cgi?.records == true
        // A chunked body streams to an HTTP/1.1 upstream re-chunked, and to FastCGI as records (which need no
        // length); uwsgi and SCGI read it whole first, as nginx's, since they need CONTENT_LENGTH before the body.
        let buffering = proxy.requestBuffering || buffered
        rechunked = framing == .chunked && !buffering && !replaced
            && (proxy.cgi == nil ? proxy.httpVersion11 : records)
        switch framing {
        case .length(let n) where n > 0:
            needsBufferingFirst = buffering || replaced
            streamed = !buffering && !replaced
            capturing = streamed && n <= captureLimit
            remaining = n
            complete = false
        case .chunked:
            needsBufferingFirst = !rechunked; streamed = rechunked; remaining = 0; complete = false
            capturing = rechunked
        default:
            needsBufferingFirst = false; streamed = false; remaining = 0; complete = true
        }
    }

    /// What the upstream's Content-Length is: nil for no body, or for a body streamed re-chunked.
    var lengthForUpstream: Int64? {
        switch framing {
        case .length(let n): return n > 0 ? n : (n == 0 ? 0 : nil)
        case .chunked: return complete && !rechunked ? received : nil
        default: return nil
        }
    }

    /// The upstream request says `Transfer-Encoding: chunked`.
    var chunkedUpstream: Bool { rechunked && !records }

    var rewindable: Bool { !streamed }

    /// Whether the body went to a temp file (for tests and logs).
    var isSpooled: Bool { spool != nil }

    /// `$request_body_file`: the temp file's name (it no longer exists unless `client_body_in_file_only`).
    var filePath: String? { spool?.path }

    /// The whole body when it was read into memory (`$request_body`, as nginx: empty when it went to a temp
    /// file); shares the buffer's storage, no copy. A streamed body is there when it fitted
    /// `client_body_buffer_size`.
    var inMemory: [UInt8]? {
        guard complete else { return nil }
        if streamed { return capturing ? captured : nil }
        return spool == nil ? buffered : nil
    }

    /// A mirror subrequest's body, already read from the client: sent as a buffered one, from memory or from
    /// the main request's temp file (shared; each body keeps its own offset).
    mutating func preset(_ body: MirroredBody) {
        switch body {
        case .memory(let bytes): buffered = bytes
        case .file(let s): spool = s
        }
        received = body.count; remaining = 0
        complete = true; needsBufferingFirst = false; streamed = false; capturing = false
    }

    /// The whole body once read, for mirrors to send: nil while incomplete, streamed, or replaced.
    var mirrorCopy: MirroredBody? {
        guard complete, !streamed, !failed else { return nil }
        if let s = spool { return .file(s) }
        return .memory(buffered)
    }

    mutating func rewind() {
        sentOffset = 0
        if records { staging.removeAll(keepingCapacity: true); stagingSent = 0; recordsEnded = false }
    }

    // MARK: - Buffering

    /// Moves body bytes from the client's input buffer into memory or the temp file (buffered mode).
    mutating func bufferFromClient(_ client: some RequestBodySource) {
        let input = client.input
        switch framing {
        case .length:
            let take = Int(min(Int64(input.readableCount), remaining))
            store(input.view(prefix: take), client)
            input.consume(take)
            remaining -= Int64(take)
            client.countBodyBytes(Int64(take))
            if remaining == 0 && !failed { complete = true }
        case .chunked:
            var pieces = staging
            staging = []
            pieces.removeAll(keepingCapacity: true)
            if let status = decodeChunks(from: client, into: &pieces, rechunk: false) {
                failed = true; failureStatus = status
                return
            }
            pieces.withByteView { store($0, client) }
            staging = pieces
            if decodedAll && !failed { complete = true; staging = [] }
        default:
            complete = true
        }
    }

    /// Decodes what the client's input holds of a chunked body into `out` (re-chunked for the upstream when
    /// `rechunk`): the one place a chunked request body is checked. Nil, or the status to answer: 400 for
    /// bad framing, 413 when a declared size goes beyond `client_max_body_size` (at once, not after its bytes,
    /// as nginx does).
    private mutating func decodeChunks(from client: some RequestBodySource, into out: inout [UInt8], rechunk: Bool) -> Int? {
        let input = client.input
        let consumed: Int
        let start = out.count
        // Streamed to FastCGI, a read's decoded bytes are framed as records: they collect in `buffered` (its
        // capacity kept across reads) rather than in `out`, so they are not copied out again.
        let intoRecords = rechunk && records
        if intoRecords { buffered.removeAll(keepingCapacity: true) }
        do {
            let r = try decoder.decode(input.view) { piece in
                if intoRecords { buffered.append(contentsOf: piece) } else { out.append(contentsOf: piece) }
            }
            consumed = r.consumed; decodedAll = r.finished
        } catch {
            client.logBody(.error, "client sent invalid chunked body")
            return 400
        }
        // What one read brought goes up as one chunk (or FastCGI records), however the client cut it (nginx does
        // the same).
        if intoRecords && !buffered.isEmpty {
            if capturing { capture(buffered) }
            buffered.withByteView { FastCGI.appendRecords(.stdin, $0, to: &out) }
        } else if rechunk && out.count > start {
            if capturing { capture(out[start...]) }
            var size: [UInt8] = []
            ChunkedEncoder.appendChunkHeader(out.count - start, to: &size)
            out.insert(contentsOf: size, at: start)
            ChunkedEncoder.appendChunkEnd(to: &out)
        }
        input.consume(consumed)
        client.countBodyBytes(Int64(consumed))
        if maxSize > 0 && decoder.declaredBytes > maxSize {
            client.logBody(.error, decoder.tooLargeLine)
            return 413
        }
        if rechunk && decodedAll {
            if records {
                FastCGI.appendHeader(.stdin, length: 0, padding: 0, to: &out)
                recordsEnded = true
            } else {
                ChunkedEncoder.appendLastChunk(to: &out)
            }
        }
        return nil
    }

    /// Keeps body bytes: in memory while they fit `client_body_buffer_size`, then all of them in the temp file.
    private mutating func store(_ bytes: ByteView, _ client: some RequestBodySource) {
        if bytes.isEmpty || failed { return }
        received += Int64(bytes.count)
        if spool == nil && buffered.count + bytes.count <= memoryLimit {
            buffered.append(contentsOf: bytes)
            return
        }
        if spool == nil {
            switch BodySpool.create(in: tempPath) {
            case .failure(let f): return fail(f, client)
            case .success(let s):
                spool = s
                client.logBody(spoolLogLevel, "a client request body is buffered to a temporary file \(s.path)")
                if let f = buffered.withByteView({ s.append($0) }) { return fail(f, client) }
                buffered = []
            }
        }
        if let f = spool!.append(bytes) { fail(f, client) }
    }

    /// Keeps a copy of streamed bytes for `$request_body` while the body fits `client_body_buffer_size`.
    private mutating func capture(_ bytes: some Collection<UInt8>) {
        if captured.count + bytes.count > captureLimit { capturing = false; captured = []; return }
        captured.append(contentsOf: bytes)
    }

    private mutating func fail(_ f: BodySpool.Failure, _ client: some RequestBodySource) {
        failed = true; failureStatus = 500
        client.logBody(.crit, f.message)
    }

    // MARK: - Sending

    /// Whether the head's first write carries body bytes too (`writeHead`): a streamed body, or one in memory
    /// (FastCGI's as its first FCGI_STDIN record).
    var joinsHead: Bool { streamed || (!replaced && spool == nil && !buffered.isEmpty) }

    /// A chunked body to be streamed: the chunks the client's input holds already are decoded (and checked)
    /// before any server is contacted, as nginx reads its preread body before it starts the upstream, so a first
    /// chunk larger than `client_max_body_size`, or bad framing, is answered without the server seeing a request
    /// head. Nil, or the status to answer. The decoded bytes wait in `staging` for the head's writev.
    /// (HTTP upstreams; a FastCGI stream's records are staged with its head, as before.)
    mutating func prereadChunks(from client: some RequestBodySource) -> Int? {
        guard rechunked, !records, staging.isEmpty, !decodedAll, !client.input.isEmpty else { return nil }
        var out = staging
        staging = []
        let failure = decodeChunks(from: client, into: &out, rechunk: true)
        received = decoder.decodedBytes
        if failure == nil { staging = out }
        return failure
    }

    /// The head's first write. The body's first bytes go in the same writev, as nginx sends them: one segment,
    /// so the upstream's first read has both. Answers for the head only (body bytes it took are accounted
    /// here); a chunked body the client framed badly is left for `send` to report (`badFraming`).
    mutating func writeHead(_ head: [UInt8], to fd: Int32, client: some RequestBodySource) -> IOResult {
        if records { return writeHeadWithRecord(head, to: fd, client: client) }
        guard streamed else {
            guard joinsHead else { return Syscall.write(fd, head) }
            let r = head.withByteView { h in buffered.withByteView { Syscall.writev(fd, h, $0) } }
            guard case .done(let n) = r, n > head.count else { return r }
            sentOffset = Int64(n - head.count)
            return .done(head.count)
        }
        let input = client.input
        if rechunked {
            if staging.isEmpty && !decodedAll && !input.isEmpty {
                var out = staging
                staging = []
                badFraming = decodeChunks(from: client, into: &out, rechunk: true)
                received = decoder.decodedBytes
                staging = badFraming == nil ? out : []
            }
            let r = head.withByteView { h in staging.withByteView { Syscall.writev(fd, h, $0) } }
            guard case .done(let n) = r, n > head.count else { return r }
            stagingSent = n - head.count; sentAnyStreamed = true
            return .done(head.count)
        }
        let n = Int(min(Int64(input.readableCount), remaining))
        let r = head.withByteView { Syscall.writev(fd, $0, input.view(prefix: n)) }
        guard case .done(let w) = r, w > head.count else { return r }
        let k = w - head.count
        if capturing { captured.append(contentsOf: input.view(prefix: k)) }
        input.consume(k); remaining -= Int64(k); sentAnyStreamed = true
        client.countBodyBytes(Int64(k))
        return .done(head.count)
    }

    /// Writes what can be written to the upstream socket `fd`.
    mutating func send(to fd: Transport, client: some RequestBodySource) -> SendResult {
        if !streamed { return sendBuffered(to: fd) }
        if rechunked { return sendRechunked(to: fd, client: client) }   // chunks, or FastCGI records
        if records { return sendStreamedRecords(to: fd, client: client) }
        // Streaming: copy straight from the client's input buffer to the upstream socket.
        let input = client.input
        while remaining > 0 {
            if input.isEmpty {
                return .needClient
            }
            let n = Int(min(Int64(input.readableCount), remaining))
            let r = fd.write(input.view(prefix: n))
            switch r {
            case .done(let w):
                if capturing { captured.append(contentsOf: input.view(prefix: w)) }
                input.consume(w); remaining -= Int64(w); sentAnyStreamed = true
                client.countBodyBytes(Int64(w))
            case .wouldBlock:
                client.pauseBody()
                return .blocked
            case .eof, .error:
                return .failed(r)
            }
        }
        complete = true
        return .done
    }

    private mutating func sendBuffered(to fd: Transport) -> SendResult {
        if replaced { return .done }
        if records { return sendRecords(to: fd) }
        if let s = spool {
            while sentOffset < s.size {
                let r = s.send(to: fd, offset: &sentOffset)
                switch r {
                case .done: continue
                case .wouldBlock: return .blocked
                case .eof, .error: return .failed(r)
                }
            }
            return .done
        }
        while sentOffset < Int64(buffered.count) {
            let from = Int(sentOffset)
            let r = fd.write(buffered, from: from)
            switch r {
            case .done(let n): sentOffset += Int64(n)
            case .wouldBlock: return .blocked
            case .eof, .error: return .failed(r)
            }
        }
        return .done
    }

    /// FastCGI: the buffered body (memory or temp file) as FCGI_STDIN records, one at a time, then the stream's
    /// end; nothing when there is no body (FastCGIRequest ended the stream in the head then).
    private mutating func sendRecords(to fd: Transport) -> SendResult {
        let total = spool?.size ?? Int64(buffered.count)
        if total == 0 { return .done }
        while true {
            while stagingSent < staging.count {
                let r = fd.write(staging, from: stagingSent)
                switch r {
                case .done(let n): stagingSent += n
                case .wouldBlock: return .blocked
                case .eof, .error: return .failed(r)
                }
            }
            staging.removeAll(keepingCapacity: true)
            stagingSent = 0
            if recordsEnded { return .done }
            if sentOffset >= total {
                FastCGI.appendHeader(.stdin, length: 0, padding: 0, to: &staging)
                recordsEnded = true
                continue
            }
            let n = Int(min(Int64(FastCGI.stdinPiece), total - sentOffset))
            if let s = spool {
                var piece = [UInt8](repeating: 0, count: n)
                guard case .done(let got) = Syscall.pread(s.fd, into: &piece, count: n, at: sentOffset), got > 0 else {
                    return .failed(.error(EIO))
                }
                piece.withByteView { FastCGI.appendRecords(.stdin, $0.slice(0, got), to: &staging) }
                sentOffset += Int64(got)
            } else {
                stageBufferedRecord()
            }
        }
    }

    /// FastCGI: the params and the body's first FCGI_STDIN record in one writev, as nginx sends them (an
    /// application's first read then has the body that came with the request). What the write leaves of the
    /// record stays staged for `send`.
    private mutating func writeHeadWithRecord(_ head: [UInt8], to fd: Int32, client: some RequestBodySource) -> IOResult {
        if staging.isEmpty {
            if rechunked {
                if !decodedAll && !client.input.isEmpty {
                    var out: [UInt8] = []
                    badFraming = decodeChunks(from: client, into: &out, rechunk: true)
                    received = decoder.decodedBytes
                    if badFraming == nil { staging = out }
                }
            } else if streamed {
                if !client.input.isEmpty && remaining > 0 { stageStreamedRecord(client) }
            } else if !replaced && spool == nil && sentOffset < Int64(buffered.count) {
                stageBufferedRecord()
            }
        }
        if staging.isEmpty { return Syscall.write(fd, head) }
        let r = head.withByteView { h in staging.withByteView { Syscall.writev(fd, h, $0) } }
        guard case .done(let n) = r, n > head.count else { return r }
        stagingSent = n - head.count
        if streamed { sentAnyStreamed = true }
        return .done(head.count)
    }

    /// FastCGI: the next FCGI_STDIN record of a streamed body, from the client's input (not empty).
    private mutating func stageStreamedRecord(_ client: some RequestBodySource) {
        let input = client.input
        let n = Int(min(Int64(min(input.readableCount, FastCGI.stdinPiece)), remaining))
        let piece = input.view(prefix: n)
        if capturing { captured.append(contentsOf: piece) }
        FastCGI.appendRecords(.stdin, piece, to: &staging)
        input.consume(n); remaining -= Int64(n)
        client.countBodyBytes(Int64(n))
    }

    /// FastCGI: the next FCGI_STDIN record of a body held in memory.
    private mutating func stageBufferedRecord() {
        let from = Int(sentOffset), n = min(FastCGI.stdinPiece, buffered.count - from)
        buffered.withByteView { FastCGI.appendRecords(.stdin, $0.slice(from, from + n), to: &staging) }
        sentOffset += Int64(n)
        // The last piece and the stream's end leave in one write, as nginx chains them: a small body reaches the
        // application whole in one segment (an application's first read may be all it reads before answering).
        if sentOffset == Int64(buffered.count) && !recordsEnded {
            FastCGI.appendHeader(.stdin, length: 0, padding: 0, to: &staging)
            recordsEnded = true
        }
    }

    /// Writes what is staged: nil once it is all out (the staging is then empty again), else why sending stops.
    private mutating func flushStaging(to fd: Transport, client: some RequestBodySource) -> SendResult? {
        while stagingSent < staging.count {
            let r = fd.write(staging, from: stagingSent)
            switch r {
            case .done(let n): stagingSent += n; sentAnyStreamed = true
            case .wouldBlock: client.pauseBody(); return .blocked
            case .eof, .error: return .failed(r)
            }
        }
        staging.removeAll(keepingCapacity: true)
        stagingSent = 0
        return nil
    }

    /// FastCGI with `fastcgi_request_buffering off`: the client's bytes as they arrive, one FCGI_STDIN record (at
    /// most 32 KiB) at a time, then the stream's end; the client is not read while the application is slow.
    private mutating func sendStreamedRecords(to fd: Transport, client: some RequestBodySource) -> SendResult {
        while true {
            if let stop = flushStaging(to: fd, client: client) { return stop }
            if recordsEnded { complete = true; return .done }
            if remaining == 0 {
                FastCGI.appendHeader(.stdin, length: 0, padding: 0, to: &staging)
                recordsEnded = true
                continue
            }
            if client.input.isEmpty { return .needClient }
            stageStreamedRecord(client)
        }
    }

    /// Streams a chunked body re-chunked: one client read's worth of chunks is staged at a time, so memory is
    /// bounded by the client's input buffer, and the client is not read while the upstream is slow.
    private mutating func sendRechunked(to fd: Transport, client: some RequestBodySource) -> SendResult {
        if let status = badFraming { return .clientFailed(status) }
        while true {
            if let stop = flushStaging(to: fd, client: client) { return stop }
            if decodedAll && (!records || recordsEnded) { complete = true; return .done }
            if client.input.isEmpty { return .needClient }
            var out = staging
            staging = []
            let failure = decodeChunks(from: client, into: &out, rechunk: true)
            received = decoder.decodedBytes
            staging = out
            if let status = failure { return .clientFailed(status) }
        }
    }
}
