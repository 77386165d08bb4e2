import Balancing
import HTTP1

/// One request/response on one upstream connection, as a pure state machine (SwiftNIO's style): the
/// executor (`UpstreamTransactionIO`, `ProxyExchange`) tells it what happened on the socket and does what it
/// answers. It owns the protocol (head parsing, interim 1xx, body framing, chunked decoding, reusability);
/// the executor owns descriptors, timers and the sink. No sockets, no clock: UpstreamTransactionTests drive it
/// byte by byte.
///
///     connecting ─connected→ sending ─requestSent→ awaitingHead ─head→ body ─end→ done(reusable)
///                                           │  101 to a request that asked for an upgrade → upgraded
///     any failure → failed
///
/// Four wire protocols share the machine, the seam between the executor and the protocols: HTTP/1.x, and once
/// `speakCGI` was called (a location whose `ProxyRuntime.cgi` is set) one of the CGI family: FastCGI
/// (FastCGIRequest.swift encodes the request, `FastCGIRecordReader` and `CGIHead` decode the answer), or uwsgi
/// and SCGI (UWSGIRequest.swift, SCGIRequest.swift; the answer is a `CGIHead`, which may start with a status
/// line, then the body until the connection closes or a Content-Length is read). The executor, the retry walk,
/// the balancers, the pool and the client's framing are the same whichever it is.

/// A CGI-family response's decoding state, boxed: one reference in the transaction (inline, its fields would
/// grow every proxied request's exchange).
final class CGIResponse {
    /// FastCGI: the answer comes in records. Else (uwsgi, SCGI) it is a head and a body on the bare stream.
    let framed: Bool
    /// FCGI_KEEP_CONN was asked: the connection may be reused after FCGI_END_REQUEST.
    let keepConn: Bool
    /// `fastcgi_catch_stderr`'s texts.
    let catchStderr: [[UInt8]]
    var records = FastCGIRecordReader()
    var head = CGIHead()
    /// FCGI_STDERR pieces not yet logged (the executor takes them after each step, `takeStderr`).
    var stderr: [[UInt8]] = []
    /// memcached (not CGI, but the same seam): the `get`'s answer, and what its head is made with.
    var memcached: MemcachedReply?
    var memcachedGzipFlag: UInt32 = 0
    var memcachedContentType: [UInt8] = []
    init(framed: Bool, keepConn: Bool, catchStderr: [[UInt8]]) {
        self.framed = framed; self.keepConn = keepConn; self.catchStderr = catchStderr
    }

    /// A fresh state for another try of the same request.
    func restarted() -> CGIResponse {
        let f = CGIResponse(framed: framed, keepConn: keepConn, catchStderr: catchStderr)
        if let m = memcached {
            f.memcached = MemcachedReply(key: m.key)
            f.memcachedGzipFlag = memcachedGzipFlag
            f.memcachedContentType = memcachedContentType
        }
        return f
    }

    /// Whether a stderr piece holds one of `fastcgi_catch_stderr`'s texts.
    func caught(_ piece: ByteView) -> Bool {
        for text in catchStderr where !text.isEmpty && piece.count >= text.count {
            var i = 0
            while i + text.count <= piece.count {
                var k = 0
                while k < text.count && piece[i + k] == text[k] { k += 1 }
                if k == text.count { return true }
                i += 1
            }
        }
        return false
    }
}

/// Where a transaction's body pieces go: the client sink (ProxyExchange) or the cache sink (CacheBackgroundUpdate).
protocol UpstreamBodySink: AnyObject {
    /// A piece of the body, de-chunked; never empty. Valid only during the call.
    func upstreamBody(_ piece: ByteView)
}

/// The Upgrade exit: a `101 Switching Protocols` answer to a request sent with `Upgrade` ends the transaction
/// without framing a body; the executor hands the connection and the bytes already read past the head to its
/// sink (`UpstreamSink.upgraded(connection:leftover:)`), which relays bytes both ways from then on.
struct UpstreamTransaction {
    enum State: Equatable { case connecting, sending, awaitingHead, body, upgraded, done, failed }

    /// Why the transaction failed: the error log's text before "while …", and the `proxy_next_upstream` kind.
    struct Failure: Equatable {
        let reason: String
        let kind: UpstreamFailure
        /// The phase it failed in, for the log's "while …" part.
        let phase: State
    }

    /// What reading the response head gave.
    enum HeadStep: Equatable {
        /// More bytes are needed.
        case incomplete
        /// An interim 1xx head took `consumed` bytes: drop them and call again with the rest.
        case interim(consumed: Int)
        /// The final head: `consumed` bytes of the view were the head. The body
        /// follows in `framing`; `.none` means the transaction is done (`reusable` says if the connection is).
        case head(ResponseHead, consumed: Int)
        /// The Upgrade exit: the bytes after `consumed` belong to the upgraded protocol.
        case upgrade(ResponseHead, consumed: Int)
        case failed(Failure)
    }

    /// What reading body bytes gave.
    enum BodyStep: Equatable {
        /// `consumed` bytes were used (their payload went to `emit`); more body follows.
        case more(consumed: Int)
        /// The body ended after `consumed` bytes; `reusable`: the connection may serve another request.
        case ended(consumed: Int, reusable: Bool)
        case failed(Failure)
    }

    private(set) var state = State.connecting
    /// The final head said the connection may stay open (`keepAlive`); the head itself goes to the executor.
    private(set) var keepAlive = false
    /// The whole request went out (`requestSent`). An answer that came before (a 413 while the body still went up)
    /// leaves the connection unusable: the server may still take what was not sent as the next request.
    private(set) var requestComplete = false
    private(set) var framing = BodyFraming.none
    /// Body bytes still due under `.length`.
    private(set) var remaining: Int64 = 0
    /// The method sent upstream (GET for a HEAD converted by the cache): it decides whether a body follows.
    private let method: HTTPMethod
    /// The CGI family's decoding state (and FCGI_KEEP_CONN); nil for HTTP: the protocol costs the transaction one
    /// reference, the exchange's allocation no more.
    private var cgi: CGIResponse?
    private let upgradeRequested: Bool
    /// `proxy_buffer_size`, kept by the parser's limits: a stored copy would take the exchange that holds this
    /// transaction past glibc's largest fast allocation (see `ProxyExchange.upstreamRate`).
    private var headLimit: Int { parser.limits.headMax }
    /// Bytes of interim 1xx heads skipped so far: together they get `headLimit` too, so an upstream that sends
    /// interim heads without end is a 502 instead of a request held (and a worker busy) for ever.
    private var interimBytes = 0
    private var parser: ResponseHeadParser
    private var decoder = ChunkedDecoder(upstream: true)

    /// `headLimit`: `proxy_buffer_size`, the largest response head (and header line) accepted. HTTP/1.x;
    /// `speakCGI` turns it into a FastCGI, uwsgi or SCGI transaction.
    init(method: HTTPMethod, upgradeRequested: Bool = false, headLimit: Int) {
        self.method = method
        self.upgradeRequested = upgradeRequested
        parser = ResponseHeadParser(limits: ParserLimits(requestLineMax: headLimit, headerLineMax: headLimit,
                                                         headMax: headLimit, maxHeaders: 200))
    }

    /// The response is FastCGI records (`records`: the request went as FastCGIRequest encoded it), or a CGI head
    /// and body on the bare stream (uwsgi, SCGI). Kept out of `init`, so the HTTP path's transaction is built in
    /// place as it always was.
    @inline(never)
    mutating func speakCGI(records: Bool, keepConn: Bool = false, catchStderr: [[UInt8]] = []) {
        cgi = CGIResponse(framed: records, keepConn: keepConn, catchStderr: catchStderr)
    }

    /// The answer is memcached's to `get key` (`key` escaped as it was sent): a hit becomes a 200 of
    /// `contentType` with the value's length (gzip-encoded when its flags have `gzipFlag`), a miss a 404.
    @inline(never)
    mutating func speakMemcached(key: [UInt8], gzipFlag: UInt32, contentType: [UInt8]) {
        let f = CGIResponse(framed: false, keepConn: true, catchStderr: [])
        f.memcached = MemcachedReply(key: key)
        f.memcachedGzipFlag = gzipFlag
        f.memcachedContentType = contentType
        cgi = f
    }

    /// Starts over for another try (a retry or a new connection): same request, nothing read.
    mutating func restart(connected: Bool) {
        // A parser is clean unless a head was cut short (each complete head resets it).
        if state == .sending || state == .awaitingHead || state == .failed { parser.reset() }
        if cgi != nil { restartCGI() }
        state = connected ? .sending : .connecting
        keepAlive = false
        requestComplete = false
        framing = .none
        remaining = 0
        interimBytes = 0
    }

    @inline(never)
    private mutating func restartCGI() {
        if let f = cgi { cgi = f.restarted() }
    }

    // MARK: - Connecting and sending

    mutating func connected() { if state == .connecting { state = .sending } }

    /// The whole request (head and body) is out: the answer is due.
    mutating func requestSent() {
        requestComplete = true
        if state == .sending { state = .awaitingHead }
    }

    /// Whether the connection may serve another request, when the answer's framing says it may.
    private func reusable(_ framingAllows: Bool) -> Bool { framingAllows && requestComplete }

    mutating func connectFailed(errno e: Int32, describe: String) -> Failure {
        fail("connect() failed (\(e): \(describe))", .error)
    }

    /// A write failed; `text` is the failed call's errno text ("(104: Connection reset by peer)").
    mutating func sendFailed(_ text: String) -> Failure { fail("writev() failed \(text)", .error) }

    /// The phase's timer fired (connect, send or read timeout, whichever the executor armed).
    mutating func timedOut() -> Failure { fail("upstream timed out (110: Connection timed out)", .timeout) }

    /// `recv` failed.
    mutating func receiveFailed(errno e: Int32, describe: String) -> Failure {
        fail("recv() failed (\(e): \(describe))", .error)
    }

    // MARK: - Receiving

    /// Parses the response head out of `bytes` (what the connection has buffered from the head's start; the
    /// parser is incremental, so each call passes the same bytes again plus what arrived).
    mutating func receiveHead(_ bytes: ByteView) -> HeadStep {
        var slot = ResponseHeadSlot()
        return receiveHead(bytes, slot: &slot)
    }

    /// `receiveHead(_:)` with the head's storage from the worker's `slot` (see `ResponseHeadSlot`).
    @inline(__always)
    mutating func receiveHead(_ bytes: ByteView, slot: inout ResponseHeadSlot) -> HeadStep {
        if state == .sending { state = .awaitingHead }   // an early answer (e.g. 413 before the body was all sent)
        guard state == .awaitingHead else { return .incomplete }
        guard let f = cgi else { return receiveHTTPHead(bytes, slot: &slot) }
        if f.memcached != nil { return receiveMemcachedHead(bytes, f) }
        return f.framed ? receiveFastCGIHead(bytes, f) : receiveStreamCGIHead(bytes, f)
    }

    /// HTTP/1.x: a status line and header fields, interim 1xx heads skipped, the Upgrade exit.
    @inline(__always)
    private mutating func receiveHTTPHead(_ bytes: ByteView, slot: inout ResponseHeadSlot) -> HeadStep {
        switch parser.parse(bytes, slot: &slot) {
        case .incomplete:
            if bytes.count >= headLimit { return .failed(fail("upstream sent too big header", .invalidHeader)) }
            return .incomplete
        case .failed(let e):
            return .failed(fail(e.reason, .invalidHeader))
        case .complete(let resp, let consumed):
            parser.reset()
            if resp.status == 101 && upgradeRequested {
                state = .upgraded
                return .upgrade(resp, consumed: consumed)
            }
            if resp.status >= 100 && resp.status < 200 && resp.status != 101 {
                interimBytes += consumed
                if interimBytes > headLimit { return .failed(fail("upstream sent too big header", .invalidHeader)) }
                return .interim(consumed: consumed)
            }
            // A 101 nobody asked for (RFC 9110 §15.2.2) is relayed as the bodyless answer it is, as nginx relays it,
            // but what follows on the connection is another protocol's: it is never pooled.
            keepAlive = resp.keepAlive && resp.status != 101
            framing = resp.bodyFraming(requestMethod: method)
            switch framing {
            case .none: state = .done
            case .length(let n): remaining = n; state = n == 0 ? .done : .body
            case .chunked: decoder = ChunkedDecoder(upstream: true); state = .body
            case .untilClose: state = .body
            }
            return .head(resp, consumed: consumed)
        }
    }

    /// nginx's warning when bytes follow the end of an HTTP body in the same read (the connection is then not
    /// reused), or nil for the CGI family's framings.
    var extraDataWarning: String? {
        guard cgi == nil else { return nil }
        switch framing {
        case .length: return "upstream sent more data than specified in \"Content-Length\" header"
        case .chunked: return "upstream sent data after final chunk"
        default: return nil
        }
    }

    /// After `.head`: the connection may be reused now (a bodyless answer with nothing after it).
    func reusableAfterHead(leftover: Int) -> Bool {
        reusable(state == .done && leftover == 0 && keepAlive)
    }

    /// Takes body bytes: their payload (de-chunked) goes to `sink`, one or more pieces, never empty ones.
    mutating func receiveBody(_ bytes: ByteView, to sink: some UpstreamBodySink) -> BodyStep {
        guard state == .body else { return .ended(consumed: 0, reusable: false) }
        guard let f = cgi, f.framed || f.memcached != nil else { return receiveHTTPBody(bytes, to: sink) }   // uwsgi, SCGI: framed as HTTP's
        if f.memcached != nil { return receiveMemcachedBody(bytes, to: sink, f) }
        return receiveFastCGIBody(bytes, to: sink, f)
    }

    /// HTTP/1.x: the body framed by Content-Length, chunked coding or the connection's close.
    @inline(__always)
    private mutating func receiveHTTPBody(_ bytes: ByteView, to sink: some UpstreamBodySink) -> BodyStep {
        switch framing {
        case .length:
            let n = Int(min(Int64(bytes.count), remaining))
            if n > 0 { sink.upstreamBody(bytes.slice(0, n)) }
            remaining -= Int64(n)
            if remaining == 0 { return end(consumed: n, of: bytes.count) }
            return .more(consumed: n)
        case .untilClose:
            if !bytes.isEmpty { sink.upstreamBody(bytes) }
            return .more(consumed: bytes.count)
        case .chunked:
            do {
                let (consumed, finished) = try decoder.decode(bytes) { piece in if !piece.isEmpty { sink.upstreamBody(piece) } }
                if finished { return end(consumed: consumed, of: bytes.count) }
                return .more(consumed: consumed)
            } catch {
                return .failed(fail("upstream sent invalid chunked response", .error))
            }
        case .none:
            return end(consumed: 0, of: bytes.count)
        }
    }

    /// The server closed the connection (EOF): the end of a close-delimited body, else a failure.
    mutating func closed() -> BodyStep {
        if state == .body && framing == .untilClose && cgi?.framed != true {
            state = .done
            return .ended(consumed: 0, reusable: false)
        }
        return .failed(fail("upstream prematurely closed connection", .error))
    }

    // MARK: - The CGI family

    /// FCGI_STDERR pieces read since the last call, for the executor's `FastCGI sent in stderr` lines.
    mutating func takeStderr() -> [[UInt8]] {
        guard let f = cgi, !f.stderr.isEmpty else { return [] }
        defer { f.stderr = [] }
        return f.stderr
    }

    /// The same pieces as nginx's log lines, `FastCGI sent in stderr: "…"` (the phase's words still to add).
    mutating func takeStderrLines() -> [String] {
        takeStderr().map { piece in
            piece.withByteView { "FastCGI sent in stderr: \"" + String(decoding: FastCGIRecordReader.trimmedStderr($0), as: UTF8.self) + "\"" }
        }
    }

    /// Records until the CGI head is whole. What was walked is reported used (`.interim`) as it goes, the head's
    /// bytes being kept in `CGIHead`, so stderr before the head never piles up in the connection's buffer; at the
    /// head's end, the rest of its record stays in the buffer as the body's first bytes.
    private mutating func receiveFastCGIHead(_ bytes: ByteView, _ f: CGIResponse) -> HeadStep {
        var at = 0
        while true {
            let (event, next) = f.records.step(bytes, at: at)
            switch event {
            case .needMore:
                return next > 0 ? .interim(consumed: next) : .incomplete
            case .invalid(let text):
                return .failed(fail(text, .invalidHeader))
            case .stderr(let start, let n):
                f.stderr.append(bytes.array(start, start + n))
                // fastcgi_catch_stderr: an invalid answer, whose only log line is the stderr one (empty reason).
                if !f.catchStderr.isEmpty && f.caught(bytes.slice(start, start + n)) { return .failed(fail("", .invalidHeader)) }
                at = next
            case .endRequest:
                return .failed(fail("upstream prematurely closed FastCGI stdout", .invalidHeader))
            case .stdout(let start, let n):
                if n == 0 { return .failed(fail("upstream prematurely closed FastCGI stdout", .invalidHeader)) }
                switch f.head.take(bytes.slice(start, start + n)) {
                case .incomplete:
                    if f.head.bytes.count > headLimit { return .failed(fail("upstream sent too big header", .invalidHeader)) }
                    at = next
                case .complete(let used):
                    f.records.unread(n - used)   // the body's first bytes, read again by receiveBody
                    return cgiHead(consumed: start + used, f)
                }
            }
        }
    }

    /// uwsgi and SCGI: the head on the bare stream, taken into `CGIHead` as it comes (reported used, as FastCGI's
    /// records are), with an HTTP status line or a CGI `Status`; the body follows it.
    private mutating func receiveStreamCGIHead(_ bytes: ByteView, _ f: CGIResponse) -> HeadStep {
        if bytes.isEmpty { return .incomplete }
        switch f.head.take(bytes) {
        case .incomplete:
            if f.head.bytes.count > headLimit { return .failed(fail("upstream sent too big header", .invalidHeader)) }
            return .interim(consumed: bytes.count)
        case .complete(let used):
            return cgiHead(consumed: used, f)
        }
    }

    /// The CGI head as an HTTP head (`CGIHead.httpHeadOrError`), parsed by the one response parser, and the body's
    /// framing: a Content-Length when the application gave one, else until FCGI_END_REQUEST (FastCGI) or the
    /// connection's close (uwsgi, SCGI, whose connections are never reused, as nginx's).
    private mutating func cgiHead(consumed: Int, _ f: CGIResponse) -> HeadStep {
        let converted = f.head.httpHeadOrError(statusLine: !f.framed)
        guard let (bytes, _) = converted.head else {
            return .failed(fail(converted.error ?? "upstream sent invalid header", .invalidHeader))
        }
        var p = ResponseHeadParser(limits: ParserLimits(requestLineMax: headLimit + 64, headerLineMax: headLimit + 64,
                                                        headMax: headLimit + 64, maxHeaders: 200))
        guard case .complete(let resp, _) = p.parse(bytes) else {
            return .failed(fail("upstream sent invalid header", .invalidHeader))
        }
        keepAlive = false   // reusable only once FCGI_END_REQUEST is read
        switch resp.bodyFraming(requestMethod: method) {
        case .none: framing = .none; state = .done
        case .length(let n): framing = .length(n); remaining = n; state = n == 0 && !f.framed ? .done : .body
        case .chunked, .untilClose: framing = .untilClose; state = .body
        }
        return .head(resp, consumed: consumed)
    }

    /// Stdout records to the sink (no more than a Content-Length the application gave), stderr kept for the log,
    /// until FCGI_END_REQUEST: the end, reusable with FCGI_KEEP_CONN when nothing follows it.
    private mutating func receiveFastCGIBody(_ bytes: ByteView, to sink: some UpstreamBodySink, _ f: CGIResponse) -> BodyStep {
        var at = 0
        while true {
            let (event, next) = f.records.step(bytes, at: at)
            switch event {
            case .needMore:
                return .more(consumed: next)
            case .invalid(let text):
                return .failed(fail(text, .error))
            case .stderr(let start, let n):
                f.stderr.append(bytes.array(start, start + n))
            case .stdout(let start, let n):
                var k = n
                if case .length = framing { k = Int(min(Int64(n), remaining)); remaining -= Int64(k) }
                if k > 0 { sink.upstreamBody(bytes.slice(start, start + k)) }
            case .endRequest:
                if case .length = framing, remaining > 0 {
                    return .failed(fail("upstream prematurely closed FastCGI request", .error))
                }
                state = .done
                return .ended(consumed: next, reusable: reusable(f.keepConn && next == bytes.count))
            }
            at = next
        }
    }

    // MARK: - memcached

    /// The `VALUE` or `END` line as an HTTP head, parsed by the one response parser: 200 with the value's length
    /// (none for a HEAD, whose connection is then not reused: the value is still on it), or nginx's 404 for a miss.
    private mutating func receiveMemcachedHead(_ bytes: ByteView, _ f: CGIResponse) -> HeadStep {
        var w = HeadWriter(capacity: 128 + f.memcachedContentType.count)
        let consumed: Int
        switch f.memcached!.head(bytes, limit: headLimit) {
        case .incomplete:
            return .incomplete
        case .invalid(let text):
            return .failed(fail(text, .invalidHeader))
        case .notFound(let used):
            consumed = used
            w.append("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            framing = .length(0); remaining = 0; state = .done; keepAlive = true
        case .found(let flags, let length, let used):
            consumed = used
            w.append("HTTP/1.1 200 OK\r\n")
            if !f.memcachedContentType.isEmpty { w.appendHeader("Content-Type", f.memcachedContentType) }
            w.appendHeader("Content-Length", length)
            if f.memcachedGzipFlag != 0 && flags & f.memcachedGzipFlag != 0 { w.append("Content-Encoding: gzip\r\n") }
            w.append("\r\n")
            keepAlive = true
            if method == .head {
                framing = .none; state = .done; keepAlive = false
            } else {
                framing = .length(length); remaining = length; state = .body
            }
        }
        var p = ResponseHeadParser(limits: ParserLimits(requestLineMax: 1024, headerLineMax: 1024, headMax: 2048, maxHeaders: 8))
        guard case .complete(let resp, _) = p.parse(w.finish()) else {
            return .failed(fail("memcached sent invalid response", .invalidHeader))
        }
        return .head(resp, consumed: consumed)
    }

    /// The value's bytes to the sink, then its `\r\nEND\r\n`: the end, the connection reusable when the trailer
    /// was right and nothing followed it.
    private mutating func receiveMemcachedBody(_ bytes: ByteView, to sink: some UpstreamBodySink, _ f: CGIResponse) -> BodyStep {
        var used = 0
        if remaining > 0 {
            used = Int(min(Int64(bytes.count), remaining))
            if used > 0 { sink.upstreamBody(bytes.slice(0, used)) }
            remaining -= Int64(used)
            if remaining > 0 { return .more(consumed: used) }
        }
        switch f.memcached!.trailer(bytes.slice(used, bytes.count)) {
        case .more(let n):
            return .more(consumed: used + n)
        case .ended(let n, let valid):
            state = .done
            return .ended(consumed: used + n, reusable: reusable(valid && used + n == bytes.count))
        }
    }

    private mutating func end(consumed: Int, of available: Int) -> BodyStep {
        state = .done
        return .ended(consumed: consumed, reusable: reusable(consumed == available && keepAlive))
    }

    private mutating func fail(_ reason: String, _ kind: UpstreamFailure) -> Failure {
        let f = Failure(reason: reason, kind: kind, phase: state)
        state = .failed
        return f
    }
}

extension UpstreamTransaction.State {
    /// nginx's "while …" for a try in this phase.
    var whileText: String {
        switch self {
        case .connecting: "while connecting to upstream"
        case .sending: "while sending request to upstream"
        case .awaitingHead: "while reading response header from upstream"
        default: "while reading upstream"
        }
    }
}

extension UpstreamTransaction.Failure {
    /// nginx's "while …" for the phase the failure happened in.
    var whileText: String { phase.whileText }

    /// The error log line as ProxyExchange writes it.
    var logLine: String { reason + " " + whileText }
}
