import HTTP1

/// Where a request's response goes: its head, then its body pieces in the client's framing, then the end.
///
/// Handlers (the proxy exchange, static files, `return` and error pages, cache HITs) write into their request's
/// sink (`Request.sink`) and ask it for backpressure; they never reach the socket themselves. A main request's
/// sink is its `ClientConnection` (ClientConnection+ResponseSink.swift), so the common path is the same writes as
/// before, through one protocol witness. A subrequest's sink is the parent's SSI splice (SSIInclude.swift), which
/// keeps the body and drops the head.
protocol ResponseSink: AnyObject {
    /// Sends bytes now, or keeps them; false when the producer should pause until it is resumed.
    @discardableResult
    func send(_ bytes: ByteView) -> Bool
    /// The response is fully produced; the sink finishes it once what it holds has gone.
    func responseComplete()
    /// Collect sends until `uncork` and pass them on at once (one write for a head and its first body bytes).
    func cork()
    func uncork()
    /// Whether the sink takes more now (producers check before reading more).
    var canAcceptOutput: Bool { get }
    /// Nothing is waiting to be passed on.
    var outputIsEmpty: Bool { get }
    /// The producer resumes once the sink drains (a file sender waiting for room).
    func waitWritable()
    /// Whether a file body may go with sendfile(2) straight to the client's socket.
    var takesSendfile: Bool { get }
    /// The producer to resume when the sink drains: a proxy exchange (`clientDrained`) or a file sender (`resume`).
    var exchange: ProxyExchange? { get set }
    var fileSender: FileSender? { get set }
}

extension ResponseSink {
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool { bytes.withByteView { send($0) } }
}

extension ResponseSink {
    /// Lets go of the producer, ending a proxy exchange still under way (a client gone, for a subrequest's sink).
    func abortProducer() {
        let ex = exchange
        exchange = nil
        fileSender = nil
        ex?.abort()
    }
}

/// A sink whose answer is thrown away (auth_request's and mirror's subrequests): it takes everything at once,
/// holds nothing, and never takes a file by sendfile.
protocol DroppingResponseSink: ResponseSink {}

extension DroppingResponseSink {
    @discardableResult
    func send(_ bytes: ByteView) -> Bool { true }
    func cork() {}
    func uncork() {}
    var canAcceptOutput: Bool { true }
    var outputIsEmpty: Bool { true }
    func waitWritable() {}
    var takesSendfile: Bool { false }
}
