/// Byte helpers for header values: HTTP tokens are ASCII and compared case-insensitively.
enum ASCII {
    @inline(__always) static func lower(_ b: UInt8) -> UInt8 {
        b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b
    }

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool {
        b == UInt8(ascii: " ") || b == UInt8(ascii: "\t")
    }

    /// `bytes` equals the lowercase ASCII `lowercased` ignoring case.
    static func equalsIgnoringCase(_ bytes: ArraySlice<UInt8>, _ lowercased: StaticString) -> Bool {
        guard bytes.count == lowercased.utf8CodeUnitCount else { return false }
        let p = lowercased.utf8Start
        var i = 0
        for b in bytes {
            if lower(b) != p[i] { return false }
            i += 1
        }
        return true
    }

    /// Splits a comma-separated header value into trimmed, non-empty elements.
    static func elements(_ value: [UInt8]) -> [ArraySlice<UInt8>] {
        value.split(separator: UInt8(ascii: ",")).compactMap { part in
            let t = trim(part)
            return t.isEmpty ? nil : t
        }
    }

    static func trim(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var lo = s.startIndex
        var hi = s.endIndex
        while lo < hi, isSpace(s[lo]) { lo += 1 }
        while hi > lo, isSpace(s[hi - 1]) { hi -= 1 }
        return s[lo..<hi]
    }

    /// True if a `Cache-Control`-style value lists `directive` (name only, arguments ignored).
    static func hasDirective(_ value: [UInt8], _ directive: StaticString) -> Bool {
        for element in elements(value) {
            let name = trim(element.prefix { $0 != UInt8(ascii: "=") })
            if equalsIgnoringCase(name, directive) { return true }
        }
        return false
    }
}
