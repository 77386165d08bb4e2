/// Reads memcached's answers to `get`, as they arrive, in any pieces: a pure state machine (bytes in, replies
/// out), tested without sockets. One `get` of one key is answered by `VALUE key flags length` + data + `END`
/// (a hit) or by `END` (a miss); `ERROR`, `CLIENT_ERROR …` and `SERVER_ERROR …` are failures, and so is
/// anything else: the connection is then out of step and must be closed.
///
///     var parser = MemcachedReplyParser()
///     parser.feed(Array("VALUE k 0 2\r\nab\r\nEND\r\n".utf8)[...])
///     parser.next()   // .hit([97, 98])
public struct MemcachedReplyParser: Sendable {
    public enum Reply: Sendable, Equatable {
        case hit([UInt8])
        case miss
        /// The line memcached sent, or what was wrong with it.
        case failure(String)
    }

    /// Values switchyard stores are addresses: anything much larger is not ours.
    public static let maxValueLength = 64 * 1024
    /// A reply line longer than this is garbage.
    static let maxLineLength = 1024

    private var buffer: [UInt8] = []
    private var start = 0
    /// The data length announced by a `VALUE` line, while its bytes (and their CRLF) are awaited.
    private var awaitingValue: Int?
    /// The value read, while its `END` line is awaited.
    private var value: [UInt8]?
    public private(set) var failed = false

    public init() {}

    public mutating func feed(_ bytes: ArraySlice<UInt8>) {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 4096 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer += bytes
    }

    /// The next complete reply, or nil until more bytes arrive. After a `.failure` the parser stays failed.
    public mutating func next() -> Reply? {
        if failed { return nil }
        while true {
            if let length = awaitingValue {
                guard buffer.count - start >= length + 2 else { return nil }
                let end = start + length
                guard buffer[end] == 13, buffer[end + 1] == 10 else { return fail("value not followed by CRLF") }
                value = Array(buffer[start..<end])
                start = end + 2
                awaitingValue = nil
                continue
            }
            guard let line = nextLine() else {
                if buffer.count - start > Self.maxLineLength { return fail("reply line too long") }
                return nil
            }
            if line.elementsEqual(Self.end) {
                defer { value = nil }
                return value.map(Reply.hit) ?? .miss
            }
            if value == nil, line.starts(with: Self.valuePrefix) {
                // VALUE <key> <flags> <bytes>: the last field is the length.
                let fields = line.split(separator: 32)
                guard fields.count == 4, let length = Self.decimal(fields[3]), length <= Self.maxValueLength else {
                    return fail("bad VALUE line")
                }
                awaitingValue = length
                continue
            }
            return fail(String(decoding: line.prefix(200), as: UTF8.self))
        }
    }

    /// The next CRLF-terminated line (without its CRLF), consumed.
    private mutating func nextLine() -> ArraySlice<UInt8>? {
        var i = start
        while i + 1 < buffer.count {
            if buffer[i] == 13 && buffer[i + 1] == 10 {
                let line = buffer[start..<i]
                start = i + 2
                return line
            }
            i += 1
        }
        return nil
    }

    private mutating func fail(_ why: String) -> Reply {
        failed = true
        return .failure(why)
    }

    private static let end = Array("END".utf8)
    private static let valuePrefix = Array("VALUE ".utf8)

    private static func decimal(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 9 else { return nil }
        var n = 0
        for d in digits {
            guard d >= 48 && d <= 57 else { return nil }
            n = n * 10 + Int(d - 48)
        }
        return n
    }
}
