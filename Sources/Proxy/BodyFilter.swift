import HTTP1

/// Where a content filter's output goes: the next filter, or the response's body path (gzip or the client's
/// framing, then the request's sink: `BodyWriter`, or the proxy exchange). `bodyEnd` comes once, after the last
/// piece.
protocol BodyOutput: AnyObject {
    func bodyWrite(_ piece: ByteView)
    func bodyEnd()
    /// Whether the client takes more now (a producer pauses otherwise).
    var bodyCanAcceptOutput: Bool { get }
}

/// A filter that changes a response's body (BodyFilters.swift): the handler feeds it pieces and the end, and it
/// writes its output to the next one.
protocol BodyFilter: BodyOutput {
    /// The response was cut (the client went away, the upstream failed): drop what is held, end nothing.
    func abort()
    /// What the filter holds reached its bound (SSI's bytes behind includes): the producer pauses, and the filter
    /// resumes it (after `noteProducerHeld`) once it holds less.
    var holdsTooMuch: Bool { get }
    func noteProducerHeld()
    /// The client drained: output the filter made but held for it goes out now (gunzip's inflation, which a
    /// small body can make huge). The producer calls it on the first filter before it reads more.
    func continueOutput()
}

extension BodyFilter {
    /// Only gunzip holds output this way, and it is always the first filter: the others have nothing to do.
    func continueOutput() {}
}
