import Cache
import Config
import Glibc
import Gzip
import Regex
import HTTP1

/// A location's gzip settings in the form the Gzip module's policy reads, with `gzip_disable` compiled.
struct GzipRuntime {
    let config: GzipConfig
    let disableRegexes: [Regex]
    let disableMSIE6: Bool

    /// Whether `gzip_disable` has anything to check (most configurations: no).
    var disablesAny: Bool { disableMSIE6 || !disableRegexes.isEmpty }

    /// `gzip_disable`: nginx's `msie6` (the request's browser flags: MSIE 4–6 without SV1), or a regex on the
    /// first User-Agent.
    func disables(_ agent: UserAgentFlags, userAgent ua: ArraySlice<UInt8>?) -> Bool {
        if disableMSIE6 && agent.contains(.msie6) { return true }
        guard let ua, !disableRegexes.isEmpty else { return false }
        let bytes = Array(ua)
        return disableRegexes.contains { $0.firstMatch(in: bytes) != nil }
    }

    /// nil with `gzip off`: no gzip filter in the location.
    init?(_ s: GzipSettings) {
        guard s.enabled else { return nil }
        self.init(checking: s)
    }

    /// The settings whatever `gzip` says: gzip_static asks their client checks with `gzip off` too (nginx keeps
    /// gzip_http_version, gzip_proxied, gzip_disable and gzip_vary in its core module for both).
    init(checking s: GzipSettings) {
        disableMSIE6 = s.disable.contains("msie6")
        disableRegexes = s.disable.filter { $0 != "msie6" }.compactMap { try? Regex($0, caseless: true) }
        var c = GzipConfig()
        c.enabled = s.enabled
        c.types = GzipTypes(Array(s.types))
        c.minLength = s.minLength
        c.level = s.compLevel
        c.httpVersion = s.httpVersion == .http10 ? .http10 : .http11
        c.vary = s.vary
        var proxied: Gzip.GzipProxied = []
        for p in s.proxied { if let v = Gzip.GzipProxied(parameter: p.rawValue) { proxied.insert(v) } }
        c.proxied = proxied.isEmpty ? .off : proxied
        c.buffers = GzipBuffers(count: s.buffers.count, size: s.buffers.size)
        c.windowBits = s.windowBits
        c.memLevel = s.memLevel
        config = c
    }
}

/// `expires`: the `Expires` and `Cache-Control` headers for statuses nginx adds them to, computed by the
/// Cache module's `Expires` (one implementation of nginx's rules, tested there). A value with variables is
/// parsed per request as nginx's `ngx_http_parse_expires` would; an invalid or empty one adds nothing.
struct ExpiresRuntime {
    let setting: ExpiresSetting
    let variable: CompiledTemplate?
    let modified: Bool

    init?(_ e: Config.Expires, variable: CompiledTemplate? = nil) {
        func seconds(_ d: Duration) -> Int64 { d.components.seconds }
        var parsed = ExpiresSetting.off
        var template: CompiledTemplate? = nil
        var modified = false
        switch e {
        case .off: return nil
        case .epoch: parsed = .epoch
        case .max: parsed = .max
        case .after(let d): parsed = .access(seconds(d))
        case .afterModified(let d): parsed = .modified(seconds(d))
        case .dailyAt(let d): parsed = .daily(seconds(d))
        case .variable(_, let m):
            guard let variable else { return nil }
            template = variable
            modified = m
        }
        self.setting = parsed
        self.variable = template
        self.modified = modified
    }

    /// The setting for this request: the configured one, or the variable's value parsed.
    func setting(for r: Request?) -> ExpiresSetting? {
        guard let variable else { return setting }
        guard let r else { return nil }
        let text = String(decoding: r.evaluate(variable), as: UTF8.self)
        if text.isEmpty { return nil }
        return ExpiresSetting.parse(modified ? ["modified", text] : [text])
    }

    /// The two headers for `status` (`expires modified` without a Last-Modified counts from now), for
    /// rules that must see them before the head is built (`gzip_proxied` on a static file). A variable reading
    /// `$sent_http_*` sees the response's Content-Type, the field it is there for.
    func headers(status: Int, contentType: [UInt8], request r: Request? = nil) -> ExpiresHeaders? {
        if let r, variable?.readsSentFields == true { r.responseHead = Self.contentTypeLine + contentType + [13, 10] }
        guard let setting = setting(for: r) else { return nil }
        return Cache.Expires.headers(setting, status: status, now: Int64(time(nil)), lastModified: nil)
    }

    /// `head` is the response head built so far: `expires modified` reads its Last-Modified.
    private static let expiresName = Array("expires".utf8), cacheControlName = Array("cache-control".utf8)
    /// A head's first line is its status line: `$sent_http_*` reads the fields after it.
    private static let contentTypeLine = Array("HTTP/1.1 200\r\nContent-Type: ".utf8)

    func append(status: Int, request r: Request, into head: inout [UInt8]) {
        var chosen: ExpiresSetting?
        if variable?.readsSentFields == true {
            // nginx evaluates it in its headers filter, once the response's fields are set: the head so far is lent
            // to `$sent_http_*` (the `map $sent_http_content_type` of nginx's own `expires` example).
            swap(&r.responseHead, &head)
            chosen = setting(for: r)
            swap(&r.responseHead, &head)
        } else {
            chosen = setting(for: r)
        }
        guard let setting = chosen else { return }
        var lastModified: Int64? = nil
        if case .modified = setting, let lm = HeaderScan.value(of: Array("last-modified".utf8), inHead: head) {
            lastModified = HTTPDate.parse(lm)
        }
        guard let h = Cache.Expires.headers(setting, status: status, now: Int64(time(nil)), lastModified: lastModified) else {
            return
        }
        // nginx's expires filter replaces the response's own Expires and every Cache-Control it has.
        HeaderScan.removeField(Self.expiresName, from: &head, headStart: 0)
        HeaderScan.removeField(Self.cacheControlName, from: &head, headStart: 0)
        head += Array("Expires: ".utf8); head += Array(h.expires.utf8); head += [13, 10]
        head += Array("Cache-Control: ".utf8); head += Array(h.cacheControl.utf8); head += [13, 10]
    }
}
