import ASCIIBytes

/// The CGI header block an application writes before its body (`Status: 404 Not Found`, `Content-Type: …`,
/// `Location: …`, a blank line), collected across pieces (FastCGI's records, or a uwsgi or SCGI stream) and
/// turned into the HTTP response head the rest of the proxy reads, as nginx's ngx_http_fastcgi_process_header
/// does: the status from `Status` (its first three digits), else 302 when there is a `Location`, else 200.
/// uwsgi and SCGI applications may start the block with an HTTP status line instead (`statusLine`), as nginx's
/// ngx_http_uwsgi_process_status_line and ngx_http_scgi_process_status_line accept.
public struct CGIHead: Sendable {
    /// The block's bytes so far (lines as the application wrote them, CRLF or LF).
    public private(set) var bytes: [UInt8] = []
    private var searched = 0

    public init() {}

    public enum Result: Equatable {
        /// The blank line is not there yet: every byte given was taken.
        case incomplete
        /// The blank line ended the block after `used` of the bytes given; the rest is body.
        case complete(used: Int)
    }

    /// Takes stdout bytes; stops at the end of the header block.
    public mutating func take(_ piece: ByteView) -> Result {
        let start = bytes.count
        piece.append(0, piece.count, to: &bytes)
        // A block that starts with its blank line has no fields: the body starts after that line end, whatever
        // follows it (a "\n\r\n" start is an empty block and a body beginning with CR LF, as nginx parses it).
        if bytes.isEmpty { return .incomplete }
        if bytes[0] == 10 { return finish(at: 1, start: start) }
        if bytes[0] == 13 {
            if bytes.count == 1 { return .incomplete }
            if bytes[1] == 10 { return finish(at: 2, start: start) }
        }
        var i = max(searched, 0)
        while i < bytes.count {
            if bytes[i] == 10 {
                // A line end: a blank line follows when the next is LF, or CR LF.
                if i + 1 < bytes.count && bytes[i + 1] == 10 {
                    return finish(at: i + 2, start: start)
                }
                if i + 2 < bytes.count && bytes[i + 1] == 13 && bytes[i + 2] == 10 {
                    return finish(at: i + 3, start: start)
                }
                if i + 2 >= bytes.count { break }   // may be completed by the next piece
            }
            i += 1
        }
        searched = max(0, i)
        return .incomplete
    }

    private mutating func finish(at end: Int, start: Int) -> Result {
        bytes.removeSubrange(end...)
        return .complete(used: end - start)
    }

    /// The HTTP/1.1 head equivalent to the block: the status line from `Status` (the field itself dropped),
    /// the other fields as they are; or nginx's log text when the block is not valid. With `statusLine`, a
    /// first line `HTTP/x.y NNN [reason]` gives the status instead (`Status` is then dropped unread).
    public func httpHeadOrError(statusLine: Bool = false) -> (head: (head: [UInt8], status: Int)?, error: String?) {
        var out: [UInt8] = []
        var fields: [UInt8] = []
        var statusValue: [UInt8]? = nil
        var hasLocation = false
        var lineStart = 0
        var i = 0
        var fromLine: (status: Int, reason: ArraySlice<UInt8>)? = nil
        if statusLine, let line = Self.statusLine(bytes) {
            fromLine = (line.status, line.reason)
            lineStart = line.next
            i = line.next
        }
        while i < bytes.count {
            guard bytes[i] == 10 else { i += 1; continue }
            var lineEnd = i
            if lineEnd > lineStart && bytes[lineEnd - 1] == 13 { lineEnd -= 1 }
            let line = bytes[lineStart..<lineEnd]
            lineStart = i + 1
            i += 1
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                  line[line.startIndex..<colon].allSatisfy(ASCII.isTChar)
            else { return (nil, "upstream sent invalid header") }
            let name = line[line.startIndex..<colon]
            var v = colon + 1
            while v < line.endIndex && (line[v] == 32 || line[v] == 9) { v += 1 }
            let value = line[v...]
            if ASCII.equalsLowercased(name, "status") {
                if statusValue == nil { statusValue = Array(value) }
                continue
            }
            if ASCII.equalsLowercased(name, "location") { hasLocation = true }
            fields.append(contentsOf: name)
            fields.append(contentsOf: ": ".utf8)
            fields.append(contentsOf: value)
            fields.append(contentsOf: [13, 10])
        }
        var status = 200
        out.append(contentsOf: "HTTP/1.1 ".utf8)
        if let (code, reason) = fromLine {
            status = code
            out.append(contentsOf: String(code).utf8)
            if !reason.isEmpty { out.append(32); out.append(contentsOf: reason) }
        } else if let s = statusValue {
            guard s.count >= 3, s[0..<3].allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                return (nil, "upstream sent invalid status \"\(String(decoding: s, as: UTF8.self))\"")
            }
            status = Int(s[0] - 48) * 100 + Int(s[1] - 48) * 10 + Int(s[2] - 48)
            guard status >= 100 && status <= 999 else {
                return (nil, "upstream sent invalid status \"\(String(decoding: s, as: UTF8.self))\"")
            }
            out.append(contentsOf: s[0..<3])
            var r = 3
            while r < s.count && (s[r] == 32 || s[r] == 9) { r += 1 }
            out.append(32)
            if r < s.count { out.append(contentsOf: s[r...]) }
        } else if hasLocation {
            status = 302
            out.append(contentsOf: "302 Moved Temporarily".utf8)
        } else {
            out.append(contentsOf: "200 OK".utf8)
        }
        out.append(contentsOf: [13, 10])
        out.append(contentsOf: fields)
        out.append(contentsOf: [13, 10])
        return ((out, status), nil)
    }

    /// `HTTP/d.d SP NNN [SP reason]` ending at the block's first LF (a CR before it dropped): the status, the
    /// reason and where the next line starts; nil when the first line is not one (then it is read as a field).
    public static func statusLine(_ b: [UInt8]) -> (status: Int, reason: ArraySlice<UInt8>, next: Int)? {
        guard let lf = b.firstIndex(of: 10) else { return nil }
        var end = lf
        if end > 0 && b[end - 1] == 13 { end -= 1 }
        guard end >= 5, b[0..<5].elementsEqual("HTTP/".utf8) else { return nil }
        var i = 5
        func digits() -> Int? {
            let start = i
            while i < end && b[i] >= 48 && b[i] <= 57 { i += 1 }
            return i > start && i - start <= 3 ? i - start : nil
        }
        guard digits() != nil, i < end, b[i] == UInt8(ascii: "."), { i += 1; return true }(), digits() != nil
        else { return nil }
        guard i < end, b[i] == 32 else { return nil }
        while i < end && b[i] == 32 { i += 1 }
        guard end - i >= 3, b[i..<i + 3].allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        let status = Int(b[i] - 48) * 100 + Int(b[i + 1] - 48) * 10 + Int(b[i + 2] - 48)
        i += 3
        guard status >= 100 else { return nil }
        if i < end {
            guard b[i] == 32 || b[i] == UInt8(ascii: ".") else { return nil }
            i += 1
        }
        return (status, b[i..<end], lf + 1)
    }
}
