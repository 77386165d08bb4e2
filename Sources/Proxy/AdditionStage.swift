import HTTP1

/// The addition filter on one main response (BodyFilters.swift): the `add_before_body` subrequest's body first,
/// then the page's, then the `add_after_body` subrequest's. It sits after the page's other filters, where nginx's
/// postpone filter splices subrequests, so the page's sub_filter and SSI never see the added bodies (each is
/// filtered by its own location). The subrequests write through splices (SSIInclude) as SSI's includes do: one
/// streams when first in line; the page's bytes behind a pending before-body are held, up to SSI's bound, then
/// the page's producer pauses.
final class AdditionStage: BodyFilter, SubrequestSpliceHost {
    private let runtime: AdditionRuntime
    unowned let request: Request
    /// Held strongly, as SSIFilter holds its output; the handler breaks the cycle at `bodyEnd` or `abort`.
    let output: any BodyOutput
    private var beforeStarted = false
    private var before: SSIInclude?
    private var after: SSIInclude?
    /// The page's bytes waiting for the before-body to complete.
    private var held: [UInt8] = []
    private var inputEnded = false
    private var ended = false
    private var producerHeld = false

    init(runtime: AdditionRuntime, request: Request, output: any BodyOutput) {
        self.runtime = runtime
        self.request = request
        self.output = output
        if request.ssiMain == nil { request.ssiMain = SSIMainContext() }   // the subrequests' depth and context
        request.ssi?.addition = self   // drains and aborts reach it through the request
    }

    func bodyWrite(_ piece: ByteView) {
        if ended { return }
        startBefore()
        if before != nil || !held.isEmpty {
            held.append(contentsOf: Array(piece))
            return
        }
        output.bodyWrite(piece)
    }

    func bodyEnd() {
        if ended || inputEnded { return }
        startBefore()
        inputEnded = true
        if let uri = runtime.after {
            let inc = SSIInclude(filter: self)
            after = inc
            start(uri, inc)
        }
        endIfDone()
    }

    var bodyCanAcceptOutput: Bool { output.bodyCanAcceptOutput }
    var holdsTooMuch: Bool { held.count >= SSIFilter.includeBufferLimit }
    func noteProducerHeld() { producerHeld = true }

    /// The first piece (or the end of an empty body): nginx makes the before-body subrequest here.
    private func startBefore() {
        if beforeStarted { return }
        beforeStarted = true
        guard let uri = runtime.before else { return }
        let inc = SSIInclude(filter: self)
        before = inc
        start(uri, inc)
    }

    /// A main request's subrequest: nginx's URI as written, no arguments.
    private func start(_ uri: [UInt8], _ inc: SSIInclude) {
        SSISubrequest.start(uri: uri, args: nil, parent: request, include: inc)
    }

    // MARK: - The splices

    func isStreaming(_ inc: SSIInclude) -> Bool {
        if inc === before { return true }
        return inc === after && before == nil && held.isEmpty
    }

    func includeDone(_ inc: SSIInclude) {
        if inc === before {
            before = nil
            inc.release()
            if !inc.body.isEmpty { let b = inc.body; inc.body = []; b.withByteView { output.bodyWrite($0) } }
            if !held.isEmpty { let h = held; held = []; h.withByteView { output.bodyWrite($0) } }
            if let a = after, !a.completed {   // it streams from here on
                if !a.body.isEmpty { let b = a.body; a.body = []; b.withByteView { output.bodyWrite($0) } }
                a.resumeProducer()
            }
            if producerHeld && !ended {   // the page's producer paused for the hold: on again
                producerHeld = false
                let s = request.sink
                if let fs = s.fileSender { fs.resume() } else if let ex = s.exchange { ex.clientDrained() }
            }
        }
        endIfDone()
    }

    private func endIfDone() {
        guard inputEnded, !ended, before == nil else { return }
        if let a = after {
            guard a.completed else { return }
            after = nil
            a.release()
            if !a.body.isEmpty { let b = a.body; a.body = []; b.withByteView { output.bodyWrite($0) } }
        }
        ended = true
        output.bodyEnd()
    }

    /// Whether a subrequest is still under way.
    var hasPendingIncludes: Bool { before != nil || after != nil }

    /// The client drained: the subrequest first in line may go on.
    func clientDrained() {
        if let b = before { b.resumeProducer() } else if let a = after, !a.completed { a.resumeProducer() }
    }

    func abort() {
        ended = true
        before?.abort(); after?.abort()
        before = nil; after = nil
        held = []
    }
}
