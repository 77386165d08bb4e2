import Config
import EventLoop
import HTTP1
import Regex

/// A regex compiled at load with the variable slots its named groups fill on a match (nginx makes every
/// `(?<name>…)` of a location, server_name, rewrite or `if` a variable).
struct CaptureRegex {
    let regex: Regex
    let named: [(group: Int, slot: Int)]
}

/// What `set` (and `auth_request_set`) writes: a variable of the configuration's own, `$args` or `$limit_rate`.
enum SetTarget {
    case user(Int), args, limitRate

    func assign(_ v: [UInt8], to r: Request, _ c: ClientConnection) {
        switch self {
        case .user(let slot): r.userVariables[slot] = v
        case .args: r.args = v[...]; r.hasArgs = !v.isEmpty
        case .limitRate:
            // A size (`40k`); anything else is logged and changes nothing, as nginx's set handler does.
            if let rate = Units.size(String(decoding: v, as: UTF8.self)) {
                r.limitRate = rate
            } else {
                c.worker.log(.error, "invalid $limit_rate \"\(String(decoding: v, as: UTF8.self))\"", c)
            }
        }
    }
}

/// `rewrite regex replacement [flag]`, compiled.
struct RewriteRule {
    let regex: CaptureRegex
    let replacement: CompiledTemplate
    let flag: RewriteFlag
    /// The replacement starts with http://, https:// or $scheme: a 302 even without a flag (nginx decides at load).
    let redirects: Bool
    /// The replacement has a `?`: what follows it are the new args, the old ones go after a `&`.
    let setsArgs: Bool
    /// No trailing `?`: the request's args are kept (nginx's add_args).
    let keepsArgs: Bool
    /// `rewrite_log on` where the rule is: the match is logged at notice.
    let logged: Bool
    let pattern: String
}

/// `if (condition) { … }`, compiled; `location` is the block's implicit location (nil in server context).
final class IfRuntime {
    let condition: RewriteCondition
    let ops: [RewriteOp]
    let location: LocationRuntime?
    init(condition: RewriteCondition, ops: [RewriteOp], location: LocationRuntime?) {
        self.condition = condition; self.ops = ops; self.location = location
    }
}

enum RewriteCondition {
    case variable(CompiledTemplate)
    case compare(CompiledTemplate, CompiledTemplate, negated: Bool)
    case regex(CompiledTemplate, CaptureRegex, negated: Bool)
    case file(CompiledTemplate, IfCondition.FileTest, negated: Bool)
}

/// One step of a server's or location's rewrite script, in configuration order.
enum RewriteOp {
    case rewrite(RewriteRule)
    case respond(status: Int, body: CompiledTemplate?)
    case set(SetTarget, CompiledTemplate)
    case stop
    case ifBlock(IfRuntime)
}

/// Runs rewrite scripts as nginx's rewrite phases do.
enum RewriteScript {
    enum Outcome {
        /// The script ran to its end, or to a `break`.
        case proceed
        /// A `rewrite … last`: look the URI up again.
        case research
        /// A `return` or a redirect answered the request.
        case answered
    }

    /// Runs `ops`; `uriChanged` tracks nginx's uri_changed (a rewrite without `break` makes the location be
    /// searched again after the script, as `last` does at once).
    /// `errorStatus`: the error whose `error_page` this script serves (nginx's err_status), 0 for none.
    static func run(_ ops: [RewriteOp], _ r: Request, _ c: ClientConnection, uriChanged: inout Bool,
                    errorStatus: Int = 0) -> Outcome? {
        for op in ops {
            switch op {
            case .set(let target, let value):
                target.assign(r.evaluate(value), to: r, c)
            case .stop:
                if uriChanged { r.validLocation = false }
                uriChanged = false
                return .proceed
            case .respond(let status, let body):
                answer(status, body, r, c, errorStatus: errorStatus)
                return .answered
            case .rewrite(let rule):
                guard let caps = rule.regex.regex.captures(in: r.uri) else { continue }
                r.setCaptures(caps, named: rule.regex.named)
                if rule.logged {
                    c.worker.log(.notice, "\"\(rule.pattern)\" matches \"\(String(decoding: r.uri, as: UTF8.self))\"", c)
                }
                if let outcome = apply(rule, r, c, uriChanged: &uriChanged) { return outcome }
            case .ifBlock(let block):
                guard holds(block.condition, r) else { continue }
                if let loc = block.location {
                    if orphansProxyHandler(from: r.location, to: loc) {
                        c.worker.log(.alert, "no upstream configuration", c)
                        c.sendError(500, closeAfter: false)
                        return .answered
                    }
                    r.location = loc
                }
                if let outcome = run(block.ops, r, c, uriChanged: &uriChanged, errorStatus: errorStatus) { return outcome }
            }
        }
        return nil
    }

    /// nginx keeps the content handler an earlier matched `if` set (its proxy_pass) when a later matched `if` sets
    /// none, and runs it with the later block's settings, which name no upstream when the enclosing location has
    /// no proxy_pass: ngx_http_upstream_init_request's `[alert] no upstream configuration` and a 500 (nginx-tests
    /// proxy_if.t, "proxy_pass inside if"). Answered here, at the match, rather than at the content phase.
    private static func orphansProxyHandler(from current: LocationRuntime?, to next: LocationRuntime) -> Bool {
        guard case .proxy? = current?.action else { return false }
        switch next.action {
        case nil, .files?: return true
        default: return false
        }
    }

    /// A matched rewrite: a redirect answers; otherwise $uri (and maybe $args) change.
    private static func apply(_ rule: RewriteRule, _ r: Request, _ c: ClientConnection, uriChanged: inout Bool) -> Outcome? {
        let redirects = rule.redirects || rule.flag == .redirect || rule.flag == .permanent
        var target = rule.setsArgs || redirects
            ? replacementWithArgs(rule.replacement, r, redirect: redirects) : r.evaluate(rule.replacement)
        if redirects {
            target = RedirectUnescape.apply(target)   // before the request's own args go on, as nginx
            if rule.keepsArgs, !r.args.isEmpty {
                target.append(rule.setsArgs ? UInt8(ascii: "&") : UInt8(ascii: "?"))
                target.append(contentsOf: r.args)
            }
            let status = rule.flag == .permanent ? 301 : 302
            Responses.redirect(status, location: target, on: c)
            return .answered
        }
        if rule.setsArgs, let q = target.firstIndex(of: UInt8(ascii: "?")) {
            var args = Array(target[(q + 1)...])
            if rule.keepsArgs, !r.args.isEmpty { args.append(UInt8(ascii: "&")); args.append(contentsOf: r.args) }
            r.args = args[...]; r.hasArgs = true
            target.removeSubrange(q...)
        } else if !rule.keepsArgs {
            r.args = []; r.hasArgs = false
        }
        if target.isEmpty {
            c.worker.log(.error, "the rewritten URI has a zero length", c)
            c.sendError(500, closeAfter: false)
            return .answered
        }
        r.uri = target
        r.isInternal = true   // nginx sets r->internal for a rewritten URI: `internal` locations take it
        r.uriReplaced = true
        switch rule.flag {
        case .last: uriChanged = true; return .research
        case .breakHere: uriChanged = false; r.validLocation = false; return .proceed
        default: uriChanged = true; return nil
        }
    }

    /// A replacement with new args (`$1?c=$1`): a capture after the `?` is escaped for the query (NGX_ESCAPE_ARGS)
    /// when the request's path came percent-encoded or with a `+`, so `%25` stays `%25` and `+` becomes `%2B` in
    /// `$args` (nginx's copy_capture_code with is_args, and quoted_uri or plus_in_uri; nginx-tests rewrite.t). In a
    /// redirect every capture is (nginx's e->quote), and RedirectUnescape then decodes what a Location may carry as
    /// it is (not `"`, which stays `%22`).
    private static func replacementWithArgs(_ t: CompiledTemplate, _ r: Request, redirect: Bool = false) -> [UInt8] {
        guard r.pathIsQuoted || r.head.bytes(r.head.path).contains(UInt8(ascii: "+")) else { return r.evaluate(t) }
        var out: [UInt8] = []
        var inArgs = false
        for part in t.parts {
            switch part {
            case .literal(let b):
                out.append(contentsOf: b)
                if !inArgs, b.contains(UInt8(ascii: "?")) { inArgs = true }
            case .variable(let v): r.append(v, to: &out)
            case .capture(let n):
                guard n < r.captures.count else { continue }
                if inArgs || redirect { URIEscape.append(r.captures[n], .args, to: &out) } else { out.append(contentsOf: r.captures[n]) }
            }
        }
        return out
    }

    /// `return`: 444 closes without a response, as in nginx (with a reset under `reset_timedout_connection`);
    /// so do 408 and 499, nginx's codes for a client that timed out or went away (logged with them).
    private static func answer(_ status: Int, _ body: CompiledTemplate?, _ r: Request, _ c: ClientConnection,
                               errorStatus: Int) {
        if status == 444 || status == 408 || status == 499 { return closeUnanswered(status, r, c) }
        // Serving an error_page: a redirect keeps its own status, a `return 4xx` sends that error's page,
        // anything else goes out with the error's status (nginx's err_status).
        if errorStatus != 0, !Responses.isRedirect(status), status < 400 || body != nil {
            r.status = errorStatus   // $status in the text is the answer's
            let text = body.map { r.evaluate($0) } ?? []
            return Responses.send(status: errorStatus, contentType: r.location.defaultType, body: text, on: c)
        }
        Responses.respond(status, body: body, on: c)
    }

    /// nginx's codes that answer nothing: the request is logged with `status` and the connection closed, reset
    /// for 444 (NGX_HTTP_CLOSE, which nginx treats as a timed-out connection) under `reset_timedout_connection`.
    static func closeUnanswered(_ status: Int, _ r: Request, _ c: ClientConnection) {
        r.status = status
        c.worker.logAccess(r)
        c.closeAbruptly(resetting: status == 444 ? r.location : nil)
    }

    static func holds(_ condition: RewriteCondition, _ r: Request) -> Bool {
        switch condition {
        case .variable(let t):
            let v = r.evaluate(t)
            return !(v.isEmpty || v == [UInt8(ascii: "0")])
        case .compare(let a, let b, let negated):
            return (r.evaluate(a) == r.evaluate(b)) != negated
        case .regex(let t, let re, let negated):
            let subject = r.evaluate(t)
            guard let caps = re.regex.captures(in: subject) else { return negated }
            r.setCaptures(caps, named: re.named)
            return !negated
        case .file(let t, let test, let negated):
            let info = r.statFile(r.evaluate(t))
            let result: Bool
            switch test {
            case .file: result = info?.isRegular == true
            case .directory: result = info?.isDirectory == true
            case .exists: result = info != nil
            case .executable: result = info?.isExecutable == true
            }
            return result != negated
        }
    }
}

extension Request {
    /// Records a regex match: `$0`…`$n`, and the named groups' variables.
    func setCaptures(_ caps: [[UInt8]], named: [(group: Int, slot: Int)]) {
        captures = caps
        for n in named where n.group < caps.count { userVariables[n.slot] = caps[n.group] }
    }
}
