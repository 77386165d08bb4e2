/// ngx_http_sub_module directives, with nginx's contexts (not in `if`) and validation wording.
extension DirectiveTable {
    static var subFilter: [DirectiveSpec] {
        [
        DirectiveSpec("sub_filter", anyHTTPLevel, .exactly(2), .append(\.modules.subFilter.$pairs) { builder, directive in
            let arguments = directive.arguments
            if arguments[0].bytes.isEmpty { throw ConfigError("empty search pattern", at: directive.location) }
            let current = builder.settings.subFilter.$pairs
            if current.isSet && current.wrappedValue.count >= 255 {
                throw ConfigError("number of search patterns exceeds 255", at: directive.location)
            }
            return [SubFilterPair(match: try Values.template(directive, arguments[0]),
                                  replacement: try Values.template(directive, arguments[1]), location: directive.location)]
        }),
        DirectiveSpec("sub_filter_types", anyHTTPLevel, .atLeast(1), .accumulate(\.modules.subFilter.$types, Values.mimeTypes)),
        DirectiveSpec("sub_filter_once", anyHTTPLevel, .exactly(1), .flag(\.modules.subFilter.$once)),
        DirectiveSpec("sub_filter_last_modified", anyHTTPLevel, .exactly(1), .flag(\.modules.subFilter.$lastModified)),
        ]
    }
}
