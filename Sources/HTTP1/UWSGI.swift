/// The uwsgi protocol's request packet, as nginx's ngx_http_uwsgi_module writes it: a 4-byte header
/// (modifier1, the vars' size as 16-bit little-endian, modifier2), then each var as a 16-bit little-endian
/// length and the name, the same for the value. The body follows the packet as it is; the answer is an HTTP
/// head (or a CGI one) and the body until the connection closes (`CGIHead` reads the head).
public struct UWSGIPacket: CGIPairSink {
    /// The largest vars block: its size field is 16 bits.
    public static let maxSize = 65535
    /// The packet so far: a header to fill in, then the vars.
    public private(set) var bytes: [UInt8]
    /// A name or value longer than a 16-bit length can say.
    public private(set) var overlong = false

    public init(capacity: Int = 1024) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(contentsOf: [0, 0, 0, 0])
    }

    public mutating func add(name: some Collection<UInt8>, value: some Collection<UInt8>) {
        if name.count > 0xffff || value.count > 0xffff { overlong = true }
        bytes.append(UInt8(truncatingIfNeeded: name.count)); bytes.append(UInt8(truncatingIfNeeded: name.count >> 8))
        bytes.append(contentsOf: name)
        bytes.append(UInt8(truncatingIfNeeded: value.count)); bytes.append(UInt8(truncatingIfNeeded: value.count >> 8))
        bytes.append(contentsOf: value)
    }

    /// The vars' size (what nginx's "uwsgi request is too big" names).
    public var size: Int { bytes.count - 4 }

    /// The whole packet with its header, or nil when the vars do not fit its 16-bit size.
    public mutating func finish(modifier1: UInt8, modifier2: UInt8) -> [UInt8]? {
        guard size <= Self.maxSize, !overlong else { return nil }
        bytes[0] = modifier1
        bytes[1] = UInt8(truncatingIfNeeded: size)
        bytes[2] = UInt8(truncatingIfNeeded: size >> 8)
        bytes[3] = modifier2
        return bytes
    }

    /// Reads a packet (what a uwsgi application does): the modifiers, the vars and the bytes it took; nil when
    /// the packet is not whole yet or malformed.
    public static func decode(_ b: [UInt8]) -> (modifier1: UInt8, modifier2: UInt8, vars: [(name: [UInt8], value: [UInt8])], consumed: Int)? {
        guard b.count >= 4 else { return nil }
        let size = Int(b[1]) | Int(b[2]) << 8
        guard b.count >= 4 + size else { return nil }
        var vars: [(name: [UInt8], value: [UInt8])] = []
        var i = 4
        let end = 4 + size
        func string() -> [UInt8]? {
            guard i + 2 <= end else { return nil }
            let n = Int(b[i]) | Int(b[i + 1]) << 8
            i += 2
            guard i + n <= end else { return nil }
            defer { i += n }
            return Array(b[i..<i + n])
        }
        while i < end {
            guard let name = string(), let value = string() else { return nil }
            vars.append((name, value))
        }
        return (b[0], b[3], vars, end)
    }
}
