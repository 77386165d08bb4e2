/// `if (condition) { … }` (ngx_http_rewrite_module) and which directives its block may hold.
extension DirectiveTable {
    static var ifBlock: DirectiveSpec {
        DirectiveSpec("if", [.server, .location, .serverIf, .locationIf], .atLeast(1), block: true,
                      .custom { builder, directive in
            let condition = try IfConditionParser.parse(directive)
            if case .regex(_, let pattern, let caseInsensitive, _) = condition {
                try builder.checkRegex(pattern, caseInsensitive: caseInsensitive, at: directive.location)
            }
            let inLocation = builder.currentLocation != nil
            let draft = LocationDraft(match: .named("if"), location: directive.location)
            try builder.runBlock(directive, as: inLocation ? .locationIf : .serverIf, frame: .location(draft))
            builder.addRewriteStep(.if(IfBlock(
                condition: condition, steps: draft.rewrites, settings: inLocation ? draft.takeSettings() : nil,
                handler: draft.handler, location: directive.location)))
        })
    }
}

/// nginx's NGX_HTTP_LIF_CONF and NGX_HTTP_SIF_CONF: the directives allowed inside `if` in a location or server.
/// A directive must also be allowed in the enclosing level itself.
enum IfContext {
    static let inLocation: Set<String> = [
        "rewrite", "return", "set", "break", "if", "rewrite_log", "uninitialized_variable_warn",
        "proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "grpc_pass", "memcached_pass",
        "root", "sendfile", "limit_rate", "limit_rate_after", "error_page", "add_header", "add_trailer", "expires",
        "access_log", "gzip", "charset", "source_charset", "override_charset", "ssi",
    ]
    static let inServer: Set<String> = [
        "rewrite", "return", "set", "break", "if", "rewrite_log", "uninitialized_variable_warn",
    ]

    /// Whether `spec` may run in an `if` block of `context`.
    static func allows(_ spec: DirectiveSpec, in context: ConfigContext) -> Bool {
        switch context {
        case .locationIf: return inLocation.contains(spec.name) && spec.contexts.contains(.location)
        case .serverIf: return inServer.contains(spec.name) && spec.contexts.contains(.server)
        case .limitExcept: return LimitExcept.allowed.contains(spec.name) && spec.contexts.contains(.location)
        default: return false
        }
    }
}

/// Parses `if`'s arguments: `($a)`, `( $a = b )`, `($a ~* "re")`, `(!-f $path)`.
enum IfConditionParser {
    static func parse(_ directive: Directive) throws -> IfCondition {
        var words = directive.arguments.map(\.bytes)
        func invalid() -> ConfigError {
            ConfigError("invalid condition \"\(directive.arguments.map(\.text).joined(separator: " "))\"",
                        at: directive.location)
        }
        // nginx strips the "(" of the first word and the ")" of the last one; a bare "(" or ")" goes. Without
        // them, nginx names the word that lacks it.
        func lacking(_ word: Argument?) -> ConfigError {
            ConfigError("invalid condition \"\(word?.text ?? "")\"", at: directive.location)
        }
        guard var first = words.first, first.first == UInt8(ascii: "(") else { throw lacking(directive.arguments.first) }
        first.removeFirst()
        if first.isEmpty { words.removeFirst() } else { words[0] = first }
        guard var last = words.last, last.last == UInt8(ascii: ")") else { throw lacking(directive.arguments.last) }
        last.removeLast()
        if last.isEmpty { words.removeLast() } else { words[words.count - 1] = last }
        guard !words.isEmpty else { throw invalid() }
        func template(_ bytes: [UInt8]) throws -> Template {
            do { return try Template(bytes: bytes) } catch { throw ConfigError(error.message, at: directive.location) }
        }
        let head = String(decoding: words[0], as: UTF8.self)
        // Quotes do not matter: nginx's `if ("$a" = b)` and `if "($a)"` read the words as written without them.
        if head.hasPrefix("$") {
            let subject = try template(words[0])
            guard subject.pieces.count == 1, case .variable = subject.pieces[0] else { throw invalid() }
            if words.count == 1 { return .variable(subject) }
            guard words.count == 3 else { throw invalid() }
            let op = String(decoding: words[1], as: UTF8.self)
            switch op {
            case "=", "!=":
                return .compare(subject, try template(words[2]), negated: op == "!=")
            case "~", "~*", "!~", "!~*":
                return .regex(subject, pattern: String(decoding: words[2], as: UTF8.self),
                              caseInsensitive: op.hasSuffix("*"), negated: op.hasPrefix("!"))
            default:
                throw ConfigError("unexpected \"\(op)\" in condition", at: directive.location)
            }
        }
        guard words.count == 2 else { throw invalid() }
        var test = head
        let negated = test.hasPrefix("!")
        if negated { test.removeFirst() }
        guard test.count == 2, test.hasPrefix("-"), let kind = IfCondition.FileTest(rawValue: String(test.dropFirst()))
        else { throw invalid() }
        return .file(try template(words[1]), test: kind, negated: negated)
    }
}
