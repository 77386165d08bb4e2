import HTTP1

/// The sink of one slice's subrequest (SliceDriver.swift). Its handler (the proxy exchange, a cache HIT, an error
/// page) writes a head and a body into it as into a client connection: the head is collected and parsed, then
/// handed to the driver with the body pieces after it. Backpressure is the client's.
final class SliceFetch: ResponseSink {
    unowned let driver: SliceDriver
    var exchange: ProxyExchange?
    var fileSender: FileSender?
    /// The subrequest, held while it runs.
    var subrequest: Request?
    /// The head's bytes until its blank line; then the parsed head.
    private var headBytes: [UInt8] = []
    private(set) var head: ResponseHead?
    private(set) var completed = false
    /// The driver refused the head or the body: what still comes is dropped.
    var dropping = false

    /// A head longer than this is no head (a handler writes at most a few KiB).
    static let headLimit = 64 * 1024

    init(driver: SliceDriver) { self.driver = driver }

    @discardableResult
    func send(_ bytes: ByteView) -> Bool {
        if completed || dropping { return true }
        if head != nil {
            driver.sliceBody(self, bytes)
            return driver.clientCanAccept
        }
        let before = headBytes.count
        headBytes.append(contentsOf: Array(bytes))
        guard let end = Self.headEnd(headBytes, from: max(0, before - 3)) else {
            if headBytes.count > Self.headLimit { dropping = true; driver.sliceFailed(self, "too big slice response header") }
            return true
        }
        var parser = ResponseHeadParser()
        guard case .complete(let parsed, _) = parser.parse(Array(headBytes[..<end])) else {
            dropping = true
            driver.sliceFailed(self, "invalid slice response header")
            return true
        }
        head = parsed
        let raw = Array(headBytes[..<end])
        headBytes = []
        if !driver.sliceHead(self, raw, parsed) { dropping = true; return true }
        if end - before < bytes.count {
            driver.sliceBody(self, bytes.slice(end - before, bytes.count))
        }
        return driver.clientCanAccept
    }

    /// The end of the first `\r\n\r\n` at or after `from`, nil before it came.
    private static func headEnd(_ b: [UInt8], from: Int) -> Int? {
        var i = from
        while i + 3 < b.count {
            if b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i + 4 }
            i += 1
        }
        return nil
    }

    func responseComplete() {
        if completed { return }
        completed = true
        exchange = nil
        fileSender = nil
        driver.sliceDone(self)
    }

    func cork() {}
    func uncork() {}
    var canAcceptOutput: Bool { dropping || driver.clientCanAccept }
    var outputIsEmpty: Bool { canAcceptOutput }
    func waitWritable() { driver.request.sink.waitWritable() }
    var takesSendfile: Bool { false }

    /// The client drained: the paused producer goes on.
    func resumeProducer() {
        guard !completed else { return }
        if let fs = fileSender { fs.resume() } else if let ex = exchange { ex.clientDrained() }
    }

    /// The client went away, or the response was cut: the subrequest's producer stops.
    func abort() {
        completed = true
        abortProducer()
        subrequest = nil
    }
}
