import Config
import HTTP1

/// A subrequest's splice: the sink of one subrequest (SSI's `include virtual=` / `file=`, the addition filter's
/// bodies). Its handler writes a head and body into it as into a client connection; the head is dropped, the body
/// goes to the parent's filter (its SubrequestSpliceHost) at the subrequest's place — straight on while the include is first in line, else held until it is (or kept whole for `set=`).
/// Backpressure is the client's while streaming, else this buffer's.
final class SSIInclude: ResponseSink {
    unowned let filter: any SubrequestSpliceHost
    let stub: [UInt8]?
    let setName: [UInt8]
    var storesInVariable: Bool { !setName.isEmpty }
    /// The body held (not first in line yet, or for `set=`).
    var body: [UInt8] = []
    private(set) var completed = false
    /// The subrequest failed before or while answering (the stub, if any, stands in for it).
    var failed = false
    private var gotBody = false
    /// `\r\n\r\n` bytes matched so far while the head passes; -1 once the body began.
    private var headMatch = 0
    var exchange: ProxyExchange?
    var fileSender: FileSender?
    private var producerWaits = false
    /// The subrequest, held until the parent's filter is done with this include.
    var subrequest: Request?
    /// The subrequest's own SSI filter, when its response is processed too (drains reach its includes).
    weak var nested: SSIFilter?

    init(filter: any SubrequestSpliceHost, stub: [UInt8]? = nil, setName: [UInt8]? = nil) {
        self.filter = filter
        self.stub = stub
        self.setName = setName ?? []
    }

    /// nginx outputs the stub when the subrequest gave no body, or answered with an error or a redirect.
    var usedStub: Bool { stub != nil && (failed || !gotBody) }

    @discardableResult
    func send(_ bytes: ByteView) -> Bool {
        if completed { return false }
        var start = 0
        if headMatch >= 0 {
            // The head the handler wrote ends at the first blank line; the status is in the request already.
            let crlf2: [UInt8] = [13, 10, 13, 10]
            while start < bytes.count && headMatch < 4 {
                headMatch = bytes[start] == crlf2[headMatch] ? headMatch + 1 : (bytes[start] == 13 ? 1 : 0)
                start += 1
            }
            if headMatch < 4 { return true }
            headMatch = -1
            // With `stub=` or `set=`, an answer of 300 or more (an error page, a redirect) counts as a failure, as
            // in nginx: the stub stands in, the variable is empty, and the page's body is not used.
            if (stub != nil || storesInVariable), let s = subrequest?.status, s >= 300 { failed = true }
        }
        if failed { return true }
        if start == bytes.count { return canAcceptOutput }
        let piece = bytes.slice(start, bytes.count)
        gotBody = true
        if storesInVariable {
            // The subrequest's location's subrequest_output_buffer_size, as nginx's postpone filter reads it.
            // Over it the whole request fails, as nginx's NGX_ERROR from a subrequest: the connection closes (with
            // nothing sent yet when the page's output was still postponed, BodyWriter).
            if body.count + piece.count > (subrequest?.location?.subrequestOutputBufferSize ?? SSIFilter.setBodyLimit) {
                failed = true
                let c = filter.request.connection
                c.worker.log(.error, "too big subrequest response while sending to client", c)
                c.close()
                return false
            }
            body.append(contentsOf: Array(piece))
            return true
        }
        if filter.isStreaming(self) {
            filter.output.bodyWrite(piece)
            return filter.output.bodyCanAcceptOutput
        }
        body.append(contentsOf: Array(piece))
        return body.count < SSIFilter.includeBufferLimit
    }

    func responseComplete() {
        if completed { return }
        completed = true
        exchange = nil
        fileSender = nil
        filter.includeDone(self)
    }

    func cork() {}
    func uncork() {}

    var canAcceptOutput: Bool {
        if storesInVariable { return true }
        return filter.isStreaming(self) ? filter.output.bodyCanAcceptOutput : body.count < SSIFilter.includeBufferLimit
    }

    var outputIsEmpty: Bool { canAcceptOutput }
    func waitWritable() { producerWaits = true }
    var takesSendfile: Bool { false }

    /// Room again (the client drained, or this include became first in line): the paused producer goes on.
    func resumeProducer() {
        guard !completed else { return }
        producerWaits = false
        if let fs = fileSender { fs.resume() } else if let ex = exchange { ex.clientDrained() }
        nested?.clientDrained()
    }

    /// The parent's filter has passed this include on.
    func release() { subrequest = nil }

    /// The parent's client went away.
    func abort() {
        completed = true
        abortProducer()
        nested?.abort()
        subrequest = nil
    }
}

/// A request's SSI state: the context it shares with its main request, its subrequest depth, and, for a
/// subrequest, the splice it writes into (held here: the request's `sink` is unowned).
final class SSIRequestState {
    let main: SSIMainContext
    /// nginx's r->subrequests: 51 for a main request, one less per level; an include at 1 is a cycle.
    let depth: Int
    let include: SSIInclude?
    /// The filter running on this request's own response, kept while its includes run.
    var filter: SSIFilter?
    /// The addition filter on this (main) request's response, kept while its subrequests run.
    var addition: AdditionStage?
    /// The slice filter on this (main) request's response, kept while its slices are fetched (SliceDriver.swift).
    var slice: SliceDriver?

    init(main: SSIMainContext, depth: Int, include: SSIInclude?) {
        self.main = main; self.depth = depth; self.include = include
    }

    /// The client drained: the splice first in line of each filter may go on.
    func clientDrained() {
        if let f = filter, f.hasPendingIncludes { f.clientDrained() }
        if let a = addition, a.hasPendingIncludes { a.clientDrained() }
        if let s = slice { s.clientDrained() }
    }

    /// The client went away: every subrequest under way stops.
    func abort() {
        filter?.abort()
        addition?.abort()
        slice?.abort()
    }
}

extension Request {
    /// The SSI context shared with the main request (made by the first filter).
    var ssiMain: SSIMainContext? {
        get { ssi?.main }
        set { if let m = newValue, ssi == nil { ssi = SSIRequestState(main: m, depth: 51, include: nil) } }
    }
    var ssiDepth: Int { ssi?.depth ?? 51 }
}
