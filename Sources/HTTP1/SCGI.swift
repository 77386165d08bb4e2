/// The SCGI request header, as nginx's ngx_http_scgi_module writes it: a netstring (`<length>:` … `,`) of
/// NUL-terminated names and values, CONTENT_LENGTH first. The body follows as it is; the answer is a CGI head
/// (or an HTTP status line and fields) and the body until the connection closes (`CGIHead` reads the head).
public struct SCGIHeaders: CGIPairSink {
    /// The pairs so far, without the netstring's frame.
    public private(set) var pairs: [UInt8] = []

    /// `contentLength`: the body's length, the first pair (0 without a body).
    public init(contentLength: Int64, capacity: Int = 1024) {
        pairs.reserveCapacity(capacity)
        add(name: "CONTENT_LENGTH".utf8, value: String(contentLength).utf8)
    }

    public mutating func add(name: some Collection<UInt8>, value: some Collection<UInt8>) {
        pairs.append(contentsOf: name); pairs.append(0)
        pairs.append(contentsOf: value); pairs.append(0)
    }

    /// The netstring: the pairs' length in decimal, `:`, the pairs, `,`.
    public func netstring() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(pairs.count + 12)
        out.append(contentsOf: String(pairs.count).utf8)
        out.append(UInt8(ascii: ":"))
        out.append(contentsOf: pairs)
        out.append(UInt8(ascii: ","))
        return out
    }

    /// Reads a netstring of pairs (what an SCGI application does): the pairs and the bytes it took; nil when
    /// it is not whole yet or malformed.
    public static func decode(_ b: [UInt8]) -> (pairs: [(name: [UInt8], value: [UInt8])], consumed: Int)? {
        guard let colon = b.firstIndex(of: UInt8(ascii: ":")), colon > 0, colon <= 10, colon == 1 || b[0] != 48,
              b[0..<colon].allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let n = Int(String(decoding: b[0..<colon], as: UTF8.self)) else { return nil }
        let start = colon + 1, end = start + n
        guard b.count > end, b[end] == UInt8(ascii: ","), n == 0 || b[end - 1] == 0 else { return nil }
        var fields: [[UInt8]] = []
        var i = start
        while i < end {
            let z = b[i..<end].firstIndex(of: 0)!
            fields.append(Array(b[i..<z]))
            i = z + 1
        }
        guard fields.count % 2 == 0 else { return nil }
        var pairs: [(name: [UInt8], value: [UInt8])] = []
        for k in stride(from: 0, to: fields.count, by: 2) { pairs.append((fields[k], fields[k + 1])) }
        return (pairs, end + 1)
    }
}
