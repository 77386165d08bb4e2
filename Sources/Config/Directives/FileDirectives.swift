/// ngx_http_core_module's rows for files and redirects: `try_files`, `merge_slashes`, the redirect style,
/// `log_not_found`, `recursive_error_pages`, `disable_symlinks`; autoindex's and empty_gif's rows.
extension DirectiveTable {
    static var files: [DirectiveSpec] {
        [
        // Not merged: nginx reads try_files only where it is written.
        DirectiveSpec("try_files", [.server, .location], .atLeast(2), .custom { builder, directive in
            if builder.settings.files.$tryFiles.isSet {
                throw ConfigError("\"try_files\" directive is duplicate", at: directive.location)
            }
            builder.settings.files.$tryFiles.set(try tryFiles(directive))
        }),
        DirectiveSpec("merge_slashes", [.http, .server], .exactly(1), .flag(\.files.$mergeSlashes)),
        DirectiveSpec("absolute_redirect", anyHTTPLevel, .exactly(1), .flag(\.files.$absoluteRedirect)),
        DirectiveSpec("port_in_redirect", anyHTTPLevel, .exactly(1), .flag(\.files.$portInRedirect)),
        DirectiveSpec("server_name_in_redirect", anyHTTPLevel, .exactly(1), .flag(\.files.$serverNameInRedirect)),
        DirectiveSpec("log_not_found", anyHTTPLevel, .exactly(1), .flag(\.files.$logNotFound)),
        DirectiveSpec("random_index", [.location], .exactly(1), .flag(\.files.$randomIndex)),
        // ngx_http_autoindex_module.
        DirectiveSpec("autoindex", anyHTTPLevel, .exactly(1), .flag(\.files.$autoindex)),
        DirectiveSpec("autoindex_format", anyHTTPLevel, .exactly(1), .choice(\.files.$autoindexFormat)),
        DirectiveSpec("autoindex_localtime", anyHTTPLevel, .exactly(1), .flag(\.files.$autoindexLocaltime)),
        DirectiveSpec("autoindex_exact_size", anyHTTPLevel, .exactly(1), .flag(\.files.$autoindexExactSize)),
        // ngx_http_empty_gif_module: the location answers with a 1x1 transparent GIF.
        DirectiveSpec("empty_gif", [.location], .none, .custom { builder, directive in
            try setHandler(builder, directive, .emptyGIF)
        }),
        DirectiveSpec("recursive_error_pages", anyHTTPLevel, .exactly(1), .flag(\.files.$recursiveErrorPages)),
        // switchyard follows symbolic links as nginx does by default; the checks of `on` and `if_not_owner`
        // (a file opened component by component) are not built, and saying so beats ignoring them.
        DirectiveSpec("disable_symlinks", anyHTTPLevel, .range(1, 2), .custom { _, directive in
            let arguments = directive.arguments.map(\.text)
            switch arguments[0] {
            case "off":
                if arguments.count > 1 {
                    throw ConfigError("invalid parameter \"\(arguments[1])\"", at: directive.location)
                }
            case "on", "if_not_owner":
                throw ConfigError("\"disable_symlinks \(arguments[0])\" is not supported by switchyard (only \"off\")",
                                  at: directive.location)
            default:
                throw ConfigError("invalid value \"\(arguments[0])\"", at: directive.location)
            }
        }),
        ]
    }

    /// `try_files file ... uri|@name|=code`.
    static func tryFiles(_ directive: Directive) throws -> TryFiles {
        var arguments = directive.arguments
        let last = arguments.removeLast()
        let text = last.text
        let fallback: TryFiles.Fallback
        if text.hasPrefix("@") {
            fallback = .named(text)
        } else if text.hasPrefix("=") {
            guard let code = Int(text.dropFirst()), (100...999).contains(code),
                  text.utf8.dropFirst().allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                throw ConfigError("invalid code \"\(text)\"", at: directive.location)
            }
            fallback = .code(code)
        } else {
            fallback = .uri(try Values.template(directive, last))
        }
        let files = try arguments.map { a throws in try Values.template(directive, a) }
        return TryFiles(files: files, fallback: fallback, location: directive.location)
    }
}
