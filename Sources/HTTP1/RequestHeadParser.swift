import ASCIIBytes
/// Incremental request-head parser: call `parse` with the read buffer each time it grows; it resumes where it
/// stopped, so total work is linear in the head size. Lines are validated as they complete, so a bad request
/// line is refused before its headers arrive.
/// ```
/// var parser = RequestHeadParser()
/// switch parser.parse(ByteView(readBuffer.readable)) {
/// case .complete(let head, let consumed): readBuffer.removeFirst(consumed); parser.reset(); serve(head)
/// case .incomplete: break
/// case .failed(let error): respond(error.status)
/// }
/// ```
/// The buffer passed in must start at the same byte on every call until `.complete` or `.failed`; call `reset()`
/// before parsing the next request (pipelined bytes start at `consumed`).
public struct RequestHeadParser: Sendable {
    public let limits: ParserLimits
    /// nginx's `underscores_in_headers` (default off): whether `_` is a valid header-name byte.
    public let underscoresInHeaders: Bool
    /// nginx's `ignore_invalid_headers` (default on): fields whose names hold bytes outside nginx's valid set
    /// (see `ASCII.isNginxNameByte`) are dropped, so a backend that folds `X_Forwarded_For` into
    /// `X-Forwarded-For` (CGI, WSGI) cannot be handed a spoofed one.
    public let ignoreInvalidHeaders: Bool
    /// An invalid Host field is taken as absent instead of failing the head: set for a second read of a head
    /// that failed with `.invalidHost`, whose 400 is then answered through the server's error_page, as nginx's.
    public var invalidHostAsAbsent = false
    private var framer: HeadFramer
    private var line: RequestLine?
    /// How far the method of an unfinished request line has been checked (absolute offset), nil once its end was seen.
    private var methodScan: Int? = 0
    private var headers: [HeaderField] = []
    private var summary = FieldSummary()
    /// The first dropped field line (absolute offsets), for the info log nginx writes.
    private var ignoredLine: (start: Int, end: Int)?
    /// Set once a result other than `.incomplete` was returned; later calls repeat it until `reset()`.
    private var finished: HeadParseResult<RequestHead>?

    public init(limits: ParserLimits = ParserLimits(), underscoresInHeaders: Bool = false, ignoreInvalidHeaders: Bool = true) {
        self.limits = limits
        self.underscoresInHeaders = underscoresInHeaders
        self.ignoreInvalidHeaders = ignoreInvalidHeaders
        self.framer = HeadFramer(
            startLineMax: limits.requestLineMax, headerLineMax: limits.headerLineMax, headMax: limits.headMax)
    }

    /// Forgets the current head so the parser can read the next one.
    public mutating func reset() {
        framer.reset()
        line = nil
        methodScan = 0
        headers.removeAll(keepingCapacity: true)
        summary = FieldSummary()
        ignoredLine = nil
        finished = nil
    }

    public mutating func parse(_ buffer: ByteView) -> HeadParseResult<RequestHead> {
        var slot = RequestHeadSlot()
        return parse(buffer, slot: &slot)
    }

    /// `parse(_:)` with the head's storage taken from `slot` when the last head made through it is no longer
    /// held (see `RequestHeadSlot`).
    public mutating func parse(_ buffer: ByteView, slot: inout RequestHeadSlot) -> HeadParseResult<RequestHead> {
        if let finished { return finished }
        let result: HeadParseResult<RequestHead>
        do throws(HTTPParseError) {
            guard let head = try step(buffer, &slot) else { return .incomplete }
            result = .complete(head.0, consumed: head.1)
        } catch {
            result = .failed(error)
        }
        finished = result
        return result
    }

    private mutating func step(_ buffer: ByteView, _ slot: inout RequestHeadSlot) throws(HTTPParseError) -> (RequestHead, Int)? {
        while true {
            switch framer.next(buffer) {
            case .needMore:
                if line == nil { try checkMethodPrefix(buffer) }
                return nil
            case .startLineTooLong:
                try checkMethodPrefix(buffer)
                throw .tooLongURI
            case .headerLineTooLong:
                throw .tooLongHeaderLine
            case .headTooLarge:
                if line == nil { try checkMethodPrefix(buffer) }
                throw .tooLargeHeader
            case .bareCR:
                throw .invalidRequest
            case .line(let start, let end):
                if line == nil {
                    line = try RequestLine.parse(buffer, start: start, end: end)
                } else {
                    try addHeader(buffer, start: start, end: end)
                }
            case .endOfHead(let end):
                return (try finish(buffer, end: end, slot: &slot), end)
            }
        }
    }

    /// Refuses a bad method byte as soon as it arrives, before the request line ends, as nginx's byte-wise parser
    /// does: a TLS handshake or other binary sent to a plain-HTTP port gets its 400 at once instead of waiting
    /// for a line end that never comes. Stops at SP, CR or LF, leaving those cases to `RequestLine.parse`, so
    /// the outcome is the same however the bytes are split.
    private mutating func checkMethodPrefix(_ buffer: ByteView) throws(HTTPParseError) {
        guard let scanned = methodScan, let start = framer.headStart else { return }
        var i = max(scanned, start)
        let end = framer.position
        while i < end {
            let b = buffer[i]
            if b == ASCII.sp || b == ASCII.cr || b == ASCII.lf {
                methodScan = nil
                return
            }
            guard b &- 65 < 26 || b == 95 || b == 45 else { throw .invalidMethod }
            i += 1
        }
        methodScan = i
    }

    private mutating func addHeader(_ buffer: ByteView, start: Int, end: Int) throws(HTTPParseError) {
        guard headers.count < limits.maxHeaders else { throw .tooManyHeaders }
        let base = framer.headStart ?? 0
        switch HeaderLine.parse(buffer, start: start, end: end) {
        case .obsoleteFold:
            throw .obsoleteLineFolding
        case .invalid:
            throw .invalidHeaderLine
        case .field(let nameEnd, let valueStart, let valueEnd):
            if ignoreInvalidHeaders && !isValidName(buffer, start, nameEnd) {
                if ignoredLine == nil { ignoredLine = (start, end) }
                return   // not forwarded, not seen by variables or framing (nginx: ignored with an info log)
            }
            switch summary.record(
                buffer, nameStart: start, nameEnd: nameEnd, valueStart: valueStart, valueEnd: valueEnd, base: base)
            {
            case .contentLength: throw .duplicateContentLength
            case .transferEncoding: throw .duplicateTransferEncoding
            case .host: throw .duplicateHost
            case .unique: throw .duplicateUniqueHeader
            case nil: break
            }
            if headers.isEmpty { headers.reserveCapacity(16) }
            headers.append(
                HeaderField(
                    name: ByteRange(start: start - base, end: nameEnd - base),
                    value: ByteRange(start: valueStart - base, end: valueEnd - base)))
        }
    }

    /// The name uses nginx's valid bytes only. Names are already tchars, so one cheap pass over a short name.
    @inline(__always)
    private func isValidName(_ buffer: ByteView, _ start: Int, _ end: Int) -> Bool {
        if underscoresInHeaders {
            return buffer.scan(from: start, to: end, while: { ASCII.isNginxNameByte($0) || $0 == 95 }) == end
        }
        return buffer.scan(from: start, to: end, while: ASCII.isNginxNameByte) == end
    }

    /// Whole-head checks in nginx's order (ngx_http_process_request_header), then the copy out of the buffer.
    private mutating func finish(_ buffer: ByteView, end: Int, slot: inout RequestHeadSlot) throws(HTTPParseError) -> RequestHead {
        guard let line else { throw .invalidRequest }  // unreachable: the framer needs a start line first
        let base = framer.headStart ?? 0
        let is11 = line.version >= .http1_1
        if summary.host == nil && is11 { throw .missingHost }
        var host = summary.host
        if let h = host, !HostName.isValid(buffer.slice(h.start + base, h.end + base)) {
            guard invalidHostAsAbsent else { throw .invalidHost }
            host = nil
        }
        if summary.contentLengthSeen && summary.contentLength == nil { throw .invalidContentLength }
        if summary.transferEncodingSeen {
            if !is11 { throw .transferEncodingInHTTP10 }
            guard summary.transferEncodingIsChunked else { throw .unknownTransferEncoding }
            if summary.contentLengthSeen { throw .contentLengthAndTransferEncoding }
        }
        let hostRange = line.authority.map { ByteRange(start: $0.start - base, end: $0.end - base) } ?? host
        let facts = RequestHead.Facts(
            method: line.method,
            methodRange: ByteRange(start: 0, end: line.methodEnd - base),
            target: ByteRange(start: line.targetStart - base, end: line.targetEnd - base),
            targetForm: line.form,
            path: ByteRange(start: line.pathStart - base, end: line.pathEnd - base),
            query: line.queryStart.map { ByteRange(start: $0 - base, end: line.queryEnd - base) },
            version: line.version,
            contentLength: summary.contentLength,
            isChunked: summary.transferEncodingIsChunked,
            keepAlive: is11 ? !summary.connectionClose : (summary.connectionKeepAlive && !summary.connectionClose),
            expectsContinue: is11 && summary.expectContinue,
            connectionUpgrade: summary.connectionUpgrade,
            hasUpgrade: summary.hasUpgrade,
            hostRange: hostRange,
            ignoredLine: ignoredLine.map { ByteRange(start: $0.start - base, end: $0.end - base) },
            forwardedFor: summary.forwardedFor, forwardedForRepeated: summary.forwardedForRepeated)
        return slot.make(buffer, base, end, headers: &headers, facts: facts)
    }
}
