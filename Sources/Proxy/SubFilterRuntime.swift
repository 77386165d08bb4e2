import ASCIIBytes
import Config

/// A location's `sub_filter` lines and settings, frozen at load; nil on `LocationRuntime` when it has none, so a
/// location without them pays one nil test per response.
final class SubFilterRuntime: Sendable {
    /// The search strings and replacements, in configuration order.
    let matches: [CompiledTemplate]
    let replacements: [CompiledTemplate]
    /// Made at load when no search string has variables; else per response (`patterns(for:)`).
    let fixed: SubFilterPatterns?
    let once: Bool
    let lastModified: Bool
    /// `sub_filter_types`.
    let types: FilterTypes

    init(matches: [CompiledTemplate], replacements: [CompiledTemplate], settings s: SubFilterSettings) {
        self.matches = matches
        self.replacements = replacements
        let constants = matches.compactMap(\.constant)
        fixed = constants.count == matches.count ? SubFilterPatterns(constants, lines: Array(matches.indices)) : nil
        once = s.once
        lastModified = s.lastModified
        types = FilterTypes(s.types)
    }

    /// Whether a response of `contentType` (parameters after `;` ignored, case-insensitive) is filtered.
    func applies(to contentType: ArraySlice<UInt8>) -> Bool { types.contains(contentType) }

    /// The search strings for `r`'s response: those with variables evaluated now, as nginx does when the head goes
    /// out; strings that come out empty are left out, and with none left the response is not filtered (nil).
    func patterns(for r: Request) -> SubFilterPatterns? {
        if let f = fixed { return f }
        var strings: [[UInt8]] = [], lines: [Int] = []
        for (i, m) in matches.enumerated() {
            let s = r.evaluate(m)
            if s.isEmpty { continue }
            strings.append(s); lines.append(i)
        }
        return strings.isEmpty ? nil : SubFilterPatterns(strings, lines: lines)
    }
}
