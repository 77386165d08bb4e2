import ASCIIBytes

/// A part of a body: bytes `start ..< end`.
public struct ByteSpan: Sendable, Equatable {
    public var start: Int64
    public var end: Int64
    public init(start: Int64, end: Int64) { self.start = start; self.end = end }
    public var count: Int64 { end - start }
}

/// What nginx's range filter does with a 200 response of known length.
public enum RangeVerdict: Sendable, Equatable {
    /// No usable Range (absent, not `bytes=`, If-Range mismatch, more than `max_ranges`, or covering more
    /// than the body): send it whole, with `Accept-Ranges: bytes`.
    case whole
    /// 416, with `Content-Range: bytes */length`.
    case unsatisfiable
    /// 206: one span is a single part (`Content-Range`), several are `multipart/byteranges`.
    case partial([ByteSpan])
}

/// nginx's range filter (`ngx_http_range_filter_module.c`) as a pure decision.
///
///     RangeFilter.evaluate(fields, length: 1000, lastModified: nil, etag: nil, maxRanges: .max)
///     RangeFilter.parse(Array("bytes=0-9,-10".utf8)[...], length: 1000, maxRanges: .max)  // .partial([0..<10, 990..<1000])
public enum RangeFilter {
    /// `maxRanges` 0 disables ranges (the caller then leaves out Accept-Ranges too, as nginx does).
    public static func evaluate(_ f: ConditionalFields, length: Int64, lastModified: Int64?, etag: ArraySlice<UInt8>?,
                                maxRanges: Int) -> RangeVerdict {
        guard let range = f.range, range.count >= 7, ASCII.hasPrefixLowercased(range, "bytes=") else { return .whole }
        if let ifRange = f.ifRange, !ifRangeHolds(ifRange, lastModified: lastModified, etag: etag) { return .whole }
        return parse(range, length: length, maxRanges: maxRanges)
    }

    /// If-Range: an entity tag (ends in `"`) must equal the ETag byte for byte; else a date must equal Last-Modified.
    static func ifRangeHolds(_ value: ArraySlice<UInt8>, lastModified: Int64?, etag: ArraySlice<UInt8>?) -> Bool {
        if value.count >= 2 && value.last == UInt8(ascii: "\"") {
            guard let etag else { return false }
            return value.elementsEqual(etag)
        }
        guard let lm = lastModified, let t = HTTPDate.parseAsNginx(value) else { return false }
        return t == lm
    }

    /// nginx's `ngx_http_range_parse`, including its overflow limits and its "too many ranges: whole" rule.
    public static func parse(_ value: ArraySlice<UInt8>, length: Int64, maxRanges: Int) -> RangeVerdict {
        let v = value.dropFirst(6)
        var p = v.startIndex
        let endIndex = v.endIndex
        func at(_ i: Int) -> UInt8 { i < endIndex ? v[i] : 0 }   // nginx reads a NUL-terminated value
        func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
        let cutoff = Int64.max / 10, cutlim = Int64.max % 10
        var spans: [ByteSpan] = []
        var size: Int64 = 0
        var allowed = maxRanges
        while true {
            var start: Int64 = 0, end: Int64 = 0, suffix = false
            while at(p) == 32 { p += 1 }
            var open = false
            if at(p) != UInt8(ascii: "-") {
                guard isDigit(at(p)) else { return .unsatisfiable }
                while isDigit(at(p)) {
                    let d = Int64(at(p) - 48)
                    if start >= cutoff && (start > cutoff || d > cutlim) { return .unsatisfiable }
                    start = start * 10 + d; p += 1
                }
                while at(p) == 32 { p += 1 }
                guard at(p) == UInt8(ascii: "-") else { return .unsatisfiable }
                p += 1
                while at(p) == 32 { p += 1 }
                if at(p) == UInt8(ascii: ",") || at(p) == 0 { end = length; open = true }
            } else {
                suffix = true; p += 1
            }
            if !open {
                guard isDigit(at(p)) else { return .unsatisfiable }
                while isDigit(at(p)) {
                    let d = Int64(at(p) - 48)
                    if end >= cutoff && (end > cutoff || d > cutlim) { return .unsatisfiable }
                    end = end * 10 + d; p += 1
                }
                while at(p) == 32 { p += 1 }
                guard at(p) == UInt8(ascii: ",") || at(p) == 0 else { return .unsatisfiable }
                if suffix { start = end < length ? length - end : 0; end = length - 1 }
                end = end >= length ? length : end + 1
            }
            if start < end {
                spans.append(ByteSpan(start: start, end: end))
                if size > Int64.max - (end - start) { return .unsatisfiable }
                size += end - start
                if allowed == 0 { return .whole }
                allowed -= 1
            } else if start == 0 {
                return .whole
            }
            guard at(p) == UInt8(ascii: ",") else { break }
            p += 1
        }
        if spans.isEmpty { return .unsatisfiable }
        if size > length { return .whole }
        return .partial(spans)
    }
}

/// A `multipart/byteranges` body as nginx lays it out: per part a boundary line, the part's Content-Type
/// (when the response has one) and Content-Range, then its bytes; a closing boundary at the end.
public struct MultipartRanges: Sendable {
    /// The response's new `Content-Type` value.
    public let contentType: [UInt8]
    /// Each part's header (leading CRLF through the blank line) and its span of the body.
    public let parts: [(header: [UInt8], span: ByteSpan)]
    /// CRLF "--" boundary "--" CRLF.
    public let trailer: [UInt8]
    /// The whole multipart body's length.
    public let contentLength: Int64

    /// `boundary` is a number written as nginx does, zero-padded to 20 digits.
    public init(spans: [ByteSpan], length: Int64, contentType partType: ArraySlice<UInt8>, boundary: UInt64) {
        var digits: [UInt8] = []
        ASCIIDecimal.append(Int64(bitPattern: boundary & 0x7fff_ffff_ffff_ffff), to: &digits)
        let b = [UInt8](repeating: UInt8(ascii: "0"), count: max(0, 20 - digits.count)) + digits
        var head: [UInt8] = [13, 10, UInt8(ascii: "-"), UInt8(ascii: "-")] + b + [13, 10]
        if !partType.isEmpty { head += Array("Content-Type: ".utf8) + partType + [13, 10] }
        head += Array("Content-Range: bytes ".utf8)
        var total: Int64 = 0
        var parts: [(header: [UInt8], span: ByteSpan)] = []
        for s in spans {
            var h = head
            ASCIIDecimal.append(s.start, to: &h); h.append(UInt8(ascii: "-")); ASCIIDecimal.append(s.end - 1, to: &h)
            h.append(UInt8(ascii: "/")); ASCIIDecimal.append(length, to: &h); h += [13, 10, 13, 10]
            total += Int64(h.count) + s.count
            parts.append((h, s))
        }
        trailer = [13, 10, UInt8(ascii: "-"), UInt8(ascii: "-")] + b + [UInt8(ascii: "-"), UInt8(ascii: "-"), 13, 10]
        contentLength = total + Int64(trailer.count)
        self.parts = parts
        contentType = Array("multipart/byteranges; boundary=".utf8) + b
    }

    /// The whole body from the full one in memory (a cached entry kept inline).
    public func body(from full: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Int(contentLength))
        for p in parts {
            out += p.header
            out += full[Int(p.span.start)..<Int(p.span.end)]
        }
        out += trailer
        return out
    }
}

/// `Content-Range` values.
public enum ContentRange {
    /// `bytes a-b/length` for a single part.
    public static func single(_ s: ByteSpan, length: Int64) -> [UInt8] {
        var out = Array("bytes ".utf8)
        ASCIIDecimal.append(s.start, to: &out); out.append(UInt8(ascii: "-")); ASCIIDecimal.append(s.end - 1, to: &out)
        out.append(UInt8(ascii: "/")); ASCIIDecimal.append(length, to: &out)
        return out
    }

    /// `bytes */length` for a 416.
    public static func unsatisfied(length: Int64) -> [UInt8] {
        var out = Array("bytes */".utf8)
        ASCIIDecimal.append(length, to: &out)
        return out
    }
}
