import ASCIIBytes
/// What request and response heads share: their raw bytes and header fields, with byte-level lookups.
///
/// Lookups compare names ASCII case-insensitively and return slices of `bytes` (no copy).
/// ```
/// if let ua = head.firstHeader("user-agent") { … }
/// ```
public protocol HTTPHead: Sendable {
    /// The head exactly as received, from the start line through the final empty line.
    var bytes: [UInt8] { get }
    /// Header fields in the order received, names as sent.
    var headers: [HeaderField] { get }
}

extension HTTPHead {
    /// The bytes at `range`.
    @inlinable
    public func bytes(_ range: ByteRange) -> ArraySlice<UInt8> {
        bytes[range.start..<range.end]
    }

    /// Name of header `index`, as sent.
    @inlinable
    public func name(at index: Int) -> ArraySlice<UInt8> { bytes(headers[index].name) }

    /// Value of header `index`, surrounding whitespace removed.
    @inlinable
    public func value(at index: Int) -> ArraySlice<UInt8> { bytes(headers[index].value) }

    /// Whether header `index` is named `name` (ASCII case-insensitive).
    public func header(at index: Int, isNamed name: StaticString) -> Bool {
        ASCII.equalsIgnoringCase(bytes(headers[index].name), name.buffer)
    }

    /// Value of the first header named `name` (ASCII case-insensitive), or nil.
    public func firstHeader(_ name: StaticString) -> ArraySlice<UInt8>? {
        firstHeader(name.buffer)
    }

    /// Value of the first header named `name` (ASCII case-insensitive), or nil.
    public func firstHeader<C: Collection<UInt8>>(_ name: C) -> ArraySlice<UInt8>? {
        for field in headers where ASCII.equalsIgnoringCase(bytes(field.name), name) {
            return bytes(field.value)
        }
        return nil
    }

    /// Calls `body` with the value of every header named `name`, in order (e.g. several Set-Cookie).
    public func forEachHeader<C: Collection<UInt8>>(named name: C, _ body: (ArraySlice<UInt8>) throws -> Void)
        rethrows
    {
        for field in headers where ASCII.equalsIgnoringCase(bytes(field.name), name) {
            try body(bytes(field.value))
        }
    }

    /// Calls `body` with the value of every header named `name`, in order.
    public func forEachHeader(named name: StaticString, _ body: (ArraySlice<UInt8>) throws -> Void) rethrows {
        try forEachHeader(named: name.buffer, body)
    }

    /// Every value of the header `lowercasedName` appended as nginx's `$http_NAME` and `$upstream_http_NAME` join
    /// repeated fields: ", " between them, "; " for Cookie.
    public func appendJoinedValues(of lowercasedName: [UInt8], to out: inout [UInt8]) {
        var first = true
        for field in headers where ASCII.equalsIgnoringCase(bytes(field.name), lowercasedName) {
            if !first { out.append(HeaderJoin.separator(for: lowercasedName)); out.append(32) }
            out.append(contentsOf: bytes(field.value)); first = false
        }
    }

    /// Values of every header named `name`, in order.
    public func headerValues(named name: StaticString) -> [ArraySlice<UInt8>] {
        var values: [ArraySlice<UInt8>] = []
        forEachHeader(named: name) { values.append($0) }
        return values
    }

    /// Whether the name of header `index` contains `_`: nginx drops such headers unless `underscores_in_headers on`.
    public func nameHasUnderscore(at index: Int) -> Bool {
        bytes(headers[index].name).contains(95)
    }

    /// Whether header `index` must not be forwarded by a proxy (RFC 9110 §7.6.1): Connection, Keep-Alive,
    /// Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade, and any header named in a Connection value.
    public func isHopByHop(_ index: Int) -> Bool {
        let name = bytes(headers[index].name)
        switch name.count {
        case 2: if ASCII.equalsLowercased(name, "te") { return true }
        case 7:
            if ASCII.equalsLowercased(name, "trailer") || ASCII.equalsLowercased(name, "upgrade") { return true }
        case 10:
            if ASCII.equalsLowercased(name, "connection") || ASCII.equalsLowercased(name, "keep-alive") {
                return true
            }
        case 16: if ASCII.equalsLowercased(name, "proxy-connection") { return true }
        case 17: if ASCII.equalsLowercased(name, "transfer-encoding") { return true }
        default: break
        }
        return isNamedInConnection(name)
    }

    /// Whether `name` appears as a token of any Connection header.
    public func isNamedInConnection<C: Collection<UInt8>>(_ name: C) -> Bool {
        var found = false
        for field in headers where ASCII.equalsLowercased(bytes(field.name), "connection") {
            ConnectionTokens.forEach(bytes(field.value)) { token in
                if ASCII.equalsIgnoringCase(token, name) { found = true }
            }
            if found { return true }
        }
        return false
    }
}

/// How nginx joins a repeated field into one variable value.
public enum HeaderJoin {
    /// `;` for Cookie (its own list syntax), `,` for every other field (RFC 9110 §5.3).
    public static func separator(for lowercasedName: [UInt8]) -> UInt8 {
        lowercasedName.count == 6 && ASCII.equalsIgnoringCase(lowercasedName, "cookie".utf8)
            ? UInt8(ascii: ";") : UInt8(ascii: ",")
    }
}
