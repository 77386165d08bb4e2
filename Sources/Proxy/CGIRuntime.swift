import ASCIIBytes
import Config
import HTTP1
import Regex

/// A location's `fastcgi_pass`, `uwsgi_pass`, `scgi_pass` or `memcached_pass` settings frozen at load: the protocol, the
/// parameters, and FastCGI's own (what decides `$fastcgi_script_name` and `$fastcgi_path_info`, FCGI_KEEP_CONN,
/// `fastcgi_catch_stderr`). The rest (target, timeouts, retries, hidden headers) is the location's
/// `ProxyRuntime`, whose `cgi` this is.
final class CGIRuntime: @unchecked Sendable {
    /// The wire protocol: which encoder writes the request (FastCGIRequest, UWSGIRequest, SCGIRequest) and how
    /// the transaction reads the answer (FastCGI records, or a head and the body until close).
    enum Wire: Equatable {
        case fastcgi
        case uwsgi(modifier1: UInt8, modifier2: UInt8)
        case scgi
        /// `get $memcached_key` (MemcachedRequest.swift), the answer read by HTTP1's MemcachedReply.
        case memcached(gzipFlag: UInt32)
    }
    struct Param {
        let name: [UInt8]
        let value: CompiledTemplate
        let ifNotEmpty: Bool
    }
    let wire: Wire
    let params: [Param]
    /// Parameters named `HTTP_*`, as header names (lowercase, `_` for `-`): such a client field is not sent
    /// again by `*_pass_request_headers` (nginx: the parameter set explicitly wins).
    let headerParams: NameSet
    let passRequestHeaders: Bool
    let passRequestBody: Bool
    let index: [UInt8]?
    /// `fastcgi_split_path_info`: two captures, the script name and the path info.
    let split: Regex?
    let keepConn: Bool
    /// `fastcgi_catch_stderr`: texts that make a stderr message before the head an invalid answer.
    let catchStderr: [[UInt8]]
    /// memcached: `$memcached_key` (a configuration whose `set`s never name it does not load, as in nginx); nil for
    /// the other wires.
    let memcachedKey: CompiledTemplate?

    init(wire: Wire = .fastcgi, params: [Param], passRequestHeaders: Bool, passRequestBody: Bool,
         index: [UInt8]? = nil, split: Regex? = nil, keepConn: Bool = false, catchStderr: [[UInt8]] = [],
         memcachedKey: CompiledTemplate? = nil) {
        self.wire = wire
        self.memcachedKey = memcachedKey
        self.catchStderr = catchStderr
        self.params = params
        var names: [[UInt8]] = []
        for p in params where p.name.count > 5 && p.name.starts(with: "HTTP_".utf8) {
            names.append(p.name.dropFirst(5).map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "_") : ASCII.lower($0) })
        }
        headerParams = NameSet(bytes: names)
        self.passRequestHeaders = passRequestHeaders
        self.passRequestBody = passRequestBody
        self.index = index
        self.split = split
        self.keepConn = keepConn
    }

    /// `$fastcgi_script_name` and `$fastcgi_path_info` for `uri`, as nginx's ngx_http_fastcgi_split: the split
    /// regex's two captures when it matches (else the whole URI and no path info), then `fastcgi_index` after
    /// a script name ending in `/`.
    func scriptName(_ uri: [UInt8]) -> (script: [UInt8], pathInfo: [UInt8]) {
        var script = uri
        var pathInfo: [UInt8] = []
        if let split, let m = split.firstMatch(in: uri), m.count >= 3 {
            script = m[1].map { Array(uri[$0]) } ?? []
            pathInfo = m[2].map { Array(uri[$0]) } ?? []
        }
        if let index, script.last == UInt8(ascii: "/") { script.append(contentsOf: index) }
        return (script, pathInfo)
    }

    /// The answer comes in FastCGI records (else it is a head and a body on the bare stream).
    var records: Bool { wire == .fastcgi }

    /// The directive that named the target, for load-time errors.
    var passDirective: String {
        switch wire {
        case .fastcgi: "fastcgi_pass"
        case .uwsgi: "uwsgi_pass"
        case .scgi: "scgi_pass"
        case .memcached: "memcached_pass"
        }
    }

    /// Whose `*_cache_path` zones the location's `*_cache` may name.
    var cacheModule: CacheModule {
        switch wire {
        case .fastcgi: .fastcgi
        case .uwsgi: .uwsgi
        case .scgi: .scgi
        case .memcached: .proxy   // (memcached has no cache directives: its settings never turn one on)
        }
    }

    /// nginx's scheme in its log lines' `upstream: "…"`; `secure`: the try speaks TLS (`suwsgi://`).
    func scheme(secure: Bool) -> String {
        switch wire {
        case .fastcgi: "fastcgi://"
        case .uwsgi: secure ? "suwsgi://" : "uwsgi://"
        case .scgi: "scgi://"
        case .memcached: "memcached://"
        }
    }

    /// uwsgi may go over TLS (`uwsgi_pass suwsgi://…`, with the uwsgi_ssl_* settings); the others never do.
    var speaksTLS: Bool {
        if case .uwsgi = wire { true } else { false }
    }

    /// The module's name as its directives start (`uwsgi` in `uwsgi_ssl_verify`).
    var module: String { String(passDirective.dropLast(5)) }
}

/// The variables every CGI-family request carries, in nginx's order: the location's `*_param`s (an
/// `if_not_empty` one left out when empty), then with `*_pass_request_headers` each client header field as
/// `HTTP_NAME`, unless a parameter of that name was set. A field repeated (two `Cookie` lines, as HTTP/2 clients
/// send them) goes once, its values joined with `; ` for Cookie and `, ` else, as nginx 1.23 joins them: a CGI
/// application keeps one value a name.
///
/// When the location caches the request (`caching` not nil), the client's validators and ranges are not sent
/// (the stored answer must be the whole resource, good for every later client) and a revalidation's validators
/// go as `HTTP_IF_MODIFIED_SINCE` / `HTTP_IF_NONE_MATCH`, unless a parameter of that name was set: nginx's
/// cache parameters.
enum CGIVars {
    static func write(_ r: Request, _ f: CGIRuntime, caching: [(name: String, value: [UInt8])]? = nil,
                      into sink: inout some CGIPairSink) {
        var value: [UInt8] = []
        for p in f.params {
            value.removeAll(keepingCapacity: true)
            r.evaluate(p.value, into: &value)
            if p.ifNotEmpty && value.isEmpty { continue }
            sink.add(name: p.name, value: value)
        }
        if let validators = caching { addValidators(validators, f, into: &sink) }
        guard f.passRequestHeaders else { return }
        let head = r.head!, b = head.bytes, fields = head.headers
        let caching = caching != nil
        var name: [UInt8] = []
        var key: [UInt8] = []
        for (i, h) in fields.enumerated() {
            if fields[..<i].contains(where: { sameName(b, $0.name, h.name) }) { continue }   // joined before
            if caching && UpstreamRequest.cacheStripped.contains(b, h.name) { continue }
            key.removeAll(keepingCapacity: true)
            for k in h.name.start..<h.name.end {
                let c = b[k]
                key.append(c == UInt8(ascii: "-") ? UInt8(ascii: "_") : ASCII.lower(c))
            }
            if f.headerParams.contains(key) { continue }
            name.removeAll(keepingCapacity: true)
            b.withByteView { FastCGI.appendHeaderParamName($0.slice(h.name.start, h.name.end), to: &name) }
            guard let later = fields[(i + 1)...].firstIndex(where: { sameName(b, $0.name, h.name) }) else {
                sink.add(name: name, value: b[h.value.start..<h.value.end])
                continue
            }
            value.removeAll(keepingCapacity: true)
            value.append(contentsOf: b[h.value.start..<h.value.end])
            let separator = ASCII.equalsLowercased(b[h.name.start..<h.name.end], "cookie") ? UInt8(ascii: ";") : UInt8(ascii: ",")
            for g in fields[later...] where sameName(b, g.name, h.name) {
                value.append(separator); value.append(32)
                value.append(contentsOf: b[g.value.start..<g.value.end])
            }
            sink.add(name: name, value: value)
        }
    }

    /// A revalidation's `If-Modified-Since` / `If-None-Match` as their CGI variables, each unless a parameter
    /// of that name was set (the parameter wins, as in nginx).
    private static func addValidators(_ validators: [(name: String, value: [UInt8])], _ f: CGIRuntime,
                                      into sink: inout some CGIPairSink) {
        for v in validators {
            var key: [UInt8] = []
            var name = Array("HTTP_".utf8)
            for c in v.name.utf8 {
                key.append(c == UInt8(ascii: "-") ? UInt8(ascii: "_") : ASCII.lower(c))
                name.append(c == UInt8(ascii: "-") ? UInt8(ascii: "_") : (c &- 97 < 26 ? c & 0xDF : c))
            }
            if f.headerParams.contains(key) { continue }
            sink.add(name: name, value: v.value)
        }
    }

    /// Two field names equal but for case.
    @inline(__always)
    private static func sameName(_ b: [UInt8], _ x: ByteRange, _ y: ByteRange) -> Bool {
        guard x.end - x.start == y.end - y.start else { return false }
        var i = 0
        while i < x.end - x.start {
            if ASCII.lower(b[x.start + i]) != ASCII.lower(b[y.start + i]) { return false }
            i += 1
        }
        return true
    }
}
