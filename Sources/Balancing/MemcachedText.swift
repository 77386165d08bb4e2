/// The memcached text-protocol commands switchyard sends for shared routes: `get`, and `set` / `delete` with
/// `noreply`, so that only lookups are answered and replies match requests in order on each connection.
///
///     var out: [UInt8] = []
///     MemcachedText.get(Array("sy:l:z:8F3A".utf8), into: &out)            // get sy:l:z:8F3A\r\n
///     MemcachedText.set(key, value: Array("127.0.0.1:8081".utf8), ttlSeconds: 600, into: &out)
public enum MemcachedText {
    /// memcached's key limit; keys are also free of spaces and control bytes (`RouteShare.key` sees to both).
    public static let maxKeyLength = 250

    public static func get(_ key: [UInt8], into out: inout [UInt8]) {
        out += getWord
        out += key
        out += crlf
    }

    /// `set KEY 0 TTL LEN noreply`, then the value. A TTL over 30 days would read as a Unix time: it is capped.
    public static func set(_ key: [UInt8], value: [UInt8], ttlSeconds: Int, into out: inout [UInt8]) {
        out += setWord
        out += key
        out += zeroFlags
        appendDecimal(min(max(ttlSeconds, 0), 30 * 86_400), &out)
        out.append(32)
        appendDecimal(value.count, &out)
        out += noreply
        out += value
        out += crlf
    }

    public static func delete(_ key: [UInt8], into out: inout [UInt8]) {
        out += deleteWord
        out += key
        out += noreply
    }

    /// A key memcached accepts as it is: 1…250 bytes, none of them a space, a control byte or DEL.
    public static func isValidKey(_ key: some Collection<UInt8>) -> Bool {
        !key.isEmpty && key.count <= maxKeyLength && key.allSatisfy { $0 > 32 && $0 < 127 }
    }

    private static let getWord = Array("get ".utf8)
    private static let setWord = Array("set ".utf8)
    private static let deleteWord = Array("delete ".utf8)
    private static let zeroFlags = Array(" 0 ".utf8)
    private static let noreply = Array(" noreply\r\n".utf8)
    private static let crlf: [UInt8] = [13, 10]

    static func appendDecimal(_ value: Int, _ out: inout [UInt8]) {
        if value >= 10 { appendDecimal(value / 10, &out) }
        out.append(UInt8(48 + value % 10))
    }
}
