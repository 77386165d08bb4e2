import ASCIIBytes
/// Does this `Accept-Encoding` value let us send gzip? Parsed per RFC 9110 §12.5.3.
///
///     AcceptEncoding.allowsGzip(Array("gzip, deflate, br".utf8))  // true
///     AcceptEncoding.allowsGzip(Array("gzip;q=0, *".utf8))        // false: gzip is refused by name
///
/// `gzip` and `x-gzip` (RFC 9110 §8.4.1.3) count as the same coding; an explicit entry for them wins
/// over `*`; q=0 refuses. A malformed q-value counts as 0 (refuse), as nginx's
/// `ngx_http_gzip_quantity` does. Deviation from nginx, on purpose (issue 5): nginx ignores `*` and
/// `x-gzip` and only looks for the token `gzip`; we accept both, so a client that says `*` gets gzip.
public enum AcceptEncoding {
    public static func allowsGzip(_ value: [UInt8]) -> Bool { allowsGzip(value[...]) }

    /// The same, read in place (the request head's bytes): no element or parameter arrays.
    public static func allowsGzip(_ value: ArraySlice<UInt8>) -> Bool {
        var gzipQ: Int? = nil  // thousandths; the highest if listed twice
        var starQ: Int? = nil
        var i = value.startIndex
        while i < value.endIndex {
            var end = i
            while end < value.endIndex && value[end] != UInt8(ascii: ",") { end += 1 }
            let element = value[i..<end]
            i = end + 1
            let semicolon = element.firstIndex(of: UInt8(ascii: ";")) ?? element.endIndex
            let coding = ASCII.trim(element[..<semicolon])
            if coding.isEmpty { continue }
            var q = 1000
            var p = semicolon
            while p < element.endIndex {   // at a ';': one parameter up to the next
                var next = p + 1
                while next < element.endIndex && element[next] != UInt8(ascii: ";") { next += 1 }
                let param = ASCII.trim(element[(p + 1)..<next])
                p = next
                guard let eq = param.firstIndex(of: UInt8(ascii: "=")) else { continue }
                if ASCII.equalsLowercased(ASCII.trim(param[..<eq]), "q") {
                    q = qvalue(ASCII.trim(param[(eq + 1)...])) ?? 0
                }
            }
            if ASCII.equalsLowercased(coding, "gzip") || ASCII.equalsLowercased(coding, "x-gzip") {
                gzipQ = max(gzipQ ?? 0, q)
            } else if coding.count == 1 && coding.first == UInt8(ascii: "*") {
                starQ = max(starQ ?? 0, q)
            }
        }
        if let q = gzipQ { return q > 0 }
        return (starQ ?? 0) > 0
    }

    /// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`, in thousandths; nil if malformed.
    static func qvalue(_ s: ArraySlice<UInt8>) -> Int? {
        guard let first = s.first, first == UInt8(ascii: "0") || first == UInt8(ascii: "1") else { return nil }
        var value = Int(first - UInt8(ascii: "0")) * 1000
        let rest = s.dropFirst()
        if rest.isEmpty { return value }
        guard rest.first == UInt8(ascii: "."), rest.count <= 4 else { return nil }
        var scale = 100
        for d in rest.dropFirst() {
            guard d >= UInt8(ascii: "0") && d <= UInt8(ascii: "9") else { return nil }
            value += Int(d - UInt8(ascii: "0")) * scale
            scale /= 10
        }
        return value <= 1000 ? value : nil
    }
}
