import ASCIIBytes

/// `$remote_user`: the user name of an `Authorization: Basic` header, as nginx decodes it for the variable (with
/// or without auth_basic): base64, then everything before the first `:`. Anything else gives no value.
enum BasicAuth {
    static func appendUser(of value: ArraySlice<UInt8>, to out: inout [UInt8]) {
        var i = value.startIndex
        while i < value.endIndex && value[i] == 32 { i += 1 }
        guard value.endIndex - i > 6, ASCII.equalsIgnoringCase(value[i..<(i + 5)], "basic".utf8), value[i + 5] == 32
        else { return }
        i += 6
        while i < value.endIndex && value[i] == 32 { i += 1 }
        var end = value.endIndex
        while end > i && value[end - 1] == 32 { end -= 1 }
        let start = out.count
        var bits: UInt32 = 0, count = 0
        for c in value[i..<end] {
            if c == UInt8(ascii: "=") { break }
            guard let v = sextet(c) else { out.removeSubrange(start...); return }
            bits = bits << 6 | UInt32(v); count += 6
            if count >= 8 {
                count -= 8
                let byte = UInt8(truncatingIfNeeded: bits >> UInt32(count))
                if byte == UInt8(ascii: ":") { return }
                out.append(byte)
            }
        }
        // nginx gives no user when the decoded credentials have no ":".
        out.removeSubrange(start...)
    }

    private static func sextet(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return c - 65
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return c - 97 + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - 48 + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
