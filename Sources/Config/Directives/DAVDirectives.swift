/// ngx_http_dav_module's rows: http, server and location (not in `if`).
extension DirectiveTable {
    static var dav: [DirectiveSpec] {
        [
        // A bitmask slot: a second `dav_methods` at the same level adds its words, a repeated word is a warning.
        DirectiveSpec("dav_methods", anyHTTPLevel, .atLeast(1), .accumulate(\.modules.dav.$methods) { builder, directive, current in
            var methods = current ?? []
            try Values.addFlags(builder, directive, to: &methods) { DAVMethod(rawValue: $0.lowercased()) }
            return methods
        }),
        DirectiveSpec("dav_access", anyHTTPLevel, .range(1, 3), .value(\.modules.dav.$access) { _, directive in
            switch DAVAccess.parse(directive.arguments.map(\.text)) {
            case .success(let mode): return mode
            case .failure(let bad): throw ConfigError("invalid value \"\(directive.arguments[bad.index].text)\"", at: directive.location)
            }
        }),
        DirectiveSpec("create_full_put_path", anyHTTPLevel, .exactly(1), .flag(\.modules.dav.$createFullPutPath)),
        DirectiveSpec("min_delete_depth", anyHTTPLevel, .exactly(1), .number(\.modules.dav.$minDeleteDepth)),
        ]
    }
}
