import ASCIIBytes
/// Facts about the framing and connection headers, gathered line by line while a head arrives so no
/// second pass over the headers is needed.
struct FieldSummary {
    enum Duplicate { case contentLength, transferEncoding, host }

    var contentLengthSeen = false
    /// nil when absent or not a valid non-negative decimal.
    var contentLength: Int64?
    var transferEncodingSeen = false
    /// Transfer-Encoding is exactly `chunked` (case-insensitive), the only coding nginx accepts.
    var transferEncodingIsChunked = false
    var connectionClose = false
    var connectionKeepAlive = false
    var connectionUpgrade = false
    /// An `Upgrade` field was seen (requests): a 101 answer then opens a tunnel, nginx's rule.
    var hasUpgrade = false
    var hasConnectionHeader = false
    var host: ByteRange?
    var expectContinue = false
    /// A Set-Cookie field was seen (responses): sticky routing reads cookies only from heads that have one.
    var hasSetCookie = false

    /// Records one field; `base` is subtracted from absolute offsets so stored ranges are head-relative.
    /// Returns the header that appeared twice where only one is allowed.
    mutating func record(
        _ buffer: ByteView, nameStart: Int, nameEnd: Int, valueStart: Int, valueEnd: Int, base: Int
    ) -> Duplicate? {
        @inline(__always) func named(_ lowercase: StaticString) -> Bool {
            buffer.matches(nameStart, nameEnd, lowercase, foldingCase: true)
        }
        let value = buffer[valueStart..<valueEnd]
        switch nameEnd - nameStart {
        case 4:
            guard named("host") else { return nil }
            if host != nil { return .host }
            host = ByteRange(start: valueStart - base, end: valueEnd - base)
        case 6:
            if named("expect") && buffer.matches(valueStart, valueEnd, "100-continue", foldingCase: true) {
                expectContinue = true
            }
        case 7:
            if named("upgrade") { hasUpgrade = true }
        case 10:
            guard named("connection") else {
                if named("set-cookie") { hasSetCookie = true }
                return nil
            }
            hasConnectionHeader = true
            ConnectionTokens.forEach(value) { token in
                if ASCII.equalsLowercased(token, "close") {
                    connectionClose = true
                } else if ASCII.equalsLowercased(token, "keep-alive") {
                    connectionKeepAlive = true
                } else if ASCII.equalsLowercased(token, "upgrade") {
                    connectionUpgrade = true
                }
            }
        case 14:
            guard named("content-length") else { return nil }
            if contentLengthSeen { return .contentLength }
            contentLengthSeen = true
            contentLength = ASCIIDecimal.parseInt64(value)
        case 17:
            guard named("transfer-encoding") else { return nil }
            if transferEncodingSeen { return .transferEncoding }
            transferEncodingSeen = true
            transferEncodingIsChunked = buffer.matches(valueStart, valueEnd, "chunked", foldingCase: true)
        default:
            break
        }
        return nil
    }
}

/// Splits a comma-separated token list such as a Connection value (RFC 9110 §5.6.1), skipping empty
/// elements and the whitespace around each.
enum ConnectionTokens {
    @inline(__always)
    static func forEach<C: BidirectionalCollection<UInt8>>(_ value: C, _ body: (C.SubSequence) -> Void) {
        var i = value.startIndex
        while i < value.endIndex {
            while i < value.endIndex && (value[i] == ASCII.comma || ASCII.isOWS(value[i])) {
                i = value.index(after: i)
            }
            let start = i
            var end = i
            while i < value.endIndex && value[i] != ASCII.comma {
                if !ASCII.isOWS(value[i]) { end = value.index(after: i) }
                i = value.index(after: i)
            }
            if start != end { body(value[start..<end]) }
        }
    }
}
