/// ngx_http_core_module's rows for files and redirects: `try_files`, `merge_slashes`, the redirect style (with
/// `msie_refresh`),
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
        DirectiveSpec("merge_slashes", [.http, .server], .exactly(1), .flag(\.modules.files.$mergeSlashes)),
        DirectiveSpec("absolute_redirect", anyHTTPLevel, .exactly(1), .flag(\.modules.files.$absoluteRedirect)),
        DirectiveSpec("port_in_redirect", anyHTTPLevel, .exactly(1), .flag(\.modules.files.$portInRedirect)),
        DirectiveSpec("server_name_in_redirect", anyHTTPLevel, .exactly(1), .flag(\.modules.files.$serverNameInRedirect)),
        DirectiveSpec("msie_refresh", anyHTTPLevel, .exactly(1), .flag(\.modules.files.$msieRefresh)),
        DirectiveSpec("log_not_found", anyHTTPLevel, .exactly(1), .flag(\.modules.files.$logNotFound)),
        DirectiveSpec("random_index", [.location], .exactly(1), .flag(\.modules.files.$randomIndex)),
        // ngx_http_autoindex_module.
        DirectiveSpec("autoindex", anyHTTPLevel, .exactly(1), .flag(\.modules.files.$autoindex)),
        DirectiveSpec("autoindex_format", anyHTTPLevel, .exactly(1), .choice(\.modules.files.$autoindexFormat)),
        DirectiveSpec("autoindex_localtime", anyHTTPLevel, .exactly(1), .flag(\.modules.files.$autoindexLocaltime)),
        DirectiveSpec("autoindex_exact_size", anyHTTPLevel, .exactly(1), .flag(\.modules.files.$autoindexExactSize)),
        // ngx_http_empty_gif_module: the location answers with a 1x1 transparent GIF.
        DirectiveSpec("empty_gif", [.location], .none, .custom { builder, directive in
            try setHandler(builder, directive, .emptyGIF)
        }),
        // ngx_http_flv_module: pseudo-streaming of FLV files from a `start=` byte offset.
        DirectiveSpec("flv", [.location], .none, .custom { builder, directive in
            try setHandler(builder, directive, .flv)
        }),
        DirectiveSpec("recursive_error_pages", anyHTTPLevel, .exactly(1), .flag(\.modules.files.$recursiveErrorPages)),
        // nginx's syntax and checks: `off`, `on` or `if_not_owner`, and `from=part` (variables allowed), in
        // either order.
        DirectiveSpec("disable_symlinks", anyHTTPLevel, .range(1, 2), .custom { builder, directive in
            try builder.once(directive, scope: builder.levelScope)
            var mode: DisableSymlinks.Mode?
            var from: Template?
            for argument in directive.arguments {
                switch argument.text {
                case "off": mode = .off
                case "on": mode = .on
                case "if_not_owner": mode = .ifNotOwner
                case let text where text.hasPrefix("from="):
                    do { from = try Template(bytes: Array(argument.bytes.dropFirst(5))) } catch let e as TemplateError {
                        throw ConfigError(e.message, at: directive.location)
                    }
                default:
                    throw ConfigError("invalid parameter \"\(argument.text)\"", at: directive.location)
                }
            }
            guard let mode else {
                throw ConfigError("\"disable_symlinks\" must have \"off\", \"on\" or \"if_not_owner\" parameter",
                                  at: directive.location)
            }
            if directive.arguments.count == 2 && from == nil {
                throw ConfigError("duplicate parameters \"\(directive.arguments[0].text) \(directive.arguments[1].text)\"",
                                  at: directive.location)
            }
            if mode == .off && from != nil {
                throw ConfigError("\"from=\" cannot be used with \"off\" parameter", at: directive.location)
            }
            builder.settings.files.$disableSymlinks.set(DisableSymlinks(mode: mode, from: from))
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
