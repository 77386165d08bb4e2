/// The CGI-family directives whose module is built but whose part is not: the response cache and store of
/// each, and uwsgi over TLS. Refused with a message naming what is missing rather than "unknown directive".
enum CGIRefusals {
    static func message(for name: String) -> String? {
        for (prefix, shown) in [("fastcgi_", "FastCGI"), ("uwsgi_", "uwsgi"), ("scgi_", "SCGI")] where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            if rest.hasPrefix("cache") || rest.hasPrefix("store") || rest == "no_cache" {
                return "\"\(name)\" directive is not supported: switchyard does not cache or store "
                    + "\(shown) responses (proxy_cache caches proxied ones)"
            }
            if prefix == "uwsgi_" && rest.hasPrefix("ssl_") {
                return "\"\(name)\" directive is not supported: switchyard does not speak uwsgi over SSL"
            }
        }
        return nil
    }
}
