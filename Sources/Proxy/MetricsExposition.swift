import Balancing

/// Text exposition being written: one `# HELP` and `# TYPE` per family, then its samples.
struct Exposition {
    enum Kind: String { case counter, gauge, histogram }

    private(set) var text = ""
    private var name = ""

    mutating func family(_ suffix: String, _ kind: Kind, _ help: String) {
        name = "switchyard_" + suffix
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(kind.rawValue)\n"
    }

    mutating func sample(_ labels: [(String, String)], _ value: Int, suffix: String = "") {
        line(labels, String(value), suffix: suffix)
    }

    private mutating func line(_ labels: [(String, String)], _ value: String, suffix: String) {
        text += name + suffix
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
        }
        text += " " + value + "\n"
    }

    /// Cumulative `_bucket` lines (le in seconds), then `_sum` and `_count`.
    mutating func histogram(_ labels: [(String, String)], _ h: LatencyHistogram) {
        var cumulative = 0
        for (i, n) in h.counts.enumerated() {
            cumulative += n
            let le = i < LatencyHistogram.boundsMicros.count ? Self.seconds(LatencyHistogram.boundsMicros[i]) : "+Inf"
            sample(labels + [("le", le)], cumulative, suffix: "_bucket")
        }
        line(labels, Self.seconds(h.sumMicros), suffix: "_sum")
        sample(labels, cumulative, suffix: "_count")
    }

    /// Microseconds as decimal seconds, without floating point: 2500 -> "0.0025", 1000000 -> "1".
    static func seconds(_ micros: UInt64) -> String {
        let whole = micros / 1_000_000, frac = micros % 1_000_000
        if frac == 0 { return String(whole) }
        var digits = String(frac)
        digits = String(repeating: "0", count: 6 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }

    /// Label values escape backslash, double quote and line feed (the format's only escapes).
    static func escape(_ value: String) -> String {
        var out = ""
        for ch in value.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
