import Config
import Regex

/// Which `set` targets are not slots of their own: `$args` (and its alias) writes the request's args.
enum SetTargets {
    static func isArgs(_ name: String) -> Bool {
        let n = name.lowercased()
        return n == "args" || n == "query_string"
    }

    /// `set $limit_rate …` sets the response's rate (nginx's variable set handler), not a slot.
    static func isLimitRate(_ name: String) -> Bool { name.lowercased() == "limit_rate" }

    /// Built-in variables nginx does not let `set` change (`set $uri …` is "the duplicate "uri" variable").
    /// Prefix families (`$http_…`, `$arg_…`) may be shadowed, as nginx allows; `$limit_rate`,
    /// `$invalid_referer`, `$msie`, `$modern_browser` and `$ancient_browser` are changeable.
    static func isReadOnly(_ name: String) -> Bool {
        let n = name.lowercased()
        if n == "limit_rate" || n == "invalid_referer" || BrowserVariable(rawValue: n) != nil { return false }
        return VariableID.resolveFixed(n) != nil
    }
}

extension SetTarget {
    /// A declared variable's target (`collectVariables` gave every other name a slot).
    static func named(_ variable: String, slots: [String: Int]) -> SetTarget {
        SetTargets.isArgs(variable) ? .args : SetTargets.isLimitRate(variable) ? .limitRate : .user(slots[variable.lowercased()]!)
    }
}

/// The names of a pattern's named groups, `(?<name>…)`, `(?P<name>…)`, `(?'name'…)`, found without compiling it.
enum RegexNames {
    static func named(in pattern: String) -> [String] {
        let b = Array(pattern.utf8)
        var names: [String] = []
        var i = 0
        while i + 3 < b.count {
            if b[i] == UInt8(ascii: "\\") { i += 2; continue }
            guard b[i] == UInt8(ascii: "("), b[i + 1] == UInt8(ascii: "?") else { i += 1; continue }
            var j = i + 2
            if b[j] == UInt8(ascii: "P") { j += 1 }
            guard j < b.count, b[j] == UInt8(ascii: "<") || b[j] == UInt8(ascii: "'") else { i += 1; continue }
            let close = b[j] == UInt8(ascii: "<") ? UInt8(ascii: ">") : UInt8(ascii: "'")
            var k = j + 1
            while k < b.count, b[k] != close { k += 1 }
            // `(?<=` and `(?<!` are lookbehinds, not names.
            if k < b.count, k > j + 1, b[j + 1] != UInt8(ascii: "="), b[j + 1] != UInt8(ascii: "!") {
                names.append(String(decoding: b[(j + 1)..<k], as: UTF8.self))
            }
            i = k
        }
        return names
    }
}

extension Builder {
    /// Compiles a level's rewrite steps; an `if` block in a location gets its implicit location, built from
    /// the block's merged settings and the handler it or the enclosing level has.
    mutating func compileScript(_ steps: [RewriteStep], settings: HTTPSettings, match: LocationRuntime.Match,
                                prefix: [UInt8], name: String, handler: LocationHandler?, http: HTTPConfig,
                                at loc: SourceLocation) throws(ConfigError) -> [RewriteOp] {
        var ops: [RewriteOp] = []
        for step in steps {
            switch step {
            case .rewrite(let r):
                ops.append(.rewrite(try rule(r, logged: settings.rewrite.log)))
            case .return(let r):
                ops.append(.respond(status: r.code, body: try r.value.map { v throws(ConfigError) in try compile(v, at: r.location) }))
            case .set(let variable, let value, let at):
                ops.append(.set(SetTarget.named(variable, slots: userSlots), try compile(value, at: at)))
            case .break:
                ops.append(.stop)
            case .if(let block):
                let inner = block.settings ?? settings
                let innerHandler = block.handler ?? handler
                let body = try compileScript(block.steps, settings: inner, match: match, prefix: prefix, name: name,
                                             handler: innerHandler, http: http, at: block.location)
                var implicit: LocationRuntime? = nil
                if let ifSettings = block.settings {
                    implicit = try location(.none, settings: ifSettings, match: match, prefix: prefix, name: name,
                                            rewrites: [], http: http, at: block.location, handler: innerHandler)
                }
                ops.append(.ifBlock(IfRuntime(condition: try condition(block.condition, at: block.location),
                                              ops: body, location: implicit)))
            }
        }
        return ops
    }

    private func rule(_ r: Rewrite, logged: Bool) throws(ConfigError) -> RewriteRule {
        let re = try compileRegex(r.pattern, caseless: false, at: r.location)
        var source = r.replacement.source
        let keepsArgs = !source.hasSuffix("?")
        var replacement = r.replacement
        if !keepsArgs {
            source.removeLast()
            do { replacement = try Template(source) } catch { throw ConfigError(error.message, at: r.location) }
        }
        let setsArgs = replacement.pieces.contains { if case .literal(let b) = $0 { b.contains(UInt8(ascii: "?")) } else { false } }
        let redirects = source.hasPrefix("http://") || source.hasPrefix("https://") || source.hasPrefix("$scheme")
        let flag: RewriteFlag
        switch r.flag {
        case .none: flag = .none
        case .last: flag = .last
        case .break: flag = .breakHere
        case .redirect: flag = .redirect
        case .permanent: flag = .permanent
        }
        return RewriteRule(regex: CaptureRegex(regex: re, named: namedSlots(re)),
                           replacement: try compile(replacement, at: r.location), flag: flag, redirects: redirects,
                           setsArgs: setsArgs, keepsArgs: keepsArgs, logged: logged, pattern: r.pattern)
    }

    private func condition(_ c: IfCondition, at loc: SourceLocation) throws(ConfigError) -> RewriteCondition {
        switch c {
        case .variable(let t): return .variable(try compile(t, at: loc))
        case .compare(let a, let b, let negated): return .compare(try compile(a, at: loc), try compile(b, at: loc), negated: negated)
        case .regex(let t, let pattern, let ci, let negated):
            let re = try compileRegex(pattern, caseless: ci, at: loc)
            return .regex(try compile(t, at: loc), CaptureRegex(regex: re, named: namedSlots(re)), negated: negated)
        case .file(let t, let test, let negated): return .file(try compile(t, at: loc), test, negated: negated)
        }
    }
}
