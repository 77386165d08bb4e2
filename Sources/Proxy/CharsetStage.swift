import HTTP1

/// The charset filter on one response body (BodyFilters.swift): each piece recoded (CharsetRecoder, which holds a
/// UTF-8 character split between pieces) and written to the next filter (SSI, when on) or the handler's gzip and
/// framing.
final class CharsetStage: BodyFilter {
    private var recoder: CharsetRecoder
    /// Held strongly, as the other filters hold theirs; the handler breaks the cycle at `bodyEnd` or `abort`.
    let next: any BodyOutput
    private let nextFilter: (any BodyFilter)?
    private var out: [UInt8] = []

    init(_ table: CharsetTable, next: any BodyOutput) {
        recoder = CharsetRecoder(table)
        self.next = next
        nextFilter = next as? any BodyFilter
    }

    func bodyWrite(_ piece: ByteView) {
        out.removeAll(keepingCapacity: true)
        recoder.recode(piece, into: &out)
        if !out.isEmpty { out.withByteView { next.bodyWrite($0) } }
    }

    func bodyEnd() { next.bodyEnd() }
    var bodyCanAcceptOutput: Bool { next.bodyCanAcceptOutput }
    func abort() { nextFilter?.abort() }
    var holdsTooMuch: Bool { nextFilter?.holdsTooMuch ?? false }
    func noteProducerHeld() { nextFilter?.noteProducerHeld() }
}
