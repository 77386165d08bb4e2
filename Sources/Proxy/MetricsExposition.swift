import Balancing
import HTTP1

/// Text exposition being written, as bytes into one growing buffer: one `# HELP` and `# TYPE` per family, then its
/// samples. A series' labels are rendered (and escaped) once per scrape into `Labels`; the label that varies
/// within a family (`state`, `code`, `le`) is appended in place, so a sample costs a few byte copies and an
/// integer's digits (a scrape of String interpolations cost about 27,000 instructions a line).
struct Exposition {
    enum Kind: String { case counter, gauge, histogram }

    /// `name="value",…` without braces, values escaped.
    struct Labels {
        fileprivate(set) var text: [UInt8] = []

        init() {}

        init(_ pairs: [(String, String)]) {
            for (name, value) in pairs { add(name, value) }
        }

        mutating func add(_ name: String, _ value: String) {
            if !text.isEmpty { text.append(UInt8(ascii: ",")) }
            text.append(contentsOf: name.utf8)
            text.append(contentsOf: [UInt8(ascii: "="), UInt8(ascii: "\"")])
            Exposition.escape(value.utf8, into: &text)
            text.append(UInt8(ascii: "\""))
        }
    }

    private(set) var bytes: [UInt8]
    private var name: [UInt8] = []

    init() {
        bytes = []
        bytes.reserveCapacity(32 * 1024)
    }

    mutating func family(_ suffix: String, _ kind: Kind, _ help: String) {
        name = Array("switchyard_".utf8) + Array(suffix.utf8)
        bytes.append(contentsOf: "# HELP ".utf8)
        bytes.append(contentsOf: name)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: help.utf8)
        bytes.append(contentsOf: "\n# TYPE ".utf8)
        bytes.append(contentsOf: name)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: kind.rawValue.utf8)
        bytes.append(10)
    }

    /// One sample; `extra` is a label after `labels` (`state`, `code`), its value needing no escape.
    mutating func sample(_ labels: Labels, _ value: Int, with extra: (name: String, value: [UInt8])? = nil,
                         suffix: String = "") {
        start(labels, extra, suffix: suffix)
        ASCIIDecimal.append(value, to: &bytes)
        bytes.append(10)
    }

    private mutating func start(_ labels: Labels, _ extra: (name: String, value: [UInt8])?, suffix: String) {
        bytes.append(contentsOf: name)
        bytes.append(contentsOf: suffix.utf8)
        if !labels.text.isEmpty || extra != nil {
            bytes.append(UInt8(ascii: "{"))
            bytes.append(contentsOf: labels.text)
            if let extra {
                if !labels.text.isEmpty { bytes.append(UInt8(ascii: ",")) }
                bytes.append(contentsOf: extra.name.utf8)
                bytes.append(contentsOf: [UInt8(ascii: "="), UInt8(ascii: "\"")])
                bytes.append(contentsOf: extra.value)
                bytes.append(UInt8(ascii: "\""))
            }
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: " "))
    }

    /// Cumulative `_bucket` lines (le in seconds), then `_sum` and `_count`.
    mutating func histogram(_ labels: Labels, _ h: LatencyHistogram) {
        var cumulative = 0
        for (i, n) in h.counts.enumerated() {
            cumulative += n
            sample(labels, cumulative, with: ("le", Self.bucketBounds[i]), suffix: "_bucket")
        }
        start(labels, nil, suffix: "_sum")
        bytes.append(contentsOf: Self.seconds(h.sumMicros).utf8)
        bytes.append(10)
        sample(labels, cumulative, suffix: "_count")
    }

    /// The `le` values of the buckets, made once: the bounds in seconds, then `+Inf`.
    private static let bucketBounds: [[UInt8]] =
        LatencyHistogram.boundsMicros.map { Array(seconds($0).utf8) } + [Array("+Inf".utf8)]

    /// `1xx` … `5xx`, the `code` label's values.
    static let statusClasses: [[UInt8]] = (1...5).map { Array("\($0)xx".utf8) }

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
        var out: [UInt8] = []
        escape(value.utf8, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func escape(_ value: some Sequence<UInt8>, into out: inout [UInt8]) {
        for c in value {
            switch c {
            case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case 10: out.append(contentsOf: [92, UInt8(ascii: "n")])
            default: out.append(c)
            }
        }
    }
}
