import Regex

/// A `map $source $result {}` block: exact keys, then regexes in order, else the default. A regex key's
/// named captures may be used in its value (the Tomcat route recipe: `~\.(?P<route>[^.]+)$ $route;`).
final class MapRuntime: @unchecked Sendable {
    let source: CompiledTemplate
    let exact: [[UInt8]: CompiledTemplate]
    let regexes: [(regex: Regex, value: CompiledTemplate)]
    let defaultValue: CompiledTemplate

    init(source: CompiledTemplate, exact: [[UInt8]: CompiledTemplate], regexes: [(regex: Regex, value: CompiledTemplate)],
         defaultValue: CompiledTemplate) {
        self.source = source; self.exact = exact; self.regexes = regexes; self.defaultValue = defaultValue
    }

    func evaluate(for r: Request, into out: inout [UInt8]) {
        let key = r.evaluate(source)
        if let v = exact[key] { r.evaluate(v, into: &out); return }
        for (re, value) in regexes {
            guard let caps = re.captures(in: key) else { continue }
            let saved = r.captures
            r.captures = caps
            r.evaluate(value, into: &out)
            r.captures = saved
            return
        }
        r.evaluate(defaultValue, into: &out)
    }
}

extension Regex {
    /// The whole match and its groups as bytes (`$0`…`$n`; an unset group is empty), or nil on no match.
    func captures(in subject: [UInt8]) -> [[UInt8]]? {
        guard let ranges = firstMatch(in: subject) else { return nil }
        return ranges.map { $0.map { Array(subject[$0]) } ?? [] }
    }
}
