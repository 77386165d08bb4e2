/// MSM's `requestUriIgnorePattern` for the common shape `.*\.(png|gif|jpg|css|js)$`: a list of file-name
/// suffixes matched against the request path (no query), case-sensitively as Java's regex does. Only that shape
/// is accepted, so the demo needs no regex engine and refuses what it would not match faithfully.
///
///     IgnorePattern(#".*\.(png|css)$"#)!.matches(Array("/a/b.css".utf8))   // true
struct IgnorePattern: Equatable {
    /// Suffixes including the dot: `.png`.
    let suffixes: [[UInt8]]

    /// MSM's documented example, also the reference's non-sticky configuration.
    static let msmDefault = IgnorePattern(#".*\.(png|gif|jpg|css|js)$"#)!
    static let none = IgnorePattern(suffixes: [])

    init(suffixes: [[UInt8]]) { self.suffixes = suffixes }

    /// Parses `.*\.(a|b|c)$`, `^.*\.(a|b)$` or `.*\.a$`; the empty string ignores nothing. nil for anything else.
    init?(_ pattern: String) {
        if pattern.isEmpty { self.init(suffixes: []); return }
        var p = Substring(pattern)
        if p.hasPrefix("^") { p = p.dropFirst() }
        guard p.hasPrefix(#".*\."#), p.hasSuffix("$") else { return nil }
        p = p.dropFirst(4).dropLast()
        if p.hasPrefix("(") && p.hasSuffix(")") { p = p.dropFirst().dropLast() }
        let names = p.split(separator: "|", omittingEmptySubsequences: false)
        guard !names.isEmpty else { return nil }
        var out: [[UInt8]] = []
        for n in names {
            guard !n.isEmpty, n.utf8.allSatisfy({ ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) || ($0 >= 48 && $0 <= 57) }) else {
                return nil
            }
            out.append([46] + Array(n.utf8))
        }
        self.init(suffixes: out)
    }

    func matches(_ path: ArraySlice<UInt8>) -> Bool {
        suffixes.contains { s in path.count >= s.count && path.suffix(s.count).elementsEqual(s) }
    }
}
