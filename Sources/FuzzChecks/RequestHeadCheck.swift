import HTTP1

/// Fuzz check of `RequestHeadParser`: the verdict does not depend on how the input is split, under the
/// default limits and under small ones; a head that parses re-serializes (request line, then each field as
/// `name: value`) to bytes that parse to the same method, target, version, fields and framing.
public enum RequestHeadCheck {
    static let small = ParserLimits(requestLineMax: 64, headerLineMax: 64, headMax: 256, maxHeaders: 8)

    public static func check(_ data: [UInt8]) throws(FuzzFailure) {
        for limits in [ParserLimits(), small] {
            var parser = RequestHeadParser(limits: limits)
            let verdict = try HeadSplitCheck.verdict(data, what: "request head") { bytes, fresh in
                if fresh { parser.reset() }
                return bytes.withByteView { parser.parse($0) }
            }
            if limits == ParserLimits(), case .complete(let head, _) = verdict { try reparse(head) }
        }
    }

    static func serialize(_ head: RequestHead) -> [UInt8] {
        var w = HeadWriter()
        w.appendRequestLine(method: head.bytes(head.methodRange), target: head.bytes(head.target), version: head.version)
        for i in head.headers.indices { w.appendHeader(from: head, at: i) }
        w.appendEnd()
        return w.finish()
    }

    static func reparse(_ head: RequestHead) throws(FuzzFailure) {
        let bytes = serialize(head)
        var parser = RequestHeadParser()
        let again = bytes.withByteView { parser.parse($0) }
        guard case .complete(let h, let consumed) = again else {
            throw FuzzFailure(
                "re-serialized request head does not parse: \(HeadSplitCheck.describe(again)) for \(show(bytes)), "
                    + "from \(show(head.bytes))")
        }
        try require(consumed == bytes.count, "re-serialized request head consumed \(consumed) of \(bytes.count)")
        let same =
            h.method == head.method && h.bytes(h.methodRange) == head.bytes(head.methodRange)
            && h.bytes(h.target) == head.bytes(head.target) && h.targetForm == head.targetForm
            && h.bytes(h.path) == head.bytes(head.path) && h.query.map(h.bytes) == head.query.map(head.bytes)
            && h.version == head.version && h.contentLength == head.contentLength && h.isChunked == head.isChunked
            && h.keepAlive == head.keepAlive && h.expectsContinue == head.expectsContinue
            && h.connectionUpgrade == head.connectionUpgrade && h.hasUpgrade == head.hasUpgrade && h.hostRange.map(h.bytes) == head.hostRange.map(head.bytes)
            && FieldList(h) == FieldList(head)
        try require(same, "re-serialized request head parses differently: \(show(bytes)) from \(show(head.bytes))")
    }
}

/// A head's fields as (name, value) byte pairs, for comparing two heads with different offsets.
struct FieldList: Equatable {
    var fields: [[UInt8]]

    init(_ head: some HTTPHead) {
        fields = head.headers.indices.flatMap { [Array(head.name(at: $0)), Array(head.value(at: $0))] }
    }
}
