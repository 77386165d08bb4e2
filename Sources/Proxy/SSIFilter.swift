import Config
import Glibc
import HTTP1
import Regex
import ASCIIBytes

/// What a main request and its subrequests share: SSI's own variables (`set`, `include … set=`).
final class SSIMainContext {
    var variables: [[UInt8]: [UInt8]] = [:]
}

/// nginx's SSI body filter for one response: the parser (SSIParser.swift) finds the commands, this runs them.
/// Text passes straight on while no include is pending; after an include, output is held in order behind it
/// (`segments`), so the response is the parent's bytes with each include's body at its command's place. An
/// include with `wait` or `set` also holds the *input* (the commands after it are run once it has completed).
/// Its output (`bodyEnd` once the input has ended and every include before the end has completed) goes to the
/// response's body path (BodyFilter.swift).
final class SSIFilter: BodyFilter, SubrequestSpliceHost {
    let runtime: SSIRuntime
    unowned let request: Request
    /// Held strongly: the filter is what keeps its output path alive while includes run (a ProxyExchange
    /// output drops the filter at `bodyEnd`, which breaks the cycle).
    let output: any BodyOutput
    let main: SSIMainContext
    private var parser: SSIParser

    /// Output waiting behind an include, in order.
    private enum Segment { case bytes([UInt8]), include(SSIInclude) }
    private var segments: [Segment] = []
    /// Commands and text parsed while a waited include runs: run in order once it completes.
    private enum Event { case text([UInt8]), command(SSICommand), failed(String) }
    private var deferred: [Event] = []
    private var waitingFor: SSIInclude?
    private var inputEnded = false
    private var ended = false

    // `config`, `if`, `block` state.
    private var errmsg: [UInt8] = Array("[an error occurred while processing the directive]".utf8)
    private(set) var timefmt: [UInt8] = SSIDate.defaultFormat
    private var conditional = false
    private var outputOn = true
    private var branchTaken = false
    private var blocks: [[UInt8]: [UInt8]] = [:]
    private var capturing: (name: [UInt8], bytes: [UInt8])?
    /// $1..$9 of the last `if` regex.
    private var captures: [[UInt8]] = []

    /// The page's bytes held behind includes, and an include's body held before its turn, up to this; then their
    /// producer pauses.
    static let includeBufferLimit = 64 * 1024
    /// nginx's default subrequest_output_buffer_size on this platform: an `include … set=` body larger fails.
    static let setBodyLimit = 4096

    init(runtime: SSIRuntime, request: Request, output: any BodyOutput) {
        self.runtime = runtime
        self.request = request
        self.output = output
        self.main = request.ssiMain ?? SSIMainContext()
        if request.ssiMain == nil { request.ssiMain = main }
        parser = SSIParser(valueLength: runtime.valueLength)
        request.ssi?.filter = self   // drains and aborts reach it through the request
        request.ssi?.include?.nested = self
    }

    // MARK: - Input

    /// A piece of the response body.
    func write(_ piece: ByteView) {
        if ended { return }
        parser.feed(piece) { event in self.handle(event) }
    }

    func bodyWrite(_ piece: ByteView) { write(piece) }
    func bodyEnd() { finish() }
    var bodyCanAcceptOutput: Bool { output.bodyCanAcceptOutput }

    /// The response body ended.
    func finish() {
        if ended || inputEnded { return }
        parser.finish { event in self.handle(event) }
        inputEnded = true
        if capturing != nil { capturing = nil }
        endIfDone()
    }

    private func handle(_ o: SSIParser.Output) {
        if waitingFor != nil { deferred.append(Self.event(o)); return }
        switch o {
        case .text(let v): text(v)
        case .command(let c): run(c)
        case .failed(let e): error(e.message)
        }
    }

    private func text(_ v: ByteView) {
        if capturing != nil { capturing!.bytes.append(contentsOf: Array(v)); return }
        if !outputOn { return }
        emit(v)
    }

    // MARK: - Output in order

    private func emit(_ v: ByteView) {
        if v.isEmpty { return }
        if segments.isEmpty { output.bodyWrite(v); return }
        heldBytes += v.count
        if case .bytes(var b)? = segments.last {
            segments[segments.count - 1] = .bytes([])
            b.append(contentsOf: Array(v))
            segments[segments.count - 1] = .bytes(b)
        } else {
            segments.append(.bytes(Array(v)))
        }
    }

    private func emit(_ bytes: [UInt8]) { bytes.withByteView { emit($0) } }

    /// Whether `inc` is first in line: its body may go straight out.
    func isStreaming(_ inc: SSIInclude) -> Bool {
        if case .include(let first)? = segments.first { return first === inc }
        return false
    }

    /// An include completed: pass on what is now first in line, and run the input it held.
    func includeDone(_ inc: SSIInclude) {
        if inc.storesInVariable {
            main.variables[inc.setName] = inc.failed ? [] : inc.body
        }
        if waitingFor === inc { waitingFor = nil }
        advance()
        replayDeferred()
        endIfDone()
        if producerHeld && !holdsTooMuch && !ended {   // the page's own producer paused for the hold: on again
            producerHeld = false
            let s = request.sink
            if let fs = s.fileSender { fs.resume() } else if let ex = s.exchange { ex.clientDrained() }
        }
    }

    /// The page's bytes held behind pending includes, and whether they reached the limit: its producer (the
    /// upstream read, the file read) pauses then, and is resumed when includes complete, so memory stays bounded.
    private var heldBytes = 0
    private var producerHeld = false
    var holdsTooMuch: Bool { heldBytes >= Self.includeBufferLimit || nextFilter?.holdsTooMuch == true }
    func noteProducerHeld() { producerHeld = true; nextFilter?.noteProducerHeld() }
    /// The filter after this one (the addition filter's splices), when there is one.
    private lazy var nextFilter: (any BodyFilter)? = output as? any BodyFilter

    /// Drops completed includes from the front, sending their held bytes and the text after them.
    private func advance() {
        while let first = segments.first {
            switch first {
            case .bytes(let b):
                segments.removeFirst()
                heldBytes -= b.count
                b.withByteView { output.bodyWrite($0) }
            case .include(let inc):
                if !inc.completed {
                    // It becomes first: what it held goes now, and it streams from here on.
                    if !inc.body.isEmpty && !inc.storesInVariable {
                        let held = inc.body
                        inc.body = []
                        held.withByteView { output.bodyWrite($0) }
                    }
                    inc.resumeProducer()
                    return
                }
                segments.removeFirst()
                inc.release()
                if !inc.storesInVariable {
                    if inc.usedStub, let stub = blocks[inc.stub ?? []] {
                        // The stub's text is run here, in this filter (its commands too).
                        var p = SSIParser(valueLength: runtime.valueLength)
                        var events: [Event] = []
                        stub.withByteView { p.feed($0) { events.append(Self.event($0)) } }
                        p.finish { events.append(Self.event($0)) }
                        let rest = segments
                        segments = []
                        for e in events { runEvent(e) }
                        segments.append(contentsOf: rest)
                        if !segments.isEmpty, case .include = segments.first! { continue }
                    } else if !inc.body.isEmpty {
                        inc.body.withByteView { output.bodyWrite($0) }
                    }
                }
            }
        }
    }

    /// A parser output kept past the piece it came from (text is copied).
    private static func event(_ o: SSIParser.Output) -> Event {
        switch o {
        case .text(let v): return .text(Array(v))
        case .command(let c): return .command(c)
        case .failed(let e): return .failed(e.message)
        }
    }

    private func runEvent(_ e: Event) {
        switch e {
        case .text(let b): b.withByteView { text($0) }
        case .command(let c): run(c)
        case .failed(let m): error(m)
        }
    }

    private func replayDeferred() {
        while waitingFor == nil && !deferred.isEmpty {
            runEvent(deferred.removeFirst())
        }
    }

    private func endIfDone() {
        guard inputEnded, !ended, waitingFor == nil, deferred.isEmpty, segments.isEmpty else { return }
        ended = true
        output.bodyEnd()
    }

    /// The client drained: the include first in line may go on.
    func clientDrained() {
        if case .include(let first)? = segments.first { first.resumeProducer() }
    }

    /// Whether includes are still under way (the response is not complete before they are).
    var hasPendingIncludes: Bool { !segments.isEmpty }

    /// The client went away: stop every include's producer.
    func abort() {
        ended = true
        nextFilter?.abort()
        for s in segments { if case .include(let inc) = s { inc.abort() } }
        segments = []
        deferred = []
        heldBytes = 0
    }

    // MARK: - Commands

    private func error(_ message: String) {
        request.connection.worker.log(.error, message, request.connection)
        if capturing != nil { return }
        if !outputOn { return }
        if !runtime.silentErrors { emit(errmsg) }
    }

    private static let names = (
        echo: Array("echo".utf8), set: Array("set".utf8), include: Array("include".utf8), config: Array("config".utf8),
        ifc: Array("if".utf8), elif: Array("elif".utf8), elsec: Array("else".utf8), endif: Array("endif".utf8),
        block: Array("block".utf8), endblock: Array("endblock".utf8))

    /// The parameters each command takes: nginx rejects others, and requires the mandatory ones.
    private static let allowed: [[UInt8]: (all: [String], mandatory: [String])] = [
        Array("echo".utf8): (["var", "default", "encoding"], ["var"]),
        Array("set".utf8): (["var", "value"], ["var", "value"]),
        Array("include".utf8): (["virtual", "file", "stub", "wait", "set"], []),
        Array("config".utf8): (["errmsg", "timefmt"], []),
        Array("if".utf8): (["expr"], ["expr"]),
        Array("elif".utf8): (["expr"], ["expr"]),
        Array("else".utf8): ([], []),
        Array("endif".utf8): ([], []),
        Array("block".utf8): (["name"], ["name"]),
        Array("endblock".utf8): ([], []),
    ]

    private func run(_ c: SSICommand) {
        let n = c.name
        if let cap = capturing {
            if n == Self.names.endblock {
                blocks[cap.name] = cap.bytes
                capturing = nil
            } else {
                capturing!.bytes.append(contentsOf: Self.serialize(c))
            }
            return
        }
        guard let spec = Self.allowed[n] else {
            if outputOn { error("unknown SSI command \"\(str(n))\"") }
            return
        }
        for p in c.params where !spec.all.contains(str(p.name)) {
            if outputOn || isConditional(n) { return error("invalid parameter \"\(str(p.name))\" in \"\(str(n))\" SSI command") }
            return
        }
        for m in spec.mandatory where c.params.first(where: { str($0.name) == m }) == nil {
            if outputOn || isConditional(n) { return error("mandatory \"\(m)\" parameter is absent in \"\(str(n))\" SSI command") }
            return
        }
        switch n {
        case Self.names.ifc: return ifCommand(c)
        case Self.names.elif: return elifCommand(c)
        case Self.names.elsec:
            guard conditional else { return error("the \"else\" SSI command without \"if\"") }
            outputOn = !branchTaken; branchTaken = true
            return
        case Self.names.endif:
            guard conditional else { return error("the \"endif\" SSI command without \"if\"") }
            conditional = false; outputOn = true; branchTaken = false
            return
        default: break
        }
        if !outputOn { return }
        switch n {
        case Self.names.echo: echo(c)
        case Self.names.set: setCommand(c)
        case Self.names.config: config(c)
        case Self.names.block:
            capturing = (c.param("name")!, [])
        case Self.names.endblock:
            error("the \"endblock\" SSI command without \"block\"")
        case Self.names.include: include(c)
        default: break
        }
    }

    private func isConditional(_ n: [UInt8]) -> Bool {
        n == Self.names.ifc || n == Self.names.elif || n == Self.names.elsec || n == Self.names.endif
    }

    private func ifCommand(_ c: SSICommand) {
        if conditional { return error("the \"if\" command inside the \"if\" command") }
        conditional = true
        // In a false branch of an enclosing block nothing is evaluated (nginx has no nesting, so this is the top).
        let yes = evaluate(condition: c.param("expr")!)
        outputOn = yes == true
        branchTaken = yes == true
    }

    private func elifCommand(_ c: SSICommand) {
        guard conditional else { return error("the \"elif\" SSI command without \"if\"") }
        if branchTaken { outputOn = false; return }
        let yes = evaluate(condition: c.param("expr")!)
        outputOn = yes == true
        branchTaken = yes == true
    }

    /// nil when the expression is invalid (logged and shown as an error, the branch not taken).
    private func evaluate(condition expr: [UInt8]) -> Bool? {
        guard let e = SSIExpression.parse(expr) else {
            let saved = outputOn; outputOn = true
            error("invalid expression in \"\(str(expr))\"")
            outputOn = saved
            return nil
        }
        switch e {
        case .nonEmpty(let left):
            return !expand(left).isEmpty
        case .equals(let left, let right, let negated):
            return (expand(left) == expand(right)) != negated
        case .matches(let left, let pattern, let negated):
            guard let re = try? Regex(str(expand(pattern, escapesRegex: true))) else {
                let saved = outputOn; outputOn = true
                error("invalid regex \"\(str(pattern))\" in expression")
                outputOn = saved
                return nil
            }
            let subject = expand(left)
            guard let m = re.firstMatch(in: subject) else { return negated }
            captures = m.map { r in r.map { Array(subject[$0]) } ?? [] }
            for g in re.namedGroups where g.index < captures.count {
                main.variables[Array(g.name.utf8)] = captures[g.index]
            }
            return !negated
        }
    }

    private func echo(_ c: SSICommand) {
        let name = c.param("var")!
        let enc = c.param("encoding") ?? Array("entity".utf8)
        var value: [UInt8]
        if let v = lookup(name) { value = v }
        else if let d = c.param("default") { value = expand(d) }
        else { value = Array("(none)".utf8) }
        switch str(enc) {
        case "none": break
        case "url": value = SSIEncoding.url(value)
        case "entity": value = SSIEncoding.entity(value)
        default: return error("unknown encoding \"\(str(enc))\" in the \"echo\" command")
        }
        emit(value)
    }

    private func setCommand(_ c: SSICommand) {
        main.variables[c.param("var")!] = expand(c.param("value")!)
    }

    private func config(_ c: SSICommand) {
        if let m = c.param("errmsg") { errmsg = m }
        if let t = c.param("timefmt") { timefmt = t }
    }

    // MARK: - include

    private func include(_ c: SSICommand) {
        let virtual = c.param("virtual"), file = c.param("file")
        let stub = c.param("stub"), set = c.param("set"), wait = c.param("wait")
        if virtual == nil && file == nil { return error("no parameter in \"include\" SSI command") }
        if virtual != nil && file != nil { return error("\"include\" may be either \"virtual=\" or \"file=\"") }
        if stub != nil && set != nil { return error("\"set\" and \"stub\" cannot be used together") }
        var waits = set != nil
        if let w = wait {
            switch str(w) {
            case "yes": waits = true
            case "no": break
            default: return error("invalid value \"\(str(w))\" in the \"wait\" parameter")
            }
        }
        if let s = stub, blocks[s] == nil { return error("\"\(str(s))\" SSI block is not defined") }
        var uri = expand(virtual ?? file!)
        if uri.first != UInt8(ascii: "/") {   // relative to the current URI's directory
            let dir = request.uri.lastIndex(of: UInt8(ascii: "/")).map { Array(request.uri[...$0]) } ?? [UInt8(ascii: "/")]
            uri = dir + uri
        }
        let (raw, args) = FileLookup.splitArgs(uri)   // a literal `?` starts the arguments, a decoded one does not
        guard let path = URIPathSafety.decodedSafe(raw) else { return error("unsafe URI \"\(str(raw))\" was detected") }
        if request.ssiDepth <= 0 {
            return error("subrequests cycle while processing \"\(str(path))\"")
        }
        let inc = SSIInclude(filter: self, stub: stub, setName: set)
        segments.append(.include(inc))
        if waits || set != nil { waitingFor = inc }
        SSISubrequest.start(uri: path, args: args, parent: request, include: inc)
    }

    // MARK: - Variables

    /// A variable's value for `echo` and in values: SSI's own first, then `$date_*`, the last regex's captures,
    /// the configuration's variables when this request set them, then nginx's built-ins; nil when not found.
    func lookup(_ name: [UInt8]) -> [UInt8]? {
        if let v = main.variables[name] { return v }
        let lower = ASCII.lowercased(name)
        if name.count == 1, let d = name.first, d >= 0x30, d <= 0x39 {
            let i = Int(d - 0x30)
            return i < captures.count ? captures[i] : nil
        }
        let r = request
        if let v = runtime.names.byName[lower] {
            var out: [UInt8] = []
            r.append(v, to: &out)
            if !out.isEmpty || r.isFoundEmpty(v) { return out }
            if case .mapResult = v { return out }
            // A `set $http_x` this request did not run: the built-in of that name answers, as in nginx.
        }
        guard let v = VariableID.resolve(String(decoding: lower, as: UTF8.self), userSlot: { _ in nil }) else { return nil }
        var out: [UInt8] = []
        r.append(v, to: &out)
        if out.isEmpty && !r.isFoundEmpty(v) {
            switch v {
            case .arg(let n): return QueryArgs.value(named: n, in: r.args) != nil ? out : nil   // `?a=` is found, empty
            case .cookie(let n): return r.cookie(n) != nil ? out : nil
            case .httpHeader, .sentHTTPHeader, .upstreamHTTPHeader, .upstreamCookie: return nil
            default: return out
            }
        }
        return out
    }

    /// `$name`, `${name}` in a value replaced by their values (unknown ones by nothing); `\$` is a dollar. In a
    /// regex, other backslashes stay for the regex.
    func expand(_ value: [UInt8], escapesRegex: Bool = false) -> [UInt8] {
        if !value.contains(UInt8(ascii: "$")) && !value.contains(UInt8(ascii: "\\")) { return value }
        var out: [UInt8] = []
        var i = 0
        while i < value.count {
            let ch = value[i]
            if ch == UInt8(ascii: "\\"), i + 1 < value.count, value[i + 1] == UInt8(ascii: "$") {
                out.append(UInt8(ascii: "$")); i += 2; continue
            }
            if ch == UInt8(ascii: "$"), i + 1 < value.count {
                var j = i + 1
                var name: [UInt8] = []
                if value[j] == UInt8(ascii: "{") {
                    j += 1
                    while j < value.count && value[j] != UInt8(ascii: "}") { name.append(value[j]); j += 1 }
                    if j < value.count { j += 1 }
                } else {
                    while j < value.count, Self.isNameByte(value[j]) { name.append(value[j]); j += 1 }
                }
                if !name.isEmpty {
                    if let v = lookup(name) { out.append(contentsOf: v) }
                    i = j; continue
                }
            }
            out.append(ch); i += 1
        }
        return out
    }

    private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F
    }

    private func str(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }

    /// A command inside a `block`, written back so the stub runs it where it is used.
    private static func serialize(_ c: SSICommand) -> [UInt8] {
        var out = Array("<!--# ".utf8) + c.name
        for p in c.params {
            out.append(0x20); out.append(contentsOf: p.name); out.append(contentsOf: Array("=\"".utf8))
            for b in p.value { if b == 0x22 { out.append(0x5C) }; out.append(b) }
            out.append(0x22)
        }
        out.append(contentsOf: Array(" -->".utf8))
        return out
    }
}
