/// nginx's value parsers: sizes (`ngx_parse_size`), offsets (`ngx_parse_offset`), times (`ngx_parse_time`).
///
///     Units.size("64k") == 65536;  Units.seconds("1h 30m") == 5400;  Units.milliseconds("500ms") == 500
public enum Units {
    /// `10`, `1k`/`1K`, `1m`/`1M` (buffer sizes); nil if invalid.
    public static func size(_ text: String) -> Int? {
        scaled(text, units: ["k": 1 << 10, "K": 1 << 10, "m": 1 << 20, "M": 1 << 20])
    }

    /// Like `size` but also `g`/`G` (file sizes such as `client_max_body_size`, `max_size`).
    public static func offset(_ text: String) -> Int? {
        scaled(text, units: ["k": 1 << 10, "K": 1 << 10, "m": 1 << 20, "M": 1 << 20, "g": 1 << 30, "G": 1 << 30])
    }

    private static func scaled(_ text: String, units: [Character: Int]) -> Int? {
        guard let last = text.last else { return nil }
        var digits = Substring(text)
        var scale = 1
        if let unit = units[last] {
            scale = unit
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits) else {
            return nil
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: scale)
        return overflow ? nil : product
    }

    /// A time in seconds: `30`, `30s`, `5m`, `1h 30m`, `1d`, `2w`, `1M` (30 days), `1y` (365 days).
    public static func seconds(_ text: String) -> Int? { parseTime(text, inSeconds: true) }

    /// A time in milliseconds: as `seconds` plus `ms`, without `y`/`M`; a bare number means seconds.
    public static func milliseconds(_ text: String) -> Int? { parseTime(text, inSeconds: false) }

    /// Units must come largest first, each at most once, as nginx requires.
    private static func parseTime(_ text: String, inSeconds: Bool) -> Int? {
        let bytes = Array(text.utf8)
        // Steps in nginx's order; a unit is valid only after a larger one.
        let year = 1, month = 2, week = 3, day = 4, hour = 5, minute = 6, second = 7, millisecond = 8
        var step = inSeconds ? 0 : month
        var value = 0
        var total = 0
        var valid = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
                let (next, o2) = shifted.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
                if o1 || o2 { return nil }
                value = next
                valid = true
                continue
            }
            var scale: Int
            switch byte {
            case UInt8(ascii: "y"):
                if step > 0 { return nil }
                step = year; scale = 365 * 86400
            case UInt8(ascii: "M"):
                if step >= month { return nil }
                step = month; scale = 30 * 86400
            case UInt8(ascii: "w"):
                if step >= week { return nil }
                step = week; scale = 7 * 86400
            case UInt8(ascii: "d"):
                if step >= day { return nil }
                step = day; scale = 86400
            case UInt8(ascii: "h"):
                if step >= hour { return nil }
                step = hour; scale = 3600
            case UInt8(ascii: "m"):
                if index < bytes.count && bytes[index] == UInt8(ascii: "s") {
                    if inSeconds || step >= millisecond { return nil }
                    index += 1
                    step = millisecond; scale = 1
                } else {
                    if step >= minute { return nil }
                    step = minute; scale = 60
                }
            case UInt8(ascii: "s"):
                if step >= second { return nil }
                step = second; scale = 1
            default:
                return nil
            }
            if step != millisecond && !inSeconds { scale *= 1000 }
            let (part, overflow) = value.multipliedReportingOverflow(by: scale)
            let (sum, overflow2) = total.addingReportingOverflow(part)
            if overflow || overflow2 { return nil }
            total = sum
            value = 0
            while index < bytes.count && bytes[index] == UInt8(ascii: " ") { index += 1 }
        }
        guard valid else { return nil }
        if !inSeconds {
            let (scaled, overflow) = value.multipliedReportingOverflow(by: 1000)
            if overflow { return nil }
            value = scaled
        }
        let (result, overflow) = total.addingReportingOverflow(value)
        return overflow ? nil : result
    }
}
