/// ngx_http_fastcgi_module directives: FastCGI's own, the family's rows and the cache's (`fastcgi_cache*`).
/// `fastcgi_store*` are not rows: ConfigBuilder refuses them with a message saying responses are not stored.
extension DirectiveTable {
    static var fastcgi: [DirectiveSpec] {
        let any = anyHTTPLevel
        return [
        DirectiveSpec("fastcgi_pass", [.location], .exactly(1), .custom { builder, directive in
            try setHandler(builder, directive, .cgi(.fastcgi, try CGIPassParser.parse(directive, .fastcgi)))
        }),
        DirectiveSpec("fastcgi_index", any, .exactly(1), .value(\.modules.fastcgi.$index) { _, directive in
            directive.arguments[0].text
        }),
        // nginx takes it at every level, and a second one at a level replaces the first.
        DirectiveSpec("fastcgi_split_path_info", any, .exactly(1), .accumulate(\.modules.fastcgi.$splitPathInfo) {
            builder, directive, _ in
            let pattern = directive.arguments[0].text
            try builder.checkRegex(pattern, caseInsensitive: false, at: directive.location)
            return FastCGISplit(pattern: pattern, location: directive.location)
        }),
        DirectiveSpec("fastcgi_keep_conn", any, .exactly(1), .flag(\.modules.fastcgi.$keepConn)),
        DirectiveSpec("fastcgi_catch_stderr", any, .exactly(1), .words(\.modules.fastcgi.$catchStderr)),
        ] + cgiFamily("fastcgi", \.modules.fastcgi.family)
    }
}
