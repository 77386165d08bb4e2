import ASCIIBytes
/// Incremental response-head parser for upstream responses; same contract as `RequestHeadParser`.
/// Every refusal is a 502 with nginx's "upstream sent …" wording.
/// ```
/// var parser = ResponseHeadParser()
/// switch parser.parse(ByteView(upstreamBuffer.readable)) { … }
/// ```
public struct ResponseHeadParser: Sendable {
    public let limits: ParserLimits
    private var framer: HeadFramer
    private var statusLine: (version: HTTPVersion, status: Int, reasonStart: Int, reasonEnd: Int)?
    private var headers: [HeaderField] = []
    private var summary = FieldSummary()
    /// The result once it is not `.incomplete`, repeated until `reset()`: kept as two plain optionals, which
    /// copy and destroy inline, where an optional generic enum went through the runtime's value witnesses.
    private var completed: (head: ResponseHead, consumed: Int)?
    private var failure: HTTPParseError?

    public init(limits: ParserLimits = ParserLimits()) {
        self.limits = limits
        self.framer = HeadFramer(
            startLineMax: limits.requestLineMax, headerLineMax: limits.headerLineMax, headMax: limits.headMax)
    }

    /// Forgets the current head so the parser can read the next one (after a 1xx, or on a reused connection).
    public mutating func reset() {
        framer.reset()
        statusLine = nil
        // The list a reused head gave back (see `HeadStoragePool`), or empty after a new head took it.
        headers.removeAll(keepingCapacity: true)
        summary = FieldSummary()
        completed = nil
        failure = nil
    }

    /// A head held in an array (a stored cache entry's).
    public mutating func parse(_ bytes: [UInt8]) -> HeadParseResult<ResponseHead> {
        bytes.withByteView { parse($0) }
    }

    public mutating func parse(_ buffer: ByteView) -> HeadParseResult<ResponseHead> {
        var slot = ResponseHeadSlot()
        return parse(buffer, slot: &slot)
    }

    /// `parse(_:)` with the head's storage taken from `slot` when the last head made through it is no longer
    /// held (see `RequestHeadSlot`).
    public mutating func parse(_ buffer: ByteView, slot: inout ResponseHeadSlot) -> HeadParseResult<ResponseHead> {
        if let completed { return .complete(completed.head, consumed: completed.consumed) }
        if let failure { return .failed(failure) }
        slot.lend(to: &headers)
        do throws(HTTPParseError) {
            guard let head = try step(buffer, &slot) else { return .incomplete }
            completed = head
            return .complete(head.0, consumed: head.1)
        } catch {
            failure = error
            return .failed(error)
        }
    }

    private mutating func step(_ buffer: ByteView, _ slot: inout ResponseHeadSlot) throws(HTTPParseError) -> (ResponseHead, Int)? {
        while true {
            switch framer.next(buffer) {
            case .needMore:
                return nil
            case .startLineTooLong, .headerLineTooLong, .headTooLarge:
                throw .upstreamTooBigHeader
            case .bareCR:
                throw .upstreamInvalidStatusLine
            case .line(let start, let end):
                if statusLine == nil {
                    statusLine = try Self.parseStatusLine(buffer, start: start, end: end)
                } else {
                    try addHeader(buffer, start: start, end: end)
                }
            case .endOfHead(let end):
                return (try finish(buffer, end: end, slot: &slot), end)
            }
        }
    }

    /// `HTTP/1.x SP 3DIGIT [SP reason]`: like nginx, a missing reason (and its space) is accepted.
    private static func parseStatusLine(_ buffer: ByteView, start: Int, end: Int)
        throws(HTTPParseError) -> (HTTPVersion, Int, Int, Int)
    {
        guard end - start >= 12, let version = HeaderLine.version(buffer, at: start), version.major == 1,
            buffer[start + 8] == ASCII.sp
        else { throw .upstreamInvalidStatusLine }
        var status = 0
        for i in (start + 9)..<(start + 12) {
            let b = buffer[i]
            guard ASCII.isDigit(b) else { throw .upstreamInvalidStatusLine }
            status = status * 10 + Int(b - 48)
        }
        guard status >= 100 else { throw .upstreamInvalidStatusLine }
        var reasonStart = start + 12
        if reasonStart < end {
            guard buffer[reasonStart] == ASCII.sp else { throw .upstreamInvalidStatusLine }
            reasonStart += 1
        }
        for i in reasonStart..<end where !ASCII.isFieldValueByte(buffer[i]) {
            throw .upstreamInvalidStatusLine
        }
        return (version, status, reasonStart, end)
    }

    private mutating func addHeader(_ buffer: ByteView, start: Int, end: Int) throws(HTTPParseError) {
        guard headers.count < limits.maxHeaders else { throw .upstreamTooBigHeader }
        let base = framer.headStart ?? 0
        guard case .field(let nameEnd, let valueStart, let valueEnd) = HeaderLine.parse(buffer, start: start, end: end)
        else { throw .upstreamInvalidHeader }
        switch summary.recordResponse(
            buffer, nameStart: start, nameEnd: nameEnd, valueStart: valueStart, valueEnd: valueEnd, base: base,
            earlier: headers)
        {
        case .duplicateContentLength: throw .upstreamDuplicateContentLength
        case .duplicateTransferEncoding: throw .upstreamDuplicateTransferEncoding
        case .repeated: return   // a single-valued field sent again: the first one stands
        case .keep: break
        }
        if headers.isEmpty { headers.reserveCapacity(16) }
        headers.append(
            HeaderField(
                name: ByteRange(start: start - base, end: nameEnd - base),
                value: ByteRange(start: valueStart - base, end: valueEnd - base)))
    }

    /// Framing checks as nginx's proxy module does them (since 1.23): bad length, unknown coding, or both → 502.
    private mutating func finish(_ buffer: ByteView, end: Int, slot: inout ResponseHeadSlot) throws(HTTPParseError) -> ResponseHead {
        guard let statusLine else { throw .upstreamInvalidStatusLine }
        let base = framer.headStart ?? 0
        if summary.contentLengthSeen && summary.contentLength == nil { throw .upstreamInvalidContentLength }
        if summary.transferEncodingSeen {
            guard summary.transferEncodingIsChunked else { throw .upstreamUnknownTransferEncoding }
            if summary.contentLengthSeen { throw .upstreamContentLengthAndTransferEncoding }
        }
        let is11 = statusLine.version >= .http1_1
        let facts = ResponseHead.Facts(
            version: statusLine.version,
            status: statusLine.status,
            reason: ByteRange(start: statusLine.reasonStart - base, end: statusLine.reasonEnd - base),
            contentLength: summary.contentLength,
            isChunked: summary.transferEncodingIsChunked,
            keepAlive: is11 ? !summary.connectionClose : (summary.connectionKeepAlive && !summary.connectionClose),
            connectionUpgrade: summary.connectionUpgrade,
            hasSetCookie: summary.hasSetCookie,
            connectionNamesFields: summary.connectionNamesFields, accel: summary.accel)
        return slot.make(buffer, base, end, headers: &headers, facts: facts)
    }
}
