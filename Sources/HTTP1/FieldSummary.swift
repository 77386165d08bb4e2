import ASCIIBytes
/// Facts about the framing and connection headers, gathered line by line while a head arrives so no
/// second pass over the headers is needed.
struct FieldSummary {
    enum Duplicate { case contentLength, transferEncoding, host, unique }

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
    /// A response's Connection names a field other than the hop-by-hop ones (`close`, `keep-alive`, `upgrade`):
    /// that field is for this hop only (RFC 9110 §7.6.1).
    var connectionNamesFields = false
    var host: ByteRange?
    /// The first X-Forwarded-For line, and whether another came: realip reads it without a pass over the head.
    var forwardedFor: ByteRange?
    var forwardedForRepeated = false
    var expectContinue = false
    /// A Set-Cookie field was seen (responses): sticky routing reads cookies only from heads that have one.
    var hasSetCookie = false
    /// The X-Accel-* instructions seen (responses): the proxy looks one up only when it is there.
    var accel: AccelFields = []
    /// Request fields nginx allows once (If-*, Content-Range, Expect, Authorization), one bit each.
    var uniqueSeen: UInt16 = 0
    /// Fingerprints of the response field names seen so far, one bit each (`recordResponse`).
    var seenNames: UInt64 = 0

    /// What `recordResponse` makes of one upstream field.
    enum ResponseVerdict { case keep, repeated, duplicateContentLength, duplicateTransferEncoding }

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
            guard named("expect") else { return nil }
            if once(1) { return .unique }
            if buffer.matches(valueStart, valueEnd, "100-continue", foldingCase: true) {
                expectContinue = true
            }
        case 8:
            if named("if-match") && once(2) { return .unique }
            if named("if-range") && once(4) { return .unique }
        case 13:
            if named("if-none-match") && once(8) { return .unique }
            if named("content-range") && once(16) { return .unique }
            if named("authorization") && once(32) { return .unique }
        case 15 where named("x-forwarded-for"):
            if forwardedFor == nil {
                forwardedFor = ByteRange(start: valueStart - base, end: valueEnd - base)
            } else {
                forwardedForRepeated = true
            }
        case 17 where named("if-modified-since"):
            if once(64) { return .unique }
        case 19:
            if named("if-unmodified-since") && once(128) { return .unique }
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

    /// Records one field of an upstream response: the framing and Connection facts and Set-Cookie, and whether
    /// it repeats a single-valued field (nginx's upstream module keeps the first Date, Server, ETag, Location, …
    /// and ignores the repeat). Only the fields a response's framing needs are looked at by name; the repeat
    /// check costs a fingerprint (length, first and last byte) per field, and a closer look only when a
    /// fingerprint comes again. `earlier`: the fields kept so far, head-relative (`base` is the head's offset).
    mutating func recordResponse(
        _ buffer: ByteView, nameStart: Int, nameEnd: Int, valueStart: Int, valueEnd: Int, base: Int,
        earlier: [HeaderField]
    ) -> ResponseVerdict {
        @inline(__always) func named(_ lowercase: StaticString) -> Bool {
            buffer.matches(nameStart, nameEnd, lowercase, foldingCase: true)
        }
        switch nameEnd - nameStart {
        case 10:
            if named("connection") {
                hasConnectionHeader = true
                ConnectionTokens.forEach(buffer[valueStart..<valueEnd]) { token in
                    if ASCII.equalsLowercased(token, "close") {
                        connectionClose = true
                    } else if ASCII.equalsLowercased(token, "keep-alive") {
                        connectionKeepAlive = true
                    } else if ASCII.equalsLowercased(token, "upgrade") {
                        connectionUpgrade = true
                    } else if !token.isEmpty {
                        connectionNamesFields = true
                    }
                }
                return .keep
            }
            if named("set-cookie") { hasSetCookie = true; return .keep }
        case 16:
            if named("x-accel-redirect") { accel.insert(.redirect); return .keep }
        case 18:
            if named("x-accel-limit-rate") { accel.insert(.limitRate); return .keep }
        case 14:
            if named("content-length") {
                if contentLengthSeen { return .duplicateContentLength }
                contentLengthSeen = true
                contentLength = ASCIIDecimal.parseInt64(buffer[valueStart..<valueEnd])
                return .keep
            }
        case 17:
            if named("transfer-encoding") {
                if transferEncodingSeen { return .duplicateTransferEncoding }
                transferEncodingSeen = true
                transferEncodingIsChunked = buffer.matches(valueStart, valueEnd, "chunked", foldingCase: true)
                return .keep
            }
        default:
            break
        }
        let key = (nameEnd - nameStart) &* 31 &+ Int(buffer[nameStart] | 0x20) &+ Int(buffer[nameEnd - 1] | 0x20) &* 7
        let bit: UInt64 = 1 << UInt64(key & 63)
        if seenNames & bit != 0 && Self.repeatsSingleField(buffer, nameStart, nameEnd, base: base, earlier: earlier) {
            return .repeated
        }
        seenNames |= bit
        return .keep
    }

    /// A single-valued response field (`isSingleValuedResponseField`) whose name an earlier field has.
    private static func repeatsSingleField(
        _ buffer: ByteView, _ start: Int, _ nameEnd: Int, base: Int, earlier: [HeaderField]
    ) -> Bool {
        guard isSingleValuedResponseField(buffer, nameStart: start, nameEnd: nameEnd) else { return false }
        let n = nameEnd - start
        for h in earlier where h.name.end - h.name.start == n {
            var i = 0
            while i < n && buffer[h.name.start + base + i] | 0x20 == buffer[start + i] | 0x20 { i += 1 }
            if i == n { return true }
        }
        return false
    }

    /// A response field nginx's upstream module keeps once (Date, Server, ETag, Location, Expires, …): a repeat is
    /// ignored with a warning ("upstream sent duplicate header line"). Called only for a name whose cheap
    /// fingerprint was seen before in the head (`recordResponse`), so a head without repeats pays nothing here.
    static func isSingleValuedResponseField(_ buffer: ByteView, nameStart: Int, nameEnd: Int) -> Bool {
        @inline(__always) func named(_ lowercase: StaticString) -> Bool {
            buffer.matches(nameStart, nameEnd, lowercase, foldingCase: true)
        }
        switch nameEnd - nameStart {
        case 4: return named("date") || named("etag")
        case 6: return named("server")
        case 7: return named("expires")
        case 8: return named("location")
        case 12: return named("content-type")
        case 13: return named("last-modified") || named("accept-ranges") || named("content-range")
        case 16: return named("content-encoding")
        default: return false
        }
    }

    /// Marks a unique field seen; true when it already was (nginx 1.23's duplicate check).
    @inline(__always)
    private mutating func once(_ bit: UInt16) -> Bool {
        defer { uniqueSeen |= bit }
        return uniqueSeen & bit != 0
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
