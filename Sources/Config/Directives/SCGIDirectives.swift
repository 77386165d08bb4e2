/// ngx_http_scgi_module directives: `scgi_pass`, the family's rows and the cache's (`scgi_cache*`). The store
/// directives are refused by name (CGIRefusals).
extension DirectiveTable {
    static var scgi: [DirectiveSpec] {
        [
        DirectiveSpec("scgi_pass", [.location], .exactly(1), .custom { builder, directive in
            try setHandler(builder, directive, .cgi(.scgi, try CGIPassParser.parse(directive, .scgi)))
        }),
        ] + cgiFamily("scgi", \.scgi)
    }
}
