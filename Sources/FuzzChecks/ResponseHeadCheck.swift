import HTTP1

/// Fuzz check of `ResponseHeadParser`, as `RequestHeadCheck`: split-independent verdicts under two sets of
/// limits, and a parsed head re-serializes (status line with the reason as received) to the same head.
public enum ResponseHeadCheck {
    public static func check(_ data: [UInt8]) throws(FuzzFailure) {
        for limits in [ParserLimits(), RequestHeadCheck.small] {
            var parser = ResponseHeadParser(limits: limits)
            let verdict = try HeadSplitCheck.verdict(data, what: "response head") { bytes, fresh in
                if fresh { parser.reset() }
                return bytes.withByteView { parser.parse($0) }
            }
            if limits == ParserLimits(), case .complete(let head, _) = verdict { try reparse(head) }
        }
    }

    static func reparse(_ head: ResponseHead) throws(FuzzFailure) {
        var w = HeadWriter()
        w.appendStatusLine(head.status, reason: head.bytes(head.reason), version: head.version)
        for i in head.headers.indices { w.appendHeader(from: head, at: i) }
        w.appendEnd()
        let bytes = w.finish()
        var parser = ResponseHeadParser()
        let again = parser.parse(bytes)
        guard case .complete(let h, let consumed) = again else {
            throw FuzzFailure(
                "re-serialized response head does not parse: \(HeadSplitCheck.describe(again)) for \(show(bytes)), "
                    + "from \(show(head.bytes))")
        }
        try require(consumed == bytes.count, "re-serialized response head consumed \(consumed) of \(bytes.count)")
        let same =
            h.version == head.version && h.status == head.status && h.bytes(h.reason) == head.bytes(head.reason)
            && h.contentLength == head.contentLength && h.isChunked == head.isChunked && h.keepAlive == head.keepAlive
            && h.connectionUpgrade == head.connectionUpgrade && h.hasSetCookie == head.hasSetCookie
            && FieldList(h) == FieldList(head)
        try require(same, "re-serialized response head parses differently: \(show(bytes)) from \(show(head.bytes))")
    }
}
