/// Size limits applied while a head is still arriving, so an oversized head is refused before it is buffered.
///
/// Defaults follow nginx's `large_client_header_buffers 4 8k`: a request line or one header line must fit
/// one 8 KiB buffer, the whole head four of them.
/// ```
/// var parser = RequestHeadParser(limits: ParserLimits(headerLineMax: 4096))
/// ```
public struct ParserLimits: Sendable, Equatable {
    /// Longest request line (status line for responses), terminator included. Longer → 414 (502 upstream).
    public var requestLineMax: Int
    /// Longest header line, terminator included. Longer → 431 (502 upstream).
    public var headerLineMax: Int
    /// Longest head, leading empty lines and the final empty line included. Longer → 431 (502 upstream).
    public var headMax: Int
    /// Most header fields in one head (`max_headers`). More → 400 (502 upstream).
    public var maxHeaders: Int

    public init(requestLineMax: Int = 8192, headerLineMax: Int = 8192, headMax: Int = 32768, maxHeaders: Int = 100) {
        self.requestLineMax = requestLineMax
        self.headerLineMax = headerLineMax
        self.headMax = headMax
        self.maxHeaders = maxHeaders
    }
}
