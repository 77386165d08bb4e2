import ASCIIBytes
import Regex

/// A location's `valid_referers`, compiled: nginx's ngx_http_referer_variable as a value, so `$invalid_referer`
/// is one call (tested without sockets in RefererCheckTests).
struct RefererCheck {
    /// `none`, `blocked`.
    let none: Bool
    let blocked: Bool
    /// Host names and wildcards (the server's names with `server_names`), each with its URI prefix or nil.
    let hosts: HostPatterns<[UInt8]?>
    /// The server's `~` names (with `server_names`): matched against the lowercased host alone.
    let serverNameRegexes: [Regex]
    /// `~regex`: matched caseless against everything after the scheme.
    let regexes: [Regex]

    /// Whether a request whose Referer is `referer` (nil: no such field) leaves `$invalid_referer` empty.
    func isValid(_ referer: ArraySlice<UInt8>?) -> Bool {
        // nginx: a list with no host and no regex checks nothing.
        if hosts.isEmpty && regexes.isEmpty && serverNameRegexes.isEmpty { return true }
        guard let referer else { return none }
        // Shorter than "http://i.ru", or another scheme: `blocked` decides.
        guard referer.count >= 11, let rest = Self.afterScheme(referer) else { return blocked }
        // The host ends at the path or the port; a host over 256 bytes is invalid, as nginx's buffer is.
        var host: [UInt8] = []
        var i = rest.startIndex
        while i < rest.endIndex, rest[i] != UInt8(ascii: "/"), rest[i] != UInt8(ascii: ":") {
            if host.count == 256 { return false }
            host.append(ASCII.lower(rest[i]))
            i += 1
        }
        if let prefix = hosts.find(host) {
            guard let prefix else { return true }
            let path = rest[i...].drop { $0 != UInt8(ascii: "/") }
            return path.starts(with: prefix)   // case-sensitive, as nginx compares the URI
        }
        if serverNameRegexes.contains(where: { $0.firstMatch(in: host) != nil }) { return true }
        if !regexes.isEmpty {
            let text = Array(rest)
            return regexes.contains { $0.firstMatch(in: text) != nil }
        }
        return false
    }

    private static func afterScheme(_ referer: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        if ASCII.hasPrefixLowercased(referer, "http://") { return referer.dropFirst(7) }
        if ASCII.hasPrefixLowercased(referer, "https://") { return referer.dropFirst(8) }
        return nil
    }
}
