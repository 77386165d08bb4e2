import ASCIIBytes
import HTTP1
import Regex

/// A location's `fastcgi_pass` settings frozen at load: the parameters, what decides `$fastcgi_script_name`
/// and `$fastcgi_path_info`, and the FCGI_KEEP_CONN flag. The rest (target, timeouts, retries, hidden headers)
/// is the location's `ProxyRuntime`, whose `wire` is `.fastcgi`.
final class FastCGIRuntime: @unchecked Sendable {
    struct Param {
        let name: [UInt8]
        let value: CompiledTemplate
        let ifNotEmpty: Bool
    }
    let params: [Param]
    /// Parameters named `HTTP_*`, as header names (lowercase, `_` for `-`): such a client field is not sent
    /// again by `fastcgi_pass_request_headers` (nginx: the parameter set explicitly wins).
    let headerParams: NameSet
    let passRequestHeaders: Bool
    let passRequestBody: Bool
    let index: [UInt8]?
    /// `fastcgi_split_path_info`: two captures, the script name and the path info.
    let split: Regex?
    let keepConn: Bool
    /// `fastcgi_catch_stderr`: texts that make a stderr message before the head an invalid answer.
    let catchStderr: [[UInt8]]

    init(params: [Param], passRequestHeaders: Bool, passRequestBody: Bool, index: [UInt8]?, split: Regex?,
         keepConn: Bool, catchStderr: [[UInt8]] = []) {
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
}

/// Encodes the request for a FastCGI application (the `.fastcgi` side of the transaction's seam): the
/// FCGI_BEGIN_REQUEST record, the parameters (`fastcgi_param`, then the client's header fields as `HTTP_*`),
/// the end of FCGI_PARAMS, and the end of FCGI_STDIN when no body follows (a body goes as FCGI_STDIN records
/// from `RequestBody`, which ends the stream itself).
enum FastCGIRequest {
    static func write(_ r: Request, fastcgi f: FastCGIRuntime, bodyLength: Int64?, into w: inout HeadWriter) {
        var out: [UInt8] = []
        out.reserveCapacity(r.head.bytes.count * 2 + 1024)
        FastCGI.appendBeginRequest(keepConn: f.keepConn, to: &out)
        var pairs: [UInt8] = []
        pairs.reserveCapacity(r.head.bytes.count + 1024)
        var value: [UInt8] = []
        for p in f.params {
            value.removeAll(keepingCapacity: true)
            r.evaluate(p.value, into: &value)
            if p.ifNotEmpty && value.isEmpty { continue }
            FastCGI.appendPair(name: p.name, value: value, to: &pairs)
        }
        if f.passRequestHeaders {
            let head = r.head!, b = head.bytes
            var name: [UInt8] = []
            var key: [UInt8] = []
            for h in head.headers {
                key.removeAll(keepingCapacity: true)
                for i in h.name.start..<h.name.end {
                    let c = b[i]
                    key.append(c == UInt8(ascii: "-") ? UInt8(ascii: "_") : ASCII.lower(c))
                }
                if f.headerParams.contains(key) { continue }
                name.removeAll(keepingCapacity: true)
                b.withByteView { FastCGI.appendHeaderParamName($0.slice(h.name.start, h.name.end), to: &name) }
                FastCGI.appendPair(name: name, value: b[h.value.start..<h.value.end], to: &pairs)
            }
        }
        if !pairs.isEmpty { pairs.withByteView { FastCGI.appendRecords(.params, $0, to: &out) } }
        FastCGI.appendHeader(.params, length: 0, padding: 0, to: &out)
        if !(f.passRequestBody && (bodyLength ?? 0) > 0) { FastCGI.appendHeader(.stdin, length: 0, padding: 0, to: &out) }
        w.append(contentsOf: out)
    }
}
