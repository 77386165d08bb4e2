/// ngx_http_uwsgi_module directives: `uwsgi_pass`, the packet's modifiers, the family's rows and the cache's
/// (`uwsgi_cache*`). The store and SSL directives are refused by name (CGIRefusals).
extension DirectiveTable {
    static var uwsgi: [DirectiveSpec] {
        let any = anyHTTPLevel
        return [
        DirectiveSpec("uwsgi_pass", [.location], .exactly(1), .custom { builder, directive in
            try setHandler(builder, directive, .cgi(.uwsgi, try CGIPassParser.parse(directive, .uwsgi)))
        }),
        DirectiveSpec("uwsgi_modifier1", any, .exactly(1), .number(\.modules.uwsgi.$modifier1)),
        DirectiveSpec("uwsgi_modifier2", any, .exactly(1), .number(\.modules.uwsgi.$modifier2)),
        ] + cgiFamily("uwsgi", \.modules.uwsgi.family)
    }
}
