import ASCIIBytes
/// Host validation and normalisation with nginx's `ngx_http_validate_host` rules: no whitespace or controls,
/// no `/` or `\`, no `..`, not empty; `[v6]` literals kept whole; port and one trailing dot dropped.
public enum HostName {
    /// Length of the host part (port excluded, trailing dot excluded), or nil when invalid.
    public static func hostLength<C: Collection<UInt8>>(_ value: C) -> Int? where C.Index == Int {
        var hostEnd: Int?
        var inLiteral = false
        var lastDot = -2
        var i = 0
        for b in value {
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

    static func isValid<C: Collection<UInt8>>(_ value: C) -> Bool where C.Index == Int {
        hostLength(value) != nil
    }

    /// Lowercased host without port and trailing dot; nil when invalid.
    static func normalized(_ value: ArraySlice<UInt8>) -> [UInt8]? {
        guard let n = hostLength(value) else { return nil }
        return value.prefix(n).map(ASCII.lower)
    }
}
