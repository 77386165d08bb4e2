import ASCIIBytes
import Regex

/// A `map $source $result {}` block: exact keys, then (with `hostnames`) the longest leading wildcard and the
/// trailing wildcards, then regexes in order, else the default. Exact and wildcard keys match the value
/// lowercased, as nginx's hash does; a regex key's named captures may be used in its value (the Tomcat route
/// recipe: `~\.(?P<route>[^.]+)$ $route;`) and, once it matched, anywhere else, as nginx's variables.
final class MapRuntime: @unchecked Sendable {
    let source: CompiledTemplate
    /// The exact keys, and with `hostnames` the wildcard ones.
    let keys: HostPatterns<CompiledTemplate>
    let regexes: [(regex: Regex, value: CompiledTemplate)]
    /// Per regex: the variable slots its named groups fill (empty when no regex names a group).
    let regexNamed: [[(group: Int, slot: Int)]]
    let defaultValue: CompiledTemplate
    let hostnames: Bool
    /// `volatile`: evaluated at each use; otherwise the first result is kept for the rest of the request
    /// (internal redirects included), as nginx caches a variable's value.
    let volatile: Bool

    init(source: CompiledTemplate, exact: [[UInt8]: CompiledTemplate], regexes: [(regex: Regex, value: CompiledTemplate)],
         defaultValue: CompiledTemplate, hostnames: Bool = false,
         leading: [(suffix: [UInt8], matchesBare: Bool, value: CompiledTemplate)] = [],
         trailing: [(prefix: [UInt8], value: CompiledTemplate)] = [], volatile: Bool = false,
         regexNamed: [[(group: Int, slot: Int)]] = []) {
        self.volatile = volatile
        self.regexNamed = regexNamed.allSatisfy(\.isEmpty) ? [] : regexNamed
        self.source = source; self.regexes = regexes; self.defaultValue = defaultValue
        self.hostnames = hostnames
        keys = HostPatterns(exact: exact, leading: leading, trailing: trailing)
    }

    func evaluate(for r: Request, into out: inout [UInt8]) {
        let key = r.evaluate(source)
        if let v = lookup(key) { r.evaluate(v, into: &out); return }
        for (i, (re, value)) in regexes.enumerated() {
            guard let caps = re.captures(in: key) else { continue }
            if !regexNamed.isEmpty {
                for n in regexNamed[i] where n.group < caps.count && n.slot < r.userVariables.count {
                    r.userVariables[n.slot] = caps[n.group]
                }
            }
            let saved = r.captures
            r.captures = caps
            r.evaluate(value, into: &out)
            r.captures = saved
            return
        }
        r.evaluate(defaultValue, into: &out)
    }

    /// The exact and wildcard keys; nil when none matches.
    func lookup(_ key: [UInt8]) -> CompiledTemplate? {
        if key.isEmpty { return keys.exact[[]] }   // `'' close;`: the upgrade idiom's key for "no Upgrade header"
        var low = ASCII.lowercased(key[...])
        if hostnames, low.last == UInt8(ascii: ".") { low.removeLast() }
        return hostnames ? keys.find(low) : keys.exact[low]
    }
}

extension Regex {
    /// The whole match and its groups as bytes (`$0`…`$n`; an unset group is empty), or nil on no match.
    func captures(in subject: [UInt8]) -> [[UInt8]]? {
        guard let ranges = firstMatch(in: subject) else { return nil }
        return ranges.map { $0.map { Array(subject[$0]) } ?? [] }
    }
}
