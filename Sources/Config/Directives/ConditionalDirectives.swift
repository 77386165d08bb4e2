/// The not_modified and range filters' settings (ngx_http_core_module's `if_modified_since`, `etag`,
/// `max_ranges`).
extension DirectiveTable {
    static var conditional: [DirectiveSpec] {
        [
        DirectiveSpec("if_modified_since", anyHTTPLevel, .exactly(1), .choice(\.modules.content.$ifModifiedSince)),
        DirectiveSpec("etag", anyHTTPLevel, .exactly(1), .flag(\.modules.content.$etag)),
        DirectiveSpec("max_ranges", anyHTTPLevel, .exactly(1), .value(\.modules.content.$maxRanges) { _, directive in
            try Values.number(directive, directive.arguments[0])
        }),
        ]
    }
}
