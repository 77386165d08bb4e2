import ASCIIBytes

/// nginx's header filters of the content filters (SSI) on a response head already built: the body will change,
/// so its length, its ranges and (unless every filter keeps them: `ssi_last_modified on`) its validators go; kept,
/// a strong ETag becomes weak.
/// The framing line (`Transfer-Encoding: chunked`, or none for a close-delimited body) is the handler's, which
/// builds the head knowing the length is unknown. Pure: tested on byte strings.
enum BodyFilterHead {
    /// `validators: false`: Last-Modified and ETag are left as they are (the charset filter's edit).
    static func edit(_ head: [UInt8], keepLastModified: Bool, validators: Bool = true, dropEncoding: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(head.count)
        HeadLines.forEach(head) { line, isStatusLine in
            if isStatusLine { out.append(contentsOf: line); return true }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { out.append(contentsOf: line); return true }
            let name = line[line.startIndex..<colon]
            if ASCII.equalsLowercased(name, "content-length") || ASCII.equalsLowercased(name, "accept-ranges")
                || ASCII.equalsLowercased(name, "content-range") {
                return true
            }
            if dropEncoding && ASCII.equalsLowercased(name, "content-encoding") { return true }
            if !validators { out.append(contentsOf: line); return true }
            if ASCII.equalsLowercased(name, "last-modified") && !keepLastModified { return true }
            if ASCII.equalsLowercased(name, "etag") {
                if !keepLastModified { return true }
                var value = ASCII.trim(line[(colon + 1)...])
                while let last = value.last, last == 13 || last == 10 { value = value.dropLast() }
                if value.first == UInt8(ascii: "\"") {   // strong: made weak
                    out.append(contentsOf: Array("ETag: W/".utf8)); out.append(contentsOf: value); out.append(contentsOf: [13, 10])
                    return true
                }
            }
            out.append(contentsOf: line)
            return true
        }
        return out
    }
}
