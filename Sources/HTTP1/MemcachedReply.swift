/// memcached's answer to the one `get KEY` of a `memcached_pass` request (nginx's ngx_http_memcached_module), as
/// it arrives: a pure reader, tested without sockets. `VALUE KEY FLAGS LENGTH` then LENGTH bytes and `\r\nEND\r\n`
/// is a hit; `END` a miss (nginx's 404); anything else (`ERROR`, `SERVER_ERROR …`, another key) an invalid answer.
///
///     var reply = MemcachedReply(key: Array("/page".utf8))
///     reply.head(view)          // .found(flags: 0, length: 5, consumed: 21)
///     reply.trailer(rest)       // after the value's bytes: .ended(consumed: 7, valid: true)
public struct MemcachedReply: Sendable {
    public enum Head: Equatable, Sendable {
        case incomplete
        case found(flags: UInt32, length: Int64, consumed: Int)
        case notFound(consumed: Int)
        /// nginx's log text, without "while reading response header from upstream".
        case invalid(String)
    }

    public enum Trailer: Equatable, Sendable {
        case more(consumed: Int)
        /// `valid`: it was `\r\nEND\r\n` (else nginx logs "memcached sent invalid trailer" and does not reuse the
        /// connection; the value itself stands).
        case ended(consumed: Int, valid: Bool)
    }

    /// The key as sent (escaped), which the `VALUE` line must repeat.
    public let key: [UInt8]
    private var trailerSeen = 0
    private static let trailerBytes: [UInt8] = Array("\r\nEND\r\n".utf8)

    public init(key: [UInt8]) { self.key = key }

    /// The first line, once it is whole; `limit` is `memcached_buffer_size` (a longer line is invalid).
    public func head(_ b: ByteView, limit: Int) -> Head {
        let stop = min(b.count, limit)
        var lf = 0
        while lf < stop && b[lf] != 10 { lf += 1 }
        if lf == stop { return b.count >= limit ? .invalid("memcached sent too big header") : .incomplete }
        guard lf > 0, b[lf - 1] == 13 else { return .invalid(Self.invalidLine(b, lf)) }
        let end = lf - 1
        if end == 3 && b.matches(0, 3, "END") { return .notFound(consumed: lf + 1) }
        guard end > 6, b.matches(0, 6, "VALUE ") else { return .invalid(Self.invalidLine(b, lf)) }
        var i = 6
        let keyStart = i
        while i < end && b[i] != 32 { i += 1 }
        guard i - keyStart == key.count, (0..<key.count).allSatisfy({ b[keyStart + $0] == key[$0] }) else {
            return .invalid("memcached sent invalid key in response \"\(Self.text(b, keyStart, i))\" for key \"\(String(decoding: key, as: UTF8.self))\"")
        }
        guard let (flags, afterFlags) = Self.number(b, from: i + 1, to: end), flags <= Int64(UInt32.max),
              let (length, _) = Self.number(b, from: afterFlags, to: end)   // (a `gets`-style CAS value may follow)
        else {
            return .invalid("memcached sent invalid length in response \"\(Self.text(b, 0, end))\" for key \"\(String(decoding: key, as: UTF8.self))\"")
        }
        return .found(flags: UInt32(flags), length: length, consumed: lf + 1)
    }

    /// After the value's bytes: `\r\nEND\r\n`, in any pieces. A byte that differs ends it at once, invalid.
    public mutating func trailer(_ b: ByteView) -> Trailer {
        var i = 0
        while i < b.count && trailerSeen < Self.trailerBytes.count {
            if b[i] != Self.trailerBytes[trailerSeen] { return .ended(consumed: i, valid: false) }
            trailerSeen += 1
            i += 1
        }
        return trailerSeen == Self.trailerBytes.count ? .ended(consumed: i, valid: true) : .more(consumed: i)
    }

    /// `$memcached_key` as nginx sends it (NGX_ESCAPE_MEMCACHED): space, `%` and control bytes as `%XX`, so the
    /// key is one word of the text protocol.
    public static func escapeKey(_ key: some Collection<UInt8>, into out: inout [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        for c in key {
            if c <= 0x20 || c == 0x25 || c == 0x7f {
                out.append(0x25); out.append(hex[Int(c >> 4)]); out.append(hex[Int(c & 15)])
            } else {
                out.append(c)
            }
        }
    }

    /// A decimal number at `from`, up to a space or `to`; nil when there is none or it is too long.
    private static func number(_ b: ByteView, from: Int, to: Int) -> (Int64, Int)? {
        var i = from, n: Int64 = 0
        while i < to && b[i] != 32 {
            let d = b[i]
            guard d >= 48 && d <= 57, i - from < 18 else { return nil }
            n = n * 10 + Int64(d - 48)
            i += 1
        }
        guard i > from else { return nil }
        return (n, i < to ? i + 1 : i)
    }

    private static func invalidLine(_ b: ByteView, _ lf: Int) -> String {
        let end = lf > 0 && b[lf - 1] == 13 ? lf - 1 : lf
        return "memcached sent invalid response: \"\(text(b, 0, min(end, 256)))\""
    }

    private static func text(_ b: ByteView, _ start: Int, _ end: Int) -> String {
        String(decoding: b.slice(start, end), as: UTF8.self)
    }
}
