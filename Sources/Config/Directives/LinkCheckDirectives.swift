/// ngx_http_referer_module (`valid_referers`, `referer_hash_*`) and ngx_http_secure_link_module
/// (`secure_link`, `secure_link_md5`, `secure_link_secret`): the two modules that judge a request by its link.
extension DirectiveTable {
    static var linkChecks: [DirectiveSpec] {
        [
        DirectiveSpec("valid_referers", [.server, .location], .atLeast(1),
                      .accumulate(\.modules.referer.$validReferers) { builder, directive, current in
            var referers = (current ?? nil) ?? ValidReferers(location: directive.location)
            for argument in directive.arguments {
                try addReferer(argument.text, to: &referers, builder, directive)
            }
            return referers
        }),
        DirectiveSpec("referer_hash_max_size", [.server, .location], .exactly(1), .number(\.modules.referer.$hashMaxSize)),
        DirectiveSpec("referer_hash_bucket_size", [.server, .location], .exactly(1), .number(\.modules.referer.$hashBucketSize)),
        DirectiveSpec("secure_link", anyHTTPLevel, .exactly(1), .value(\.modules.secureLink.$link) { builder, directive in
            try refuseMixedSecureLink(builder, directive)
            return try Values.template(directive, directive.arguments[0])
        }),
        DirectiveSpec("secure_link_md5", anyHTTPLevel, .exactly(1), .value(\.modules.secureLink.$md5) { builder, directive in
            try refuseMixedSecureLink(builder, directive)
            return try Values.template(directive, directive.arguments[0])
        }),
        DirectiveSpec("secure_link_secret", anyHTTPLevel, .exactly(1), .value(\.modules.secureLink.$secret) { builder, directive in
            try refuseMixedSecureLink(builder, directive)
            return directive.arguments[0].text
        }),
        ]
    }

    /// One argument of `valid_referers`, in nginx's words when it is refused.
    private static func addReferer(_ text: String, to referers: inout ValidReferers, _ builder: ConfigBuilder,
                                   _ directive: Directive) throws {
        switch text {
        case "": throw ConfigError("invalid referer \"\"", at: directive.location)
        case "none": referers.none = true
        case "blocked": referers.blocked = true
        case "server_names": referers.serverNames = true
        default:
            if text.hasPrefix("~") {
                guard text.count > 1 else { throw ConfigError("empty regex in \"~\"", at: directive.location) }
                let pattern = String(text.dropFirst())
                try builder.checkRegex(pattern, caseInsensitive: true, at: directive.location)
                referers.regexes.append(pattern)
                return
            }
            // "www.example.org/galleries/": the host, then the URI prefix from its first "/".
            let slash = text.firstIndex(of: "/")
            let host = String(text[..<(slash ?? text.endIndex)])
            try referers.add(host: host, uri: slash.map { String(text[$0...]) }, at: directive.location)
        }
    }

    /// nginx refuses `secure_link_secret` at a level with `secure_link` or `secure_link_md5` (it finds them when
    /// merging; here the second of them is the line named).
    private static func refuseMixedSecureLink(_ builder: ConfigBuilder, _ directive: Directive) throws {
        let own = builder.settings.secureLink
        let mixed = directive.name == "secure_link_secret" ? own.$link.isSet || own.$md5.isSet : own.$secret.isSet
        if mixed {
            throw ConfigError("\"secure_link_secret\" cannot be mixed with \"secure_link\" and \"secure_link_md5\"",
                              at: directive.location)
        }
    }
}
