/// ngx_http_userid_filter_module: `userid`, its cookie's name, attributes and lifetime, and `userid_mark`.
extension DirectiveTable {
    static var userid: [DirectiveSpec] {
        [
        DirectiveSpec("userid", anyHTTPLevel, .exactly(1), .value(\.modules.userid.$mode) { _, directive in
            switch directive.arguments[0].text.lowercased() {   // nginx's enum slot: any case
            case "off": .off
            case "log": .log
            case "v1": .v1
            case "on": .on
            default: throw ConfigError("invalid value \"\(directive.arguments[0].text)\"", at: directive.location)
            }
        }),
        DirectiveSpec("userid_service", anyHTTPLevel, .exactly(1), .value(\.modules.userid.$service) { _, directive in
            try Values.number(directive, directive.arguments[0])
        }),
        DirectiveSpec("userid_name", anyHTTPLevel, .exactly(1), .string(\.modules.userid.$name)),
        DirectiveSpec("userid_domain", anyHTTPLevel, .exactly(1), .value(\.modules.userid.$domain) { _, directive in
            directive.arguments[0].text == "none" ? nil : directive.arguments[0].text
        }),
        DirectiveSpec("userid_path", anyHTTPLevel, .exactly(1), .string(\.modules.userid.$path)),
        DirectiveSpec("userid_p3p", anyHTTPLevel, .exactly(1), .value(\.modules.userid.$p3p) { _, directive in
            directive.arguments[0].text == "none" ? nil : directive.arguments[0].text
        }),
        DirectiveSpec("userid_expires", anyHTTPLevel, .exactly(1), .value(\.modules.userid.$expires) { _, directive in
            switch directive.arguments[0].text {
            case "max": return .max
            case "off": return .off
            case let text:
                guard let seconds = Units.seconds(text) else { throw Values.invalidValue(directive) }
                return .seconds(seconds)
            }
        }),
        // A bitmask, as nginx's: a second line at the same level adds to the first.
        DirectiveSpec("userid_flags", anyHTTPLevel, .range(1, 3), .accumulate(\.modules.userid.$flags) { _, directive, current in
            var flags = current ?? []
            for argument in directive.arguments {
                switch argument.text.lowercased() {
                case "off": break
                case "secure": flags.insert(.secure)
                case "httponly": flags.insert(.httpOnly)
                case "samesite=strict": flags.insert(.sameSiteStrict)
                case "samesite=lax": flags.insert(.sameSiteLax)
                case "samesite=none": flags.insert(.sameSiteNone)
                default: throw ConfigError("invalid value \"\(argument.text)\"", at: directive.location)
                }
            }
            return flags
        }),
        DirectiveSpec("userid_mark", anyHTTPLevel, .exactly(1), .value(\.modules.userid.$mark) { _, directive in
            let text = directive.arguments[0].text
            if text == "off" { return nil }
            let b = Array(text.utf8)
            guard b.count == 1, ASCIIClass.isMark(b[0]) else {
                throw ConfigError("\"userid_mark\" directive value must be \"off\" or a single letter, digit or \"=\"",
                                  at: directive.location)
            }
            return b[0]
        }),
        ]
    }
}

private enum ASCIIClass {
    static func isMark(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 61
    }
}
