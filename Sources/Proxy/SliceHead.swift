import ASCIIBytes
import HTTP1

/// The client's head made from the first slice's (a subrequest's head as its handler wrote it: status line,
/// Server, Date, the upstream's fields, add_header's): nginx's slice header filter turns the 206 into the whole
/// response, then the not_modified and range filters answer the client. Pure: tested on byte strings.
enum SliceHead {
    /// Fields the slice's own framing and range put in, and the connection's: the caller writes the client's.
    static let framing: [StaticString] = ["content-length", "content-range", "accept-ranges", "transfer-encoding",
                                          "connection", "keep-alive"]
    /// A response passed through keeps its range fields; the client's framing and connection are the caller's.
    static let connectionFields: [StaticString] = ["content-length", "transfer-encoding", "connection", "keep-alive"]
    /// A 304 leaves out what describes a body too, as nginx's not_modified filter does.
    static let notModified: [StaticString] = framing + ["content-type", "content-encoding"]

    /// `head` with its status line replaced by `status`'s (nil: kept), the fields named in `dropped` left out and
    /// `extra` (whole lines) added before the blank line.
    static func rewrite(_ head: [UInt8], status: Int?, dropped: [StaticString], extra: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(head.count + extra.count + 32)
        HeadLines.forEach(head) { line, isStatusLine in
            if isStatusLine {
                if let s = status { out.append(contentsOf: statusLine(s)) } else { out.append(contentsOf: line) }
                return true
            }
            if line.count <= 2 && (line.first == 13 || line.first == 10) { return false }   // the blank line
            if let colon = line.firstIndex(of: UInt8(ascii: ":")),
               dropped.contains(where: { ASCII.equalsLowercased(line[line.startIndex..<colon], $0) }) {
                return true
            }
            out.append(contentsOf: line)
            return true
        }
        out.append(contentsOf: extra)
        out.append(contentsOf: [13, 10])
        return out
    }

    /// The status line, written by the one head writer.
    static func statusLine(_ status: Int) -> [UInt8] {
        var w = HeadWriter(capacity: 64)
        w.appendStatusLine(status)
        return w.finish()
    }

    /// A `Name: value` line.
    static func field(_ name: StaticString, _ value: [UInt8]) -> [UInt8] {
        var w = HeadWriter(capacity: 64)
        w.appendHeader(name, value)
        return w.finish()
    }

    static func field(_ name: StaticString, _ value: Int64) -> [UInt8] {
        var w = HeadWriter(capacity: 64)
        w.appendHeader(name, value)
        return w.finish()
    }
}
