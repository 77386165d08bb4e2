import ASCIIBytes
import Config
import HTTP1

/// A location's charset filter at run time (nginx's ngx_http_charset_filter_module): `charset`, `source_charset`,
/// `override_charset`, `charset_types`, and the http block's `charset_map` tables. It decides per response what the
/// Content-Type says (`; charset=NAME`) and whether the body is recoded (`plan`). nil on a location whose
/// configuration has no `charset` and no `charset_map`: one nil test per response.
struct ResponseCharset {
    /// `charset` or `source_charset`: off, a name, or a variable evaluated per response.
    enum Name {
        case off
        case fixed([UInt8])
        case variable(CompiledTemplate)
    }

    let destination: Name
    let source: Name
    let override: Bool
    /// The upstream's `X-Accel-Charset` names the charset to recode to (unless `proxy_ignore_headers` lists it).
    let honoursAccelCharset: Bool
    let maps: CharsetMaps
    /// `charset_types *`.
    let any: Bool
    /// Lowercase; a handful, compared in place (a lookup in a set would copy each response's type first).
    private let types: [[UInt8]]

    /// nginx's default list, as the configuration model has it; its bytes are made once, for every location.
    static let standardTypes = ContentSettings().charsetTypes
    private static let standardList = list(standardTypes)
    private static let noMaps = CharsetMaps([], names: [])

    init(destination: Name, source: Name = .off, override: Bool = false, maps: CharsetMaps? = nil, types names: [String],
         honoursAccelCharset: Bool = true) {
        self.destination = destination; self.source = source; self.override = override
        self.honoursAccelCharset = honoursAccelCharset
        self.maps = maps ?? Self.noMaps
        any = names.contains("*")
        types = names == Self.standardTypes ? Self.standardList : Self.list(names)
    }

    init(name: [UInt8], types names: [String]) { self.init(destination: .fixed(name), types: names) }

    /// The fixed destination charset (empty when off or a variable).
    var name: [UInt8] {
        if case .fixed(let n) = destination { return n }
        return []
    }

    /// Only marks, never recodes nor reads a response's own charset: a fixed `charset`, no `source_charset`, no
    /// `override_charset`, no `charset_map` in the configuration (h5bp's `charset utf-8;`). The proxy's head
    /// writes such a Content-Type in place, without making a plan.
    var marksOnly: Bool {
        guard case .fixed = destination, case .off = source, !override else { return false }
        return maps.isEmpty
    }

    /// A subrequest served here may be recoded to its main request's charset: a map exists and the body's charset
    /// is known (`source_charset`).
    var mayRecodeSubrequests: Bool {
        if case .off = source { return false }
        return !maps.isEmpty
    }

    /// A name is a variable: the Content-Type of a file is made per response, not kept by the worker's memo.
    var perRequest: Bool {
        if case .variable = destination { return true }
        if case .variable = source { return true }
        return false
    }

    /// The location's own responses (files, `return`, error pages) may be recoded: `source_charset` differs from
    /// `charset` (or either is a variable) and a `charset_map` exists.
    var recodesOwn: Bool {
        if maps.isEmpty { return false }
        switch (destination, source) {
        case (.off, _), (_, .off): return false
        case (.fixed(let d), .fixed(let s)): return !ASCII.equalsIgnoringCase(d, s)
        default: return true
        }
    }

    private static func list(_ names: [String]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for n in names + ["text/html"] where !out.contains(Array(n.lowercased().utf8)) { out.append(Array(n.lowercased().utf8)) }
        return out
    }

    /// Whether a Content-Type value (its media type: up to `;`, without spaces, in any case) takes the charset.
    func takes<C: BidirectionalCollection<UInt8>>(_ contentType: C) -> Bool {
        if any { return true }
        var type = contentType.prefix { $0 != UInt8(ascii: ";") }
        while let last = type.last, ASCII.isOWS(last) { type = type.dropLast() }
        return types.contains { ASCII.equalsIgnoringCase(type, $0) }
    }

    /// The Content-Type of a response switchyard makes (a file, a page): marked when the filter applies. With a
    /// variable charset and no request (the worker's memo), left alone: such locations do not use the memo.
    func append(to contentType: inout [UInt8], status: Int = 200, request r: Request? = nil) {
        let p = plan(contentType, override: nil as [UInt8]?, status: status, encoded: false, request: r)
        if let e = p.error, let r { r.connection.worker.log(.error, e, r.connection) }
        if let t = p.contentType { contentType = t }
    }

    /// What the charset filter does to one response: nginx's header filter. `contentType`: the response's value
    /// (its `charset=` parameter, if any, is the body's charset); `override`: the upstream's `X-Accel-Charset`;
    /// `encoded`: the body has a Content-Encoding (then it is never recoded, nor marked when it would need it).
    func plan<C: BidirectionalCollection<UInt8>, O: Collection<UInt8>>(
        _ contentType: C, override xa: O?, status: Int, encoded: Bool, request r: Request?) -> CharsetPlan
    where C.Index == Int {
        if contentType.isEmpty { return .keep }
        let own = CharsetParameter(contentType)
        let dst: [UInt8]
        if let xa, !xa.isEmpty {
            guard maps.knows(xa) else { return CharsetPlan(error: "unknown charset \"\(Self.text(xa))\" to override") }
            dst = Array(xa)
        } else {
            if case .off = destination { return .keep }
            if own != nil { if !override { return .keep } } else if !takes(contentType) { return .keep }
            guard let d = evaluate(destination, r) else { return .keep }
            dst = d
        }
        let whole = Array(contentType)
        let src: [UInt8]
        if let own { src = Array(contentType[own.value]) } else {
            if case .off = source { return mark(whole, dst, status) }
            guard let s = evaluate(source, r) else { return .keep }
            src = s
        }
        let type = own.map { Array(contentType[contentType.startIndex..<$0.typeEnd]) } ?? whole
        let dstKnown = maps.knows(dst), srcKnown = maps.knows(src)
        if !dstKnown || !srcKnown {
            guard dstKnown == srcKnown, src.count >= dst.count, ASCII.equalsIgnoringCase(src.prefix(dst.count), dst) else {
                return Self.noMap(src, dst)
            }
            return own != nil ? .keep : mark(whole, dst, status)
        }
        if ASCII.equalsIgnoringCase(src, dst) { return mark(type, dst, status) }
        if encoded { return .keep }
        guard let table = maps.table(from: src, to: dst) else { return Self.noMap(src, dst) }
        var p = mark(type, dst, status)
        p.recode = table
        return p
    }

    /// `plan` for an upstream's (or a stored) response: its Content-Type, `X-Accel-Charset` and Content-Encoding.
    func plan(for resp: ResponseHead, status: Int, request r: Request) -> CharsetPlan {
        guard let type = resp.firstHeader("content-type") else { return .keep }
        let coding = resp.firstHeader("content-encoding")
        return plan(type, override: honoursAccelCharset ? resp.firstHeader("x-accel-charset") : nil, status: status,
                    encoded: coding != nil && !coding!.isEmpty, request: r)
    }

    /// The table for a response this location made itself, whose Content-Type `append` marked: from the
    /// `source_charset` to the charset it names. nil when nothing is recoded.
    func ownRecode(_ markedType: [UInt8], encoded: Bool, request r: Request) -> CharsetTable? {
        guard !encoded, !maps.isEmpty, let p = CharsetParameter(markedType), let src = evaluate(source, r) else { return nil }
        let dst = markedType[p.value]
        if ASCII.equalsIgnoringCase(src, dst) { return nil }
        return maps.table(from: src, to: dst)
    }

    /// A subrequest's body (an SSI include, an added body) is recoded to the charset its main request's head names
    /// (nginx's main_request_charset), from the charset its own response names (`upstreamType`'s parameter), else
    /// its location's `source_charset`. nil when the main request names none, the two are the same, the body has a
    /// Content-Encoding, or no map joins them.
    func subrequestRecode<C: Collection<UInt8>>(_ r: Request, upstreamType: C?, encoded: Bool) -> CharsetTable?
    where C.Index == Int {
        guard !maps.isEmpty, !encoded else { return nil }
        let main = r.mainRequest
        guard main !== r, let type = HeaderScan.value(of: Self.contentTypeName, inHead: main.responseHead),
              let p = CharsetParameter(type) else { return nil }
        let dst = type[p.value]
        let src: [UInt8]
        if let t = upstreamType, let q = CharsetParameter(t) { src = Array(t[q.value]) } else {
            guard let s = evaluate(source, r) else { return nil }
            src = s
        }
        if ASCII.equalsIgnoringCase(src, dst) { return nil }
        return maps.table(from: src, to: dst)
    }

    private static let contentTypeName = Array("content-type".utf8)

    /// `type` without the `; charset=` this filter would add (a `.gz` of gzip_static that needs recoding is sent as
    /// it is, unmarked, as nginx sends it).
    static func unmarked(_ type: [UInt8]) -> [UInt8] {
        guard let p = CharsetParameter(type) else { return type }
        return Array(type[..<p.typeEnd])
    }

    private func evaluate(_ n: Name, _ r: Request?) -> [UInt8]? {
        switch n {
        case .off: return nil
        case .fixed(let v): return v
        case .variable(let t): return r.map { $0.evaluate(t) }
        }
    }

    /// nginx's set_charset: not on a 301 or 302 (old browsers took it for the next page's).
    private func mark(_ type: [UInt8], _ name: [UInt8], _ status: Int) -> CharsetPlan {
        var t = type
        if status != 301 && status != 302 { t.append(contentsOf: Self.parameter); t.append(contentsOf: name) }
        return CharsetPlan(contentType: t)
    }

    private static func noMap(_ src: [UInt8], _ dst: [UInt8]) -> CharsetPlan {
        CharsetPlan(error: "no \"charset_map\" between the charsets \"\(text(src))\" and \"\(text(dst))\"")
    }

    private static func text<C: Collection<UInt8>>(_ b: C) -> String { String(decoding: Array(b), as: UTF8.self) }

    static let parameter = Array("; charset=".utf8)
}

/// What the charset filter does to one response (ResponseCharset.plan).
struct CharsetPlan {
    /// The Content-Type to send instead of the response's; nil: as it is.
    var contentType: [UInt8]? = nil
    /// The body is recoded with this table.
    var recode: CharsetTable? = nil
    /// nginx's `[error]` line for the response (an unknown charset, no map between two).
    var error: String? = nil

    static let keep = CharsetPlan()
}

/// A Content-Type's `charset=` parameter as nginx reads an upstream's (ngx_http_upstream_copy_content_type): at
/// a `;` followed by spaces and `charset=` in any case, the value runs to the end of the field, one pair of quotes
/// taken off; the media type ends at that `;`.
struct CharsetParameter {
    let typeEnd: Int
    let value: Range<Int>

    init?<C: Collection<UInt8>>(_ v: C) where C.Index == Int {
        var i = v.startIndex
        while i < v.endIndex {
            if v[i] != UInt8(ascii: ";") { i += 1; continue }
            let semicolon = i
            i += 1
            while i < v.endIndex && v[i] == UInt8(ascii: " ") { i += 1 }
            if i == v.endIndex { return nil }
            guard v.endIndex - i >= 8, ASCII.equalsLowercased(v[i..<i + 8], "charset=") else { continue }
            var start = i + 8, end = v.endIndex
            if start < end && v[start] == UInt8(ascii: "\"") { start += 1 }
            if end > start && v[end - 1] == UInt8(ascii: "\"") { end -= 1 }
            typeEnd = semicolon
            value = start..<max(start, end)
            return
        }
        return nil
    }
}
