/// ngx_http_rewrite_module: `rewrite`, `return`, `set`, `break`, kept as an ordered script per level.
extension DirectiveTable {
    static var rewrite: [DirectiveSpec] {
        [
        DirectiveSpec("rewrite", [.server, .location], .range(2, 3), .custom { builder, directive in
            let arguments = directive.arguments
            let pattern = arguments[0].text
            try builder.checkRegex(pattern, caseInsensitive: false, at: directive.location)
            if arguments[1].text.isEmpty { throw ConfigError("empty replacement", at: directive.location) }
            var flag = Rewrite.Flag.none
            if arguments.count == 3 {
                guard let parsed = Rewrite.Flag(rawValue: arguments[2].text), parsed != .none else {
                    throw ConfigError("invalid parameter \"\(arguments[2].text)\"", at: directive.location)
                }
                flag = parsed
            }
            builder.addRewriteStep(.rewrite(Rewrite(
                pattern: pattern, replacement: try Values.template(directive, arguments[1]), flag: flag,
                location: directive.location)))
        }),
        DirectiveSpec("return", [.server, .location], .range(1, 2), .custom { builder, directive in
            builder.addRewriteStep(.return(try returnAction(directive)))
        }),
        DirectiveSpec("set", [.server, .location], .exactly(2), .custom { builder, directive in
            let name = directive.arguments[0].text
            guard name.hasPrefix("$"), name.count > 1 else {
                throw ConfigError("invalid variable name \"\(name)\"", at: directive.location)
            }
            builder.addRewriteStep(.set(
                variable: String(name.dropFirst()), value: try Values.template(directive, directive.arguments[1]),
                location: directive.location))
        }),
        DirectiveSpec("break", [.server, .location], .none, .custom { builder, _ in
            builder.addRewriteStep(.break)
        }),
        ifBlock,
        DirectiveSpec("rewrite_log", anyHTTPLevel, .exactly(1), .flag(\.modules.rewrite.$log)),
        DirectiveSpec("uninitialized_variable_warn", anyHTTPLevel, .exactly(1), .flag(\.modules.rewrite.$uninitializedWarn)),
        ]
    }

    /// `return code [text]`, `return code URL`, `return URL`.
    private static func returnAction(_ directive: Directive) throws -> Return {
        let first = directive.arguments[0].text
        if let code = Int(first), first.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            guard code <= 999 else { throw ConfigError("invalid return code \"\(first)\"", at: directive.location) }
            let value = directive.arguments.count > 1 ? try Values.template(directive, directive.arguments[1]) : nil
            return Return(code: code, value: value, location: directive.location)
        }
        guard directive.arguments.count == 1,
            first.hasPrefix("http://") || first.hasPrefix("https://") || first.hasPrefix("$scheme")
        else {
            throw ConfigError("invalid return code \"\(first)\"", at: directive.location)
        }
        return Return(code: 302, value: try Values.template(directive, directive.arguments[0]), location: directive.location)
    }
}
