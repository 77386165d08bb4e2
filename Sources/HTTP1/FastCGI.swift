/// The FastCGI 1.0 wire format (the responder role), as nginx's ngx_http_fastcgi_module speaks it: one request
/// per connection at a time, request id 1, records padded to a multiple of 8 bytes. Pure values: the encoder
/// appends to byte arrays, the decoder (`FastCGIRecordReader`) walks bytes it is given and keeps its place
/// between calls, and `CGIHead` turns the application's CGI header block into an HTTP response head.
public enum FastCGI {
    public static let version: UInt8 = 1
    public static let headerSize = 8
    /// The largest record content: its length field is 16 bits.
    public static let maxContent = 65535
    /// The request body is cut into records of at most this much (nginx's 32 KiB).
    public static let stdinPiece = 32 * 1024

    public enum RecordType: UInt8, Sendable {
        case beginRequest = 1, abortRequest = 2, endRequest = 3, params = 4, stdin = 5, stdout = 6, stderr = 7
    }

    /// FCGI_BEGIN_REQUEST for the responder role; `keepConn` sets FCGI_KEEP_CONN (the application keeps the
    /// connection open after the request).
    public static func appendBeginRequest(keepConn: Bool, to out: inout [UInt8]) {
        appendHeader(.beginRequest, length: 8, padding: 0, to: &out)
        out.append(contentsOf: [0, 1, keepConn ? 1 : 0, 0, 0, 0, 0, 0])
    }

    /// A record header: version, type, request id 1, content length, padding length, reserved.
    public static func appendHeader(_ type: RecordType, length: Int, padding: Int, to out: inout [UInt8]) {
        out.append(contentsOf: [version, type.rawValue, 0, 1, UInt8(truncatingIfNeeded: length >> 8),
                                UInt8(truncatingIfNeeded: length), UInt8(truncatingIfNeeded: padding), 0])
    }

    /// The padding that brings `length` to a multiple of 8.
    @inline(__always)
    public static func padding(for length: Int) -> Int { (8 - length % 8) % 8 }

    /// `content` as records of `type` (each at most 65528 bytes, padded), or one empty record (the stream's
    /// end) when `content` is empty.
    public static func appendRecords(_ type: RecordType, _ content: ByteView, to out: inout [UInt8]) {
        if content.isEmpty { appendHeader(type, length: 0, padding: 0, to: &out); return }
        var at = 0
        while at < content.count {
            let n = min(content.count - at, maxContent - 7)   // 65528: a multiple of 8, so only the last pads
            let pad = padding(for: n)
            appendHeader(type, length: n, padding: pad, to: &out)
            content.append(at, at + n, to: &out)
            if pad > 0 { out.append(contentsOf: repeatElement(0, count: pad)) }
            at += n
        }
    }

    /// A name-value pair's length: one byte up to 127, else four with the high bit set.
    @inline(__always)
    public static func appendPairLength(_ n: Int, to out: inout [UInt8]) {
        if n > 127 {
            out.append(UInt8(truncatingIfNeeded: (n >> 24) & 0x7f) | 0x80)
            out.append(UInt8(truncatingIfNeeded: n >> 16))
            out.append(UInt8(truncatingIfNeeded: n >> 8))
            out.append(UInt8(truncatingIfNeeded: n))
        } else {
            out.append(UInt8(n))
        }
    }

    /// One FCGI_PARAMS name-value pair.
    public static func appendPair(name: some Collection<UInt8>, value: some Collection<UInt8>, to out: inout [UInt8]) {
        appendPairLength(name.count, to: &out)
        appendPairLength(value.count, to: &out)
        out.append(contentsOf: name)
        out.append(contentsOf: value)
    }

    /// Reads name-value pairs (what a FastCGI application does with FCGI_PARAMS content); nil when malformed.
    public static func decodePairs(_ bytes: [UInt8]) -> [(name: [UInt8], value: [UInt8])]? {
        var pairs: [(name: [UInt8], value: [UInt8])] = []
        var i = 0
        func length() -> Int? {
            guard i < bytes.count else { return nil }
            if bytes[i] & 0x80 == 0 { i += 1; return Int(bytes[i - 1]) }
            guard i + 4 <= bytes.count else { return nil }
            let n = Int(bytes[i] & 0x7f) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            i += 4
            return n
        }
        while i < bytes.count {
            guard let nl = length(), let vl = length(), i + nl + vl <= bytes.count else { return nil }
            pairs.append((Array(bytes[i..<i + nl]), Array(bytes[i + nl..<i + nl + vl])))
            i += nl + vl
        }
        return pairs
    }

    /// The CGI/1.1 name of a request header field, as nginx builds it: `HTTP_`, then the name with letters
    /// upper-cased and `-` as `_`.
    public static func appendHeaderParamName(_ name: ByteView, to out: inout [UInt8]) {
        out.append(contentsOf: "HTTP_".utf8)
        for i in 0..<name.count {
            let c = name[i]
            out.append(c >= 97 && c <= 122 ? c & ~0x20 : (c == UInt8(ascii: "-") ? UInt8(ascii: "_") : c))
        }
    }
}

/// FCGI_PARAMS content being written: name-value pairs in FastCGI's length encoding.
public struct FastCGIPairs: CGIPairSink {
    public var bytes: [UInt8] = []

    public init(capacity: Int) { bytes.reserveCapacity(capacity) }

    public mutating func add(name: some Collection<UInt8>, value: some Collection<UInt8>) {
        FastCGI.appendPair(name: name, value: value, to: &bytes)
    }
}

/// Walks the records of a FastCGI response: their headers checked as nginx checks them, their content handed
/// out by stream. It keeps its place inside a record between calls, so the bytes may be cut anywhere; a record
/// header is read once all its 8 bytes are there (the caller keeps bytes it was not told were used).
public struct FastCGIRecordReader: Sendable, Equatable {
    /// What one step found.
    public enum Event: Equatable {
        /// Content of FCGI_STDOUT (`bytes` of the view from `at`); `count` 0 is the end-of-stream record.
        case stdout(at: Int, count: Int)
        case stderr(at: Int, count: Int)
        /// FCGI_END_REQUEST with its padding read whole: the response is over.
        case endRequest
        /// More bytes are needed.
        case needMore
        /// nginx's words for a record it refuses ("upstream sent …").
        case invalid(String)
    }

    private enum Phase: Equatable { case header, content, padding }
    private var phase = Phase.header
    private var type = FastCGI.RecordType.stdout
    private var remaining = 0
    private var pad = 0

    public init() {}

    /// Gives back the last `n` content bytes of the stream record just stepped over (they are still in the
    /// caller's bytes, at the end of that step's piece): the next step hands them out again.
    public mutating func unread(_ n: Int) {
        guard n > 0 else { return }
        remaining += n
        phase = .content
    }

    /// One step over `bytes` from `at`: the event and where the next step starts. Stream content comes out
    /// as it is available (a record cut by a read comes out in pieces).
    public mutating func step(_ bytes: ByteView, at start: Int) -> (Event, next: Int) {
        var at = start
        while true {
            switch phase {
            case .header:
                guard bytes.count - at >= FastCGI.headerSize else { return (.needMore, at) }
                if bytes[at] != FastCGI.version {
                    return (.invalid("upstream sent unsupported FastCGI protocol version: \(bytes[at])"), at)
                }
                switch bytes[at + 1] {
                case FastCGI.RecordType.stdout.rawValue: type = .stdout
                case FastCGI.RecordType.stderr.rawValue: type = .stderr
                case FastCGI.RecordType.endRequest.rawValue: type = .endRequest
                default: return (.invalid("upstream sent invalid FastCGI record type: \(bytes[at + 1])"), at)
                }
                if bytes[at + 2] != 0 {
                    return (.invalid("upstream sent unexpected FastCGI request id high byte: \(bytes[at + 2])"), at)
                }
                if bytes[at + 3] != 1 {
                    return (.invalid("upstream sent unexpected FastCGI request id low byte: \(bytes[at + 3])"), at)
                }
                remaining = Int(bytes[at + 4]) << 8 | Int(bytes[at + 5])
                pad = Int(bytes[at + 6])
                at += FastCGI.headerSize
                phase = .content
                if remaining == 0 && type == .stdout {   // the end of stdout: an event of its own
                    phase = pad > 0 ? .padding : .header
                    return (.stdout(at: at, count: 0), at)
                }
            case .content:
                if type == .endRequest {
                    let n = min(remaining, bytes.count - at)
                    remaining -= n; at += n
                    if remaining > 0 { return (.needMore, at) }
                    phase = .padding
                    continue
                }
                if remaining == 0 { phase = pad > 0 ? .padding : .header; continue }
                let n = min(remaining, bytes.count - at)
                if n == 0 { return (.needMore, at) }
                remaining -= n
                if remaining == 0 { phase = pad > 0 ? .padding : .header }
                return (type == .stdout ? .stdout(at: at, count: n) : .stderr(at: at, count: n), at + n)
            case .padding:
                let n = min(pad, bytes.count - at)
                pad -= n; at += n
                if pad > 0 { return (.needMore, at) }
                phase = .header
                if type == .endRequest { return (.endRequest, at) }
            }
        }
    }

    /// nginx's trim of a stderr message for its log line: trailing CR, LF, `.` and spaces go.
    public static func trimmedStderr(_ bytes: ByteView) -> ByteView {
        var end = bytes.count
        while end > 1 {
            let c = bytes[end - 1]
            guard c == 10 || c == 13 || c == UInt8(ascii: ".") || c == 32 else { break }
            end -= 1
        }
        return bytes.slice(0, end)
    }
}
