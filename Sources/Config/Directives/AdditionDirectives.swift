/// ngx_http_addition_filter_module directives: http, server and location (not in `if`), each once per level.
extension DirectiveTable {
    static var addition: [DirectiveSpec] {
        [
        DirectiveSpec("add_before_body", anyHTTPLevel, .exactly(1), .value(\.modules.addition.$beforeBody) { _, d in d.arguments[0].text }),
        DirectiveSpec("add_after_body", anyHTTPLevel, .exactly(1), .value(\.modules.addition.$afterBody) { _, d in d.arguments[0].text }),
        DirectiveSpec("addition_types", anyHTTPLevel, .atLeast(1), .accumulate(\.modules.addition.$types, Values.mimeTypes)),
        ]
    }
}
