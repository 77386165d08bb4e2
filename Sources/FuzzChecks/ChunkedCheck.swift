import HTTP1

/// Fuzz check of `ChunkedDecoder`: body bytes, bytes used, end and error are the same whether the input
/// comes whole, byte by byte or in random pieces (each call gets only what was not used yet, as a read loop
/// does), under the default limits and small ones; a body that ends re-encodes and decodes to itself.
public enum ChunkedCheck {
    struct Outcome: Equatable {
        var body: [UInt8] = []
        var consumed = 0
        var finished = false
        var error: HTTPParseError?
    }

    static let small = ParserLimits(requestLineMax: 64, headerLineMax: 16, headMax: 64, maxHeaders: 4)

    public static func check(_ data: [UInt8]) throws(FuzzFailure) {
        for limits in [ParserLimits(), small] {
            let whole = decode(data, cuts: [data.count], limits: limits)
            for cuts in FuzzSplits.cutLists(count: data.count, seed: FuzzSplits.seed(data)) {
                let pieces = decode(data, cuts: cuts, limits: limits)
                try require(
                    pieces == whole,
                    "chunked decode depends on the split: whole \(describe(whole)), pieces \(describe(pieces)) "
                        + "for \(show(data))")
            }
            if whole.finished { try reencode(whole.body) }
        }
    }

    static func decode(_ data: [UInt8], cuts: [Int], limits: ParserLimits) -> Outcome {
        var decoder = ChunkedDecoder(limits: limits)
        var out = Outcome()
        pieces: for cut in cuts where cut > out.consumed {
            let result: Result<(consumed: Int, finished: Bool), HTTPParseError> = data[out.consumed..<cut].withByteView {
                piece in
                do throws(HTTPParseError) {
                    return .success(try decoder.decode(piece) { out.body.append(contentsOf: $0) })
                } catch {
                    return .failure(error)
                }
            }
            switch result {
            case .success(let (used, finished)):
                out.consumed += used
                if finished {
                    out.finished = true
                    break pieces
                }
                if out.consumed != cut {
                    out.error = HTTPParseError(status: 0, reason: "an unfinished decoder left input unused")
                    break pieces
                }
            case .failure(let error):
                // A throwing call reports no count: what was used before the error is not comparable.
                out.error = error
                out.consumed = -1
                break pieces
            }
        }
        if out.body.count != Int(decoder.decodedBytes) {
            out.error = HTTPParseError(status: 0, reason: "decodedBytes \(decoder.decodedBytes) != \(out.body.count)")
        }
        return out
    }

    static func reencode(_ body: [UInt8]) throws(FuzzFailure) {
        var encoded: [UInt8] = []
        if !body.isEmpty { ChunkedEncoder.appendChunk(body, to: &encoded) }
        ChunkedEncoder.appendLastChunk(to: &encoded)
        let again = decode(encoded, cuts: [encoded.count], limits: ParserLimits())
        try require(
            again == Outcome(body: body, consumed: encoded.count, finished: true),
            "re-encoded chunked body decodes differently: \(describe(again)) for \(show(encoded))")
    }

    static func describe(_ o: Outcome) -> String {
        "body=\(show(o.body)) consumed=\(o.consumed) finished=\(o.finished) error=\(o.error.map { "\($0)" } ?? "-")"
    }
}
