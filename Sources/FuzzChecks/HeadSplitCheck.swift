import HTTP1

/// The property both head parsers share: the verdict (head, bytes consumed, or error) is the same whether
/// the input arrives whole or in pieces, each call seeing the bytes so far from the same start.
enum HeadSplitCheck {
    /// Runs `makeParser`'s parser over `data` whole and over every cut list; returns the whole verdict.
    static func verdict<Head: Equatable>(
        _ data: [UInt8], what: String, parse: (ArraySlice<UInt8>, Bool) -> HeadParseResult<Head>
    ) throws(FuzzFailure) -> HeadParseResult<Head> {
        let whole = parse(data[...], true)
        for cuts in FuzzSplits.cutLists(count: data.count, seed: FuzzSplits.seed(data)) {
            var result = HeadParseResult<Head>.incomplete
            var first = true
            for cut in cuts {
                result = parse(data[0..<cut], first)
                first = false
                if case .incomplete = result { continue }
                break
            }
            try require(
                result == whole,
                "\(what) verdict depends on the split \(cuts.count <= 17 ? "\(cuts)" : "(byte by byte)"): whole "
                    + "\(describe(whole)), pieces \(describe(result)) for \(show(data))")
        }
        return whole
    }

    static func describe<Head>(_ r: HeadParseResult<Head>) -> String {
        switch r {
        case .incomplete: "incomplete"
        case .complete(_, let consumed): "complete(consumed: \(consumed))"
        case .failed(let e): "failed(\(e))"
        }
    }
}
