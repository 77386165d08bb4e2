import ASCIIBytes
/// Streaming decoder for `Transfer-Encoding: chunked` bodies (RFC 9112 §7.1), byte-exact for any split of the
/// input, down to one byte per call. Data is handed out as slices of the input (no copy); chunk extensions are
/// validated and skipped; trailer fields are validated and discarded.
/// ```
/// var decoder = ChunkedDecoder()
/// let (used, done) = try decoder.decode(ByteView(buffer.readable)) { data in forward(data) }
/// buffer.removeFirst(used)
/// ```
/// Refuses: a missing or non-hex size, a size above 2^62, bad extension syntax, a CR not followed by LF, data not
/// followed by a line end, bad trailer lines, and size lines or trailers beyond the limits.
/// Line ends are CRLF or bare LF, as nginx's chunked parser accepts.
public struct ChunkedDecoder: Sendable {
    private enum State: Equatable {
        case sizeStart
        case size
        case beforeExtension  // whitespace after the size or after an extension value
        case extensionNameStart  // after ";"
        case extensionName
        case afterExtensionName  // whitespace after a name
        case extensionValueStart  // after "="
        case extensionToken
        case extensionQuoted
        case extensionQuotedEscape
        case sizeLineLF  // saw CR on the size line
        case data
        case dataEnd  // expecting CR or LF after data
        case dataEndLF  // saw CR after data
        case trailerLineStart
        case trailerName
        case trailerValue
        case trailerLF  // saw CR at the end of a trailer line
        case lastLF  // saw CR on the final empty line
        case done
        case failed
    }

    /// The largest chunk size accepted: 2^62, so sums of sizes cannot overflow Int64.
    public static let maxChunkSize: Int64 = 1 << 62

    // 56 bytes in all, counters and limits as 32-bit values (the limits are clamped): two decoders sit inline
    // in every proxy exchange (request body, upstream response), which then stays within malloc's fast sizes.
    private let headerLineMax: Int32
    private let headMax: Int32
    private let maxHeaders: Int32
    private let upstream: Bool
    private var state = State.sizeStart
    private var chunkSize: Int64 = 0
    private var remaining: Int64 = 0
    private var lineLength: Int32 = 0
    private var trailerBytes: Int32 = 0
    private var trailerCount: Int32 = 0
    /// Body bytes emitted so far (for client_max_body_size accounting).
    public private(set) var decodedBytes: Int64 = 0

    /// - Parameters:
    ///   - limits: `headerLineMax` bounds a size line and a trailer line, `headMax` all trailers together,
    ///     `maxHeaders` their count.
    ///   - upstream: report errors as an upstream's (502) instead of a client's (400).
    public init(limits: ParserLimits = ParserLimits(), upstream: Bool = false) {
        // Below Int32.max: a counter passes its limit by one at most, and must not overflow doing so.
        func clamped(_ v: Int) -> Int32 { Int32(clamping: min(v, Int(Int32.max) - 1)) }
        headerLineMax = clamped(limits.headerLineMax)
        headMax = clamped(limits.headMax)
        maxHeaders = clamped(limits.maxHeaders)
        self.upstream = upstream
    }

    private var error: HTTPParseError { upstream ? .upstreamInvalidChunkedResponse : .invalidChunkedBody }

    /// Body bytes announced so far: those emitted plus what the current chunk still owes. Known as soon as a
    /// size line ends, so `client_max_body_size` can refuse a body before its bytes come (nginx does).
    public var declaredBytes: Int64 { decodedBytes + remaining }

    /// The size the current (last begun) chunk announced: with `declaredBytes`, nginx's "too large chunked body"
    /// line, `PREVIOUS+SIZE`, which it writes before any byte of that chunk is read.
    public var currentChunkSize: Int64 { chunkSize }

    /// Whether the last chunk and trailers have been read.
    public var isFinished: Bool { state == .done }

    /// Decodes as much of `input` as possible, calling `emit` with each run of body bytes.
    /// - Returns: how many input bytes were used (all of them unless `finished`; bytes after the body belong to
    ///   the next message) and whether the body has ended.
    public mutating func decode(
        _ input: ByteView, _ emit: (ByteView) -> Void
    ) throws(HTTPParseError) -> (consumed: Int, finished: Bool) {
        var i = 0
        let count = input.count
        while i < count {
            if state == .data {
                let n = Int(min(remaining, Int64(count - i)))
                emit(input.slice(i, i + n))
                i += n
                remaining -= Int64(n)
                decodedBytes += Int64(n)
                if remaining == 0 { state = .dataEnd }
                continue
            }
            if state == .done { return (i, true) }
            try step(input[i])
            i += 1
        }
        return (i, state == .done)
    }

    @inline(__always)
    private mutating func fail() -> HTTPParseError {
        state = .failed
        return error
    }

    private mutating func step(_ b: UInt8) throws(HTTPParseError) {
        switch state {
        case .sizeStart, .size, .beforeExtension, .extensionNameStart, .extensionName, .afterExtensionName,
            .extensionValueStart, .extensionToken, .extensionQuoted, .extensionQuotedEscape, .sizeLineLF:
            lineLength += 1
            guard lineLength <= headerLineMax else { throw fail() }
            try sizeLine(b)
        case .trailerLineStart, .trailerName, .trailerValue, .trailerLF, .lastLF:
            lineLength += 1
            trailerBytes += 1
            guard lineLength <= headerLineMax, trailerBytes <= headMax else { throw fail() }
            try trailer(b)
        case .dataEnd:
            if b == ASCII.cr {
                state = .dataEndLF
            } else if b == ASCII.lf {
                startSizeLine()
            } else {
                throw fail()
            }
        case .dataEndLF:
            guard b == ASCII.lf else { throw fail() }
            startSizeLine()
        case .failed:
            throw error
        case .data, .done:
            preconditionFailure("handled by decode")
        }
    }

    private mutating func startSizeLine() {
        state = .sizeStart
        chunkSize = 0
        lineLength = 0
    }

    /// `chunk-size [ chunk-ext ] CRLF` with `chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted ) ] )`.
    private mutating func sizeLine(_ b: UInt8) throws(HTTPParseError) {
        switch state {
        case .sizeStart, .size:
            if let d = ASCII.hexValue(b) {
                guard chunkSize <= (Self.maxChunkSize - Int64(d)) / 16 else { throw fail() }
                chunkSize = chunkSize * 16 + Int64(d)
                state = .size
            } else if state == .sizeStart {
                throw fail()
            } else {
                try afterValue(b)
            }
        case .beforeExtension:
            try afterValue(b)
        case .extensionNameStart:
            if ASCII.isOWS(b) { return }
            guard ASCII.isTChar(b) else { throw fail() }
            state = .extensionName
        case .extensionName:
            if ASCII.isTChar(b) { return }
            if b == ASCII.equals {
                state = .extensionValueStart
            } else if ASCII.isOWS(b) {
                state = .afterExtensionName
            } else {
                try afterValue(b)
            }
        case .afterExtensionName:
            if ASCII.isOWS(b) { return }
            if b == ASCII.equals { state = .extensionValueStart } else { try afterValue(b) }
        case .extensionValueStart:
            if ASCII.isOWS(b) { return }
            if b == ASCII.quote {
                state = .extensionQuoted
            } else if ASCII.isTChar(b) {
                state = .extensionToken
            } else {
                throw fail()
            }
        case .extensionToken:
            if !ASCII.isTChar(b) { try afterValue(b) }
        case .extensionQuoted:
            if b == ASCII.quote {
                state = .beforeExtension
            } else if b == ASCII.backslash {
                state = .extensionQuotedEscape
            } else if !ASCII.isFieldValueByte(b) {
                throw fail()
            }
        case .extensionQuotedEscape:
            guard ASCII.isFieldValueByte(b) else { throw fail() }
            state = .extensionQuoted
        case .sizeLineLF:
            guard b == ASCII.lf else { throw fail() }
            endSizeLine()
        default:
            preconditionFailure("not a size-line state")
        }
    }

    /// After the size, a name or a value: whitespace, the next extension, or the line end.
    private mutating func afterValue(_ b: UInt8) throws(HTTPParseError) {
        if ASCII.isOWS(b) {
            state = .beforeExtension
        } else if b == ASCII.semicolon {
            state = .extensionNameStart
        } else if b == ASCII.cr {
            state = .sizeLineLF
        } else if b == ASCII.lf {
            endSizeLine()
        } else {
            throw fail()
        }
    }

    private mutating func endSizeLine() {
        lineLength = 0
        if chunkSize == 0 {
            state = .trailerLineStart
        } else {
            remaining = chunkSize
            state = .data
        }
    }

    /// `*( field-line CRLF ) CRLF`; field lines use the same rules as header lines.
    private mutating func trailer(_ b: UInt8) throws(HTTPParseError) {
        switch state {
        case .trailerLineStart:
            if b == ASCII.cr {
                state = .lastLF
            } else if b == ASCII.lf {
                state = .done
            } else {
                trailerCount += 1
                guard ASCII.isTChar(b), trailerCount <= maxHeaders else { throw fail() }
                state = .trailerName
            }
        case .trailerName:
            if b == ASCII.colon {
                state = .trailerValue
            } else if !ASCII.isTChar(b) {
                throw fail()
            }
        case .trailerValue:
            if b == ASCII.cr {
                state = .trailerLF
            } else if b == ASCII.lf {
                nextTrailerLine()
            } else if !ASCII.isFieldValueByte(b) {
                throw fail()
            }
        case .trailerLF:
            guard b == ASCII.lf else { throw fail() }
            nextTrailerLine()
        case .lastLF:
            guard b == ASCII.lf else { throw fail() }
            state = .done
        default:
            preconditionFailure("not a trailer state")
        }
    }

    private mutating func nextTrailerLine() {
        lineLength = 0
        state = .trailerLineStart
    }
}
