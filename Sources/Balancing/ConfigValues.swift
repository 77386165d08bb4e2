/// nginx's value syntaxes that the balancing directives use (`fail_timeout=30s`, `zone=name:1m`).
enum ConfigValues {
    /// nginx time: numbers with units ms s m h d w M y, concatenated (`1h30m`); a bare number is seconds.
    static func duration(_ text: String) -> Duration? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        var total: Int64 = 0
        var index = 0
        while index < bytes.count {
            var number: Int64 = 0
            let start = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                number = number * 10 + Int64(bytes[index] - UInt8(ascii: "0"))
                index += 1
                if number > 1_000_000_000_000 { return nil }
            }
            guard index > start else { return nil }
            var unit: Int64 = 1000  // milliseconds per unit; seconds by default
            if index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "m") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "s"):
                    unit = 1; index += 1
                case UInt8(ascii: "s"): unit = 1000
                case UInt8(ascii: "m"): unit = 60_000
                case UInt8(ascii: "h"): unit = 3_600_000
                case UInt8(ascii: "d"): unit = 86_400_000
                case UInt8(ascii: "w"): unit = 604_800_000
                case UInt8(ascii: "M"): unit = 2_592_000_000
                case UInt8(ascii: "y"): unit = 31_536_000_000
                default: return nil
                }
                index += 1
            } else if start != 0 {
                return nil  // "1h30" — a unit is required after the first part
            }
            total += number * unit
        }
        return .milliseconds(total)
    }

    /// nginx size: bytes, or k/K, m/M, g/G.
    static func size(_ text: String) -> Int? {
        var digits = Substring(text)
        var multiplier = 1
        switch digits.last {
        case "k", "K": multiplier = 1024
        case "m", "M": multiplier = 1024 * 1024
        case "g", "G": multiplier = 1024 * 1024 * 1024
        default: break
        }
        if multiplier != 1 { digits = digits.dropLast() }
        guard let value = Int(digits), value >= 0 else { return nil }
        return value * multiplier
    }
}
