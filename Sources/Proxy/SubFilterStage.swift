import HTTP1

/// `sub_filter` on one response body (BodyFilters.swift): the matcher finds the strings, this writes the text and
/// the replacements to the next filter (SSI, when on) or the handler's gzip and framing. A replacement with
/// variables is evaluated when its string is first found, once per response, as nginx does.
final class SubFilterStage: BodyFilter {
    private var matcher: SubFilterMatcher
    private let runtime: SubFilterRuntime
    private unowned(unsafe) let request: Request   // the request outlives its filters
    /// Held strongly, as SSIFilter holds its output; the handler breaks the cycle at `bodyEnd` or `abort`.
    let next: any BodyOutput
    private let nextFilter: (any BodyFilter)?
    private var values: [[UInt8]?]

    init(_ runtime: SubFilterRuntime, patterns: SubFilterPatterns, request: Request, next: any BodyOutput) {
        matcher = SubFilterMatcher(patterns, once: runtime.once)
        self.runtime = runtime
        self.request = request
        self.next = next
        nextFilter = next as? any BodyFilter
        values = [[UInt8]?](repeating: nil, count: runtime.replacements.count)
    }

    func bodyWrite(_ piece: ByteView) {
        if matcher.exhausted { return next.bodyWrite(piece) }
        matcher.feed(piece) { out in self.send(out) }
    }

    func bodyEnd() {
        matcher.finish { out in self.send(out) }
        next.bodyEnd()
    }

    var bodyCanAcceptOutput: Bool { next.bodyCanAcceptOutput }
    func abort() { nextFilter?.abort() }
    var holdsTooMuch: Bool { nextFilter?.holdsTooMuch ?? false }
    func noteProducerHeld() { nextFilter?.noteProducerHeld() }

    private func send(_ out: SubFilterMatcher.Output) {
        switch out {
        case .text(let v):
            if !v.isEmpty { next.bodyWrite(v) }
        case .replacement(let line):
            if values[line] == nil { values[line] = request.evaluate(runtime.replacements[line]) }
            let value = values[line]!
            if !value.isEmpty { value.withByteView { next.bodyWrite($0) } }
        }
    }
}
