/// Host names as nginx's wildcard hash finds them (`map … hostnames`, `valid_referers`): the exact name, then
/// the longest leading wildcard (`*.example.com`; `.example.com` also matches example.com itself), then the
/// longest trailing one (`www.example.*`). Keys and the names looked up are lowercase.
struct HostPatterns<Value> {
    let exact: [[UInt8]: Value]
    /// `*.example.com` / `.example.com` as their suffix (".example.com"), longest first; `matchesBare` for the
    /// `.example.com` form.
    let leading: [(suffix: [UInt8], matchesBare: Bool, value: Value)]
    /// `www.example.*` as its prefix ("www.example."), longest first.
    let trailing: [(prefix: [UInt8], value: Value)]

    init(exact: [[UInt8]: Value], leading: [(suffix: [UInt8], matchesBare: Bool, value: Value)] = [],
         trailing: [(prefix: [UInt8], value: Value)] = []) {
        self.exact = exact
        self.leading = leading.sorted { $0.suffix.count > $1.suffix.count }
        self.trailing = trailing.sorted { $0.prefix.count > $1.prefix.count }
    }

    var isEmpty: Bool { exact.isEmpty && leading.isEmpty && trailing.isEmpty }

    func find(_ low: [UInt8]) -> Value? {
        if let v = exact[low] { return v }
        for w in leading {
            if low.count > w.suffix.count, low.suffix(w.suffix.count).elementsEqual(w.suffix) { return w.value }
            if w.matchesBare, low.elementsEqual(w.suffix.dropFirst()) { return w.value }
        }
        for w in trailing where low.count > w.prefix.count && low.prefix(w.prefix.count).elementsEqual(w.prefix) {
            return w.value
        }
        return nil
    }
}
