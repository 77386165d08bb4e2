import HTTP1

/// Feeds one input to a fresh parser in every way bytes can arrive — whole, growing one byte at a time, and split
/// into two parts at every point — and returns the single outcome they all agree on, or records a mismatch
/// (the idea of NIO's ByteToMessageDecoderVerifier).
enum ParserVerifier {
    struct Mismatch: Error, CustomStringConvertible {
        let description: String
    }

    /// Parses `input` with parsers made by `make`; throws when any feeding order gives another result.
    static func verify<Head: Equatable & Sendable>(
        _ input: [UInt8], make: () -> some HeadParsing<Head>
    ) throws -> HeadParseResult<Head> {
        let whole = feed(input, cuts: [input.count], parser: make())
        let oneByOne = feed(input, cuts: Array(0...input.count), parser: make())
        guard oneByOne == whole else {
            throw Mismatch(description: "byte by byte: \(oneByOne) whole: \(whole)")
        }
        for cut in 0...input.count {
            let split = feed(input, cuts: [cut, input.count], parser: make())
            guard split == whole else {
                throw Mismatch(description: "split at \(cut): \(split) whole: \(whole)")
            }
        }
        return whole
    }

    /// Offers growing prefixes `input[0..<cut]` for each cut, as a socket read loop would, and returns the first
    /// result that is not `.incomplete`.
    private static func feed<Head: Equatable & Sendable, P: HeadParsing<Head>>(
        _ input: [UInt8], cuts: [Int], parser: P
    ) -> HeadParseResult<Head> {
        var parser = parser
        // A fresh array per call: the parser must not rely on the buffer address staying the same.
        for cut in cuts {
            let prefix = Array(input[0..<cut])
            let result = prefix.withByteView { parser.parse($0) }
            if result != .incomplete { return result }
        }
        return .incomplete
    }
}

/// Both head parsers, so one verifier serves requests and responses.
protocol HeadParsing<Head> {
    associatedtype Head: Equatable & Sendable
    mutating func parse(_ buffer: ByteView) -> HeadParseResult<Head>
    mutating func reset()
}

extension RequestHeadParser: HeadParsing {}
extension ResponseHeadParser: HeadParsing {}
