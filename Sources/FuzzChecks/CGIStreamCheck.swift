import HTTP1

/// Fuzz check of a uwsgi or SCGI application's answer as the proxy reads it: `CGIHead` over the bare stream,
/// ended where the blank line is whether the bytes come whole, byte by byte or in random pieces, then
/// converted with a status line allowed (a verdict, a status in range, and a head the response parser takes
/// without trapping). The request codecs' decoders (what the test applications read) never trap either, and
/// what they decode encodes back to the same bytes.
public enum CGIStreamCheck {
    public static func check(_ data: [UInt8]) throws(FuzzFailure) {
        let whole = FastCGICheck.cgiHead(data, cuts: [data.count])
        for cuts in FuzzSplits.cutLists(count: data.count, seed: FuzzSplits.seed(data)) {
            let pieces = FastCGICheck.cgiHead(data, cuts: cuts)
            try require(pieces == whole,
                        "the stream's CGI head depends on the split: whole \(show(whole.bytes)) at \(whole.bodyStart ?? -1), "
                            + "pieces \(show(pieces.bytes)) at \(pieces.bodyStart ?? -1) for \(show(data))")
        }
        if whole.bodyStart != nil {
            var cgi = CGIHead()
            _ = whole.bytes.withByteView { cgi.take($0) }
            let converted = cgi.httpHeadOrError(statusLine: true)
            try require((converted.head == nil) != (converted.error == nil),
                        "a stream head converts to a head or to an error, not both or neither: \(show(whole.bytes))")
            if let (bytes, status) = converted.head {
                try require(status >= 100 && status <= 999, "stream head status \(status) for \(show(whole.bytes))")
                var parser = ResponseHeadParser(limits: ParserLimits())
                _ = parser.parse(bytes)
            }
        }
        if let p = UWSGIPacket.decode(data) {
            var again = UWSGIPacket()
            for v in p.vars { again.add(name: v.name, value: v.value) }
            let bytes = again.finish(modifier1: p.modifier1, modifier2: p.modifier2)
            try require(bytes.map { $0[...] } == data[..<p.consumed], "a uwsgi packet does not encode back: \(show(data))")
        }
        if let p = SCGIHeaders.decode(data), let first = p.pairs.first,
           first.name.elementsEqual("CONTENT_LENGTH".utf8), let n = Int64(String(decoding: first.value, as: UTF8.self)),
           String(n).utf8.elementsEqual(first.value) {
            var again = SCGIHeaders(contentLength: n)
            for pair in p.pairs.dropFirst() { again.add(name: pair.name, value: pair.value) }
            try require(again.netstring()[...] == data[..<p.consumed], "an SCGI netstring does not encode back: \(show(data))")
        }
    }
}
