/// nginx Plus's ngx_http_upstream_hc_module: `health_check` in a location, `match name { … }` at http level.
extension DirectiveTable {
    static var healthChecks: [DirectiveSpec] {
        [
        DirectiveSpec("health_check", [.location], .range(0, 9), .custom { builder, directive in
            guard let location = builder.currentLocation else {
                throw ConfigError("\"health_check\" directive is not allowed here", at: directive.location)
            }
            location.healthChecks.append(try healthCheck(directive))
        }),
        DirectiveSpec("match", [.http], .exactly(1), block: true, .custom { builder, directive in
            let name = directive.arguments[0].text
            if builder.http!.matches.contains(where: { $0.name == name }) {
                throw ConfigError("duplicate match \"\(name)\"", at: directive.location)
            }
            let draft = MatchDraft(name: name, location: directive.location)
            try builder.runBlock(directive, as: .map, frame: .entries(draft))
            builder.http!.matches.append(MatchConfig(name: name, tests: draft.tests, location: directive.location))
        }),
        ]
    }

    static func healthCheck(_ directive: Directive) throws -> HealthCheck {
        var check = HealthCheck(location: directive.location)
        func invalid(_ text: String) -> ConfigError { ConfigError("invalid parameter \"\(text)\"", at: directive.location) }
        for argument in directive.arguments {
            let word = argument.text
            if let value = Values.parameter(argument, "interval") {
                guard let ms = Units.milliseconds(value), ms > 0 else { throw invalid(word) }
                check.interval = .milliseconds(ms)
            } else if let value = Values.parameter(argument, "jitter") {
                guard let ms = Units.milliseconds(value) else { throw invalid(word) }
                check.jitter = .milliseconds(ms)
            } else if let value = Values.parameter(argument, "fails") {
                guard let n = Values.decimal(value), n > 0 else { throw invalid(word) }
                check.fails = n
            } else if let value = Values.parameter(argument, "passes") {
                guard let n = Values.decimal(value), n > 0 else { throw invalid(word) }
                check.passes = n
            } else if let value = Values.parameter(argument, "uri") {
                guard value.hasPrefix("/") else { throw invalid(word) }
                check.uri = value
            } else if let value = Values.parameter(argument, "port") {
                guard let n = Values.decimal(value), n > 0, n < 65536 else { throw invalid(word) }
                check.port = n
            } else if let value = Values.parameter(argument, "match") {
                guard !value.isEmpty else { throw invalid(word) }
                check.match = value
            } else if word == "mandatory" {
                check.mandatory = true
            } else if word == "persistent" {
                check.persistent = true
            } else if word.hasPrefix("type=") || word.hasPrefix("keepalive_time=") {
                throw ConfigError("parameter \"\(word)\" is not supported in switchyard", at: directive.location)
            } else {
                throw invalid(word)
            }
        }
        if check.persistent && !check.mandatory {
            throw ConfigError("\"persistent\" requires \"mandatory\"", at: directive.location)
        }
        return check
    }
}

/// The lines of a `match` block: `status`, `header` and `body` tests (nginx Plus's syntax).
final class MatchDraft: EntryLines {
    let name: String
    let location: SourceLocation
    var tests: [MatchTest] = []

    init(name: String, location: SourceLocation) {
        self.name = name
        self.location = location
    }

    func add(_ line: Directive, builder: ConfigBuilder) throws {
        if line.block != nil { throw ConfigError("unexpected \"{\"", at: line.location) }
        var words = line.arguments.map(\.text)
        switch line.name {
        case "status":
            let negated = words.first == "!"
            if negated { words.removeFirst() }
            guard !words.isEmpty else { throw ConfigError("invalid number of arguments in \"status\" directive", at: line.location) }
            tests.append(.status(negated: negated, ranges: try words.map { try Self.statusRange($0, line) }))
        case "header":
            tests.append(try Self.header(words, line, builder))
        case "body":
            guard words.count == 2, words[0] == "~" || words[0] == "!~" else {
                throw ConfigError("invalid number of arguments in \"body\" directive", at: line.location)
            }
            try builder.checkRegex(words[1], caseInsensitive: false, at: line.location)
            tests.append(.body(pattern: words[1], negated: words[0] == "!~"))
        case "require":
            throw ConfigError("\"require\" in \"match\" is not supported in switchyard", at: line.location)
        default:
            throw ConfigError("unknown directive \"\(line.name)\"", at: line.location)
        }
    }

    /// `200` or `200-399`.
    private static func statusRange(_ text: String, _ line: Directive) throws -> ClosedRange<Int> {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let bounds = parts.map { part in Values.decimal(part) }
        guard parts.count <= 2, let low = bounds.first ?? nil, let high = bounds.last ?? nil,
              low >= 100, high <= 599, low <= high
        else { throw ConfigError("invalid status \"\(text)\"", at: line.location) }
        return low...high
    }

    /// `header Name`, `header ! Name`, `header Name = v`, `!= v`, `~ re`, `!~ re`.
    private static func header(_ words: [String], _ line: Directive, _ builder: ConfigBuilder) throws -> MatchTest {
        switch words.count {
        case 1 where words[0] != "!":
            return .header(name: words[0], test: .present)
        case 2 where words[0] == "!":
            return .header(name: words[1], test: .absent)
        case 3:
            let (name, op, value) = (words[0], words[1], words[2])
            switch op {
            case "=": return .header(name: name, test: .equals(value))
            case "!=": return .header(name: name, test: .notEquals(value))
            case "~", "!~":
                try builder.checkRegex(value, caseInsensitive: false, at: line.location)
                return .header(name: name, test: op == "~" ? .matches(value) : .notMatches(value))
            default: throw ConfigError("invalid parameter \"\(op)\"", at: line.location)
            }
        default:
            throw ConfigError("invalid number of arguments in \"header\" directive", at: line.location)
        }
    }
}
