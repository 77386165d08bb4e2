/// ngx_http_access_module (`allow`, `deny`), ngx_http_auth_basic_module (`auth_basic`, `auth_basic_user_file`),
/// `satisfy`, ngx_http_auth_request_module (`auth_request`, `auth_request_set`), and ngx_http_realip_module
/// (`set_real_ip_from`, `real_ip_header`, `real_ip_recursive`).
extension DirectiveTable {
    static var access: [DirectiveSpec] {
        [
        DirectiveSpec("allow", anyHTTPLevel, .exactly(1), .append(\.modules.access.$rules) { builder, directive in
            [AccessRule(allow: true, target: try accessTarget(builder, directive))]
        }),
        DirectiveSpec("deny", anyHTTPLevel, .exactly(1), .append(\.modules.access.$rules) { builder, directive in
            [AccessRule(allow: false, target: try accessTarget(builder, directive))]
        }),
        DirectiveSpec("set_real_ip_from", anyHTTPLevel, .exactly(1), .append(\.modules.access.$realIPFrom) { builder, directive in
            let text = directive.arguments[0].text
            if text == "unix:" { return [.unix] }
            guard case .invalid = CIDR.parse(text) else { return [.block(try addressBlock(builder, directive, text))] }
            // Not an address or block: nginx resolves it as a name, and says so when that fails.
            guard isHostName(text) else {
                throw ConfigError("host not found in set_real_ip_from \"\(text)\"", at: directive.location)
            }
            return [.host(text, at: directive.location)]
        }),
        DirectiveSpec("real_ip_header", anyHTTPLevel, .exactly(1), .value(\.modules.access.$realIPHeader) { _, directive in
            let name = directive.arguments[0].text.lowercased()
            switch name {
            case "x-forwarded-for": return .xForwardedFor
            case "proxy_protocol": return .proxyProtocol
            default: return .named(name)
            }
        }),
        DirectiveSpec("real_ip_recursive", anyHTTPLevel, .exactly(1), .flag(\.modules.access.$realIPRecursive)),
        DirectiveSpec("auth_basic", anyHTTPLevel, .exactly(1), .value(\.modules.access.$authBasicRealm) { _, directive in
            directive.arguments[0].text == "off" ? nil : try Values.template(directive, directive.arguments[0])
        }),
        DirectiveSpec("auth_basic_user_file", anyHTTPLevel, .exactly(1), .value(\.modules.access.$authBasicUserFile) { builder, directive in
            AuthUserFile(path: try Values.template(directive, directive.arguments[0]),
                         base: builder.confPrefix.isEmpty ? builder.options.prefix : builder.confPrefix)
        }),
        DirectiveSpec("auth_delay", anyHTTPLevel, .exactly(1), .milliseconds(\.modules.access.$authDelay)),
        DirectiveSpec("satisfy", anyHTTPLevel, .exactly(1), .value(\.modules.access.$satisfyAny) { _, directive in
            switch directive.arguments[0].text.lowercased() {   // nginx's enum slot: any case
            case "all": return false
            case "any": return true
            default:
                throw ConfigError("invalid value \"\(directive.arguments[0].text)\" in \"satisfy\" directive, it must be \"all\" or \"any\"", at: directive.location)
            }
        }),
        DirectiveSpec("auth_request", anyHTTPLevel, .exactly(1), .value(\.modules.access.$authRequest) { _, directive in
            directive.arguments[0].text == "off" ? nil : directive.arguments[0].text
        }),
        DirectiveSpec("auth_request_set", anyHTTPLevel, .exactly(2), .append(\.modules.access.$authRequestSets) { _, directive in
            let name = directive.arguments[0].text
            guard name.hasPrefix("$"), name.count > 1 else {
                throw ConfigError("invalid variable name \"\(name)\"", at: directive.location)
            }
            return [AuthRequestSet(name: String(name.dropFirst()), value: try Values.template(directive, directive.arguments[1]),
                                   location: directive.location)]
        }),
        ]
    }

    private static func accessTarget(_ builder: ConfigBuilder, _ directive: Directive) throws -> AccessRule.Target {
        let text = directive.arguments[0].text
        switch text {
        case "all": return .all
        case "unix:": return .unix
        default: return .block(try addressBlock(builder, directive, text))
        }
    }

    /// An address or CIDR block; nginx warns when the address has bits set past the prefix and uses the
    /// masked block.
    /// Letters, digits, `-` and `.`, starting with a letter or digit: a name to resolve, not a mistyped address.
    static func isHostName(_ text: String) -> Bool {
        guard let first = text.utf8.first, first != UInt8(ascii: "-"), first != UInt8(ascii: ".") else { return false }
        return text.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")
        } && text.utf8.contains { c in c | 0x20 >= 0x61 && c | 0x20 <= 0x7A }
    }

    /// `what` names it in the refusal, as nginx's callers do: "invalid parameter" (allow, deny) or "invalid
    /// network" (a geo block's network or proxy).
    static func addressBlock(_ builder: ConfigBuilder, _ directive: Directive, _ text: String,
                             what: String = "parameter") throws -> CIDR {
        switch CIDR.parse(text) {
        case .block(let block): return block
        case .lowBitsSet(let block):
            builder.warn("low address bits of \(text) are meaningless", at: directive.location)
            return block
        case .invalid:
            throw ConfigError("invalid \(what) \"\(text)\"", at: directive.location)
        }
    }
}
