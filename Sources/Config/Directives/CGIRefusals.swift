/// The CGI-family directives whose module is built but whose part is not: the response store of each. Refused
/// with a message naming what is missing rather than "unknown directive".
enum CGIRefusals {
    static func message(for name: String) -> String? {
        for (prefix, shown) in [("fastcgi_", "FastCGI"), ("uwsgi_", "uwsgi"), ("scgi_", "SCGI")] where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            if rest.hasPrefix("store") {
                return "\"\(name)\" directive is not supported: switchyard does not store \(shown) responses "
                    + "(\(prefix)cache caches them)"
            }
        }
        return nil
    }
}
