import HTTP1

/// Fuzz check of a FastCGI application's answer as the proxy reads it: `FastCGIRecordReader` over the records,
/// then `CGIHead` over the stdout stream and its HTTP head. The stdout and stderr bytes, the end, the refusal
/// and the bytes used are the same whether the input comes whole, byte by byte or in random pieces (each step
/// gets only what was not used yet, as the read loop does); so are the CGI head's bytes, where it ends in the
/// stdout stream, and its conversion. A converted head goes through the response parser, as in the proxy.
public enum FastCGICheck {
    struct Records: Equatable {
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var ended = false
        var invalid: String?
        var consumed = 0
    }

    struct Head: Equatable {
        var bytes: [UInt8] = []
        /// Where the body starts in the stdout stream; nil while the blank line has not come.
        var bodyStart: Int?
    }

    public static func check(_ data: [UInt8]) throws(FuzzFailure) {
        let whole = records(data, cuts: [data.count])
        let head = cgiHead(whole.stdout, cuts: [whole.stdout.count])
        for cuts in FuzzSplits.cutLists(count: data.count, seed: FuzzSplits.seed(data)) {
            let pieces = records(data, cuts: cuts)
            try require(pieces == whole,
                        "FastCGI records depend on the split: whole \(describe(whole)), pieces \(describe(pieces)) for \(show(data))")
        }
        for cuts in FuzzSplits.cutLists(count: whole.stdout.count, seed: FuzzSplits.seed(whole.stdout)) {
            let pieces = cgiHead(whole.stdout, cuts: cuts)
            try require(pieces == head,
                        "the CGI head depends on the split: whole \(show(head.bytes)) at \(head.bodyStart ?? -1), "
                            + "pieces \(show(pieces.bytes)) at \(pieces.bodyStart ?? -1) for \(show(whole.stdout))")
        }
        guard head.bodyStart != nil else { return }
        var cgi = CGIHead()
        _ = head.bytes.withByteView { cgi.take($0) }
        let converted = cgi.httpHeadOrError()
        try require((converted.head == nil) != (converted.error == nil),
                    "a CGI head converts to a head or to an error, not both or neither: \(show(head.bytes))")
        if let (bytes, status) = converted.head {
            try require(status >= 100 && status <= 999, "CGI head status \(status) for \(show(head.bytes))")
            var parser = ResponseHeadParser(limits: ParserLimits())
            _ = parser.parse(bytes)   // the proxy's next step: a verdict, never a trap
        }
    }

    /// The read loop's buffer: bytes arrive up to each cut; each step sees the unused bytes from the start.
    static func records(_ data: [UInt8], cuts: [Int]) -> Records {
        var reader = FastCGIRecordReader()
        var out = Records()
        var buffer: [UInt8] = []
        var fed = 0
        for cut in cuts {
            buffer += data[fed..<cut]
            fed = cut
            var used = 0
            let done: Bool = buffer.withByteView { view in
                var at = 0
                while true {
                    let (event, next) = reader.step(view, at: at)
                    switch event {
                    case .needMore: used = next; return false
                    case .invalid(let text): out.invalid = text; used = next; return true
                    case .stdout(let start, let n): view.append(start, start + n, to: &out.stdout)
                    case .stderr(let start, let n): view.append(start, start + n, to: &out.stderr)
                    case .endRequest: out.ended = true; used = next; return true
                    }
                    at = next
                }
            }
            out.consumed += used
            buffer.removeFirst(used)
            if done { break }
        }
        return out
    }

    static func cgiHead(_ stdout: [UInt8], cuts: [Int]) -> Head {
        var head = CGIHead()
        var fed = 0
        for cut in cuts where cut > fed {
            let result = stdout[fed..<cut].withByteView { head.take($0) }
            if case .complete(let used) = result { return Head(bytes: head.bytes, bodyStart: fed + used) }
            fed = cut
        }
        return Head(bytes: head.bytes, bodyStart: nil)
    }

    static func describe(_ r: Records) -> String {
        "stdout=\(show(r.stdout)) stderr=\(show(r.stderr)) ended=\(r.ended) invalid=\(r.invalid ?? "-") consumed=\(r.consumed)"
    }
}
