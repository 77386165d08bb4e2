import ASCIIBytes
/// Host validation and normalisation with nginx's `ngx_http_validate_host` rules: no whitespace or controls,
/// no `/` or `\`, no `..`, not empty; `[v6]` literals kept whole; port and one trailing dot dropped.
public enum HostName {
    /// Length of the host part (port excluded, trailing dot excluded), or nil when invalid.
    /// A view, not any collection: a generic walk over a slice cost about 25 instructions a byte (every request's
    /// Host goes through here).
    public static func hostLength(_ value: ByteView) -> Int? {
        var hostEnd: Int?
        var inLiteral = false
        var lastDot = -2
        var i = 0
        let count = value.count
        while i < count {
            let b = value[i]
            switch b {
            case ASCII.dot:
                if lastDot == i - 1 { return nil }   // anywhere, as nginx: `[v6]..:80` too
                lastDot = i
            case ASCII.colon:
                if hostEnd == nil && !inLiteral { hostEnd = i }
            case 91:  // [
                if i == 0 { inLiteral = true }
            case 93:  // ]
                if inLiteral && hostEnd == nil {
                    hostEnd = i + 1
                    inLiteral = false
                }
            case ASCII.slash, ASCII.backslash:
                return nil
            default:
                if b <= 0x20 || b == 0x7f { return nil }
            }
            i += 1
        }
        var length = hostEnd ?? i
        if length > 0 && lastDot == length - 1 { length -= 1 }
        return length > 0 ? length : nil
    }

    static func isValid(_ value: ByteView) -> Bool {
        hostLength(value) != nil
    }

    /// Lowercased host without port and trailing dot; nil when invalid.
    static func normalized(_ value: ArraySlice<UInt8>) -> [UInt8]? {
        guard let n = value.withByteView({ hostLength($0) }) else { return nil }
        return value.prefix(n).map(ASCII.lower)
    }
}
