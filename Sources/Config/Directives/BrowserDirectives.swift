/// ngx_http_browser_module's rows: `modern_browser`, `ancient_browser` and the values of `$modern_browser` and
/// `$ancient_browser`, at the http, server and location levels (not in `if`), with nginx's checks.
extension DirectiveTable {
    static var browser: [DirectiveSpec] {
        [
        DirectiveSpec("modern_browser", anyHTTPLevel, .range(1, 2), .accumulate(\.modules.browser.$modern) { _, directive, current in
            var modern = current ?? ModernBrowsers()
            let arguments = directive.arguments
            if arguments.count == 1 {
                // nginx fails here without a message of its own; this one names the argument.
                guard arguments[0].text == "unlisted" else {
                    throw ConfigError("invalid parameter \"\(arguments[0].text)\"", at: directive.location)
                }
                modern.unlisted = true
                return modern
            }
            guard let family = BrowserFamily(rawValue: arguments[0].text.lowercased()) else {
                throw ConfigError("unknown browser name \"\(arguments[0].text)\"", at: directive.location)
            }
            guard let version = ModernBrowser.version(arguments[1].bytes) else {
                throw ConfigError("invalid browser version \"\(arguments[1].text)\"", at: directive.location)
            }
            modern.versions.append(ModernBrowser(family: family, version: version))
            return modern
        }),
        DirectiveSpec("ancient_browser", anyHTTPLevel, .atLeast(1), .accumulate(\.modules.browser.$ancient) { _, directive, current in
            var ancient = current ?? AncientBrowsers()
            for argument in directive.arguments {
                if argument.text == "netscape4" { ancient.netscape4 = true } else { ancient.substrings.append(argument.bytes) }
            }
            return ancient
        }),
        // A second line replaces the first, as in nginx (no "is duplicate").
        DirectiveSpec("modern_browser_value", anyHTTPLevel, .exactly(1),
                      .accumulate(\.modules.browser.$modernValue) { _, directive, _ in directive.arguments[0].bytes }),
        DirectiveSpec("ancient_browser_value", anyHTTPLevel, .exactly(1),
                      .accumulate(\.modules.browser.$ancientValue) { _, directive, _ in directive.arguments[0].bytes }),
        ]
    }
}
