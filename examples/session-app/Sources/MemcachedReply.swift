/// Parses memcached text-protocol replies from the bytes read so far (pure: tested without sockets).
///
///     MemcachedReply.parseGet(Array("VALUE k 0 2\r\nhi\r\nEND\r\n".utf8)[...])   // .complete(.value("hi"), consumed: 22)
enum MemcachedReply: Equatable {
    /// `get`: the value, or nil for a miss (`END` alone).
    case value([UInt8]?)
    /// storage and delete commands: the status line (`STORED`, `NOT_STORED`, `DELETED`, `NOT_FOUND`, …).
    case status(String)

    enum Parse: Equatable {
        case incomplete
        case complete(MemcachedReply, consumed: Int)
        /// `ERROR`, `CLIENT_ERROR …`, `SERVER_ERROR …`, or bytes that are not the protocol.
        case failed(String)
    }

    /// The reply to one `get KEY`.
    static func parseGet(_ buffer: ArraySlice<UInt8>) -> Parse {
        guard let (line, afterLine) = firstLine(buffer) else { return .incomplete }
        if line == "END" { return .complete(.value(nil), consumed: afterLine - buffer.startIndex) }
        if let error = errorLine(line) { return .failed(error) }
        let words = line.split(separator: " ")
        guard words.count >= 4, words[0] == "VALUE", let length = Int(words[3]), length >= 0 else {
            return .failed("unexpected reply \"\(line)\"")
        }
        let dataEnd = afterLine + length
        let end = Array("\r\nEND\r\n".utf8)
        guard buffer.endIndex >= dataEnd + end.count else { return .incomplete }
        guard buffer[dataEnd..<(dataEnd + end.count)].elementsEqual(end) else {
            return .failed("bad value framing for \"\(line)\"")
        }
        return .complete(.value(Array(buffer[afterLine..<dataEnd])), consumed: dataEnd + end.count - buffer.startIndex)
    }

    /// The one-line reply of `set`, `add` or `delete`.
    static func parseStatus(_ buffer: ArraySlice<UInt8>) -> Parse {
        guard let (line, afterLine) = firstLine(buffer) else { return .incomplete }
        if let error = errorLine(line) { return .failed(error) }
        return .complete(.status(line), consumed: afterLine - buffer.startIndex)
    }

    private static func errorLine(_ line: String) -> String? {
        if line == "ERROR" || line.hasPrefix("CLIENT_ERROR") || line.hasPrefix("SERVER_ERROR") { return line }
        return nil
    }

    /// The first CRLF-terminated line and the index after its CRLF.
    private static func firstLine(_ buffer: ArraySlice<UInt8>) -> (String, Int)? {
        var i = buffer.startIndex
        while i + 1 < buffer.endIndex {
            if buffer[i] == 13 && buffer[i + 1] == 10 {
                return (String(decoding: buffer[buffer.startIndex..<i], as: UTF8.self), i + 2)
            }
            i += 1
        }
        return nil
    }
}
