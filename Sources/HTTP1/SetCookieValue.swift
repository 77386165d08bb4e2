import ASCIIBytes

/// `$upstream_cookie_NAME`: nginx's ngx_http_parse_set_cookie_lines. Unlike a Cookie header, a Set-Cookie line
/// holds one cookie, first: the name is matched ASCII case-insensitively at the line's start, only spaces (not
/// tabs) may stand around `=`, and the value runs to the first `;` as it is (inner and trailing spaces kept).
/// ```
/// SetCookieValue.of(Array("tc".utf8), in: Array("tc = a b; Path=/".utf8)[...])   // "a b"
/// SetCookieValue.of(Array("tc".utf8), in: Array("tc\t=x".utf8)[...])             // nil
/// ```
public enum SetCookieValue {
    public static func of(_ name: [UInt8], in line: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        guard name.count < line.count else { return nil }
        var i = line.startIndex
        for n in name {
            guard ASCII.lower(line[i]) == ASCII.lower(n) else { return nil }
            i += 1
        }
        while i < line.endIndex, line[i] == UInt8(ascii: " ") { i += 1 }
        guard i < line.endIndex, line[i] == UInt8(ascii: "=") else { return nil }
        i += 1
        while i < line.endIndex, line[i] == UInt8(ascii: " ") { i += 1 }
        let end = line[i...].firstIndex(of: UInt8(ascii: ";")) ?? line.endIndex
        return line[i..<end]
    }
}
