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

    /// `gzip_disable`: a regex on User-Agent, or nginx's `msie6` (MSIE 4–6 without SV1).
    func disables(userAgent ua: [UInt8]) -> Bool {
        if disableMSIE6, let i = Bytes.firstIndex(of: Array("MSIE ".utf8), in: ua), i + 6 < ua.count,
           (UInt8(ascii: "4")...UInt8(ascii: "6")).contains(ua[i + 5]), ua[i + 6] == UInt8(ascii: "."),
           Bytes.firstIndex(of: Array("SV1".utf8), in: ua) == nil {
            return true
        }
        return disableRegexes.contains { $0.firstMatch(in: ua) != nil }
    }

    init?(_ s: GzipSettings) {
        guard s.enabled else { return nil }
        disableMSIE6 = s.disable.contains("msie6")
        disableRegexes = s.disable.filter { $0 != "msie6" }.compactMap { try? Regex($0, caseless: true) }
        var c = GzipConfig()
        c.enabled = true
        c.types = GzipTypes(Array(s.types))
        c.minLength = s.minLength
        c.level = s.compLevel
        c.httpVersion = s.httpVersion == .http10 ? .http10 : .http11
        c.vary = s.vary
        var proxied: Gzip.GzipProxied = []
        for p in s.proxied { if let v = Gzip.GzipProxied(parameter: p.rawValue) { proxied.insert(v) } }
        c.proxied = proxied.isEmpty ? .off : proxied
        c.buffers = GzipBuffers(count: s.buffers.count, size: s.buffers.size)
        config = c
    }
}

/// `expires`: the `Expires` and `Cache-Control` headers for statuses nginx adds them to.
struct ExpiresRuntime {
    let setting: Expires

    init?(_ e: Expires) {
        if case .off = e { return nil }
        setting = e
    }

    static let statuses: Set<Int> = [200, 201, 204, 206, 301, 302, 303, 304, 307, 308]

    func append(status: Int, into out: inout [UInt8]) {
        guard Self.statuses.contains(status) else { return }
        let now = Int64(time(nil))
        var expiresAt: Int64
        var maxAge: Int64
        switch setting {
        case .off: return
        case .epoch:
            out += Array("Expires: Thu, 01 Jan 1970 00:00:01 GMT\r\nCache-Control: no-cache\r\n".utf8); return
        case .max:
            out += Array("Expires: Thu, 31 Dec 2037 23:55:55 GMT\r\nCache-Control: max-age=315360000\r\n".utf8); return
        case .after(let d), .afterModified(let d):
            // `modified` needs the response's Last-Modified; switchyard applies it from now (documented).
            maxAge = d.components.seconds
            expiresAt = now + maxAge
        case .dailyAt(let d):
            let dayStart = now - now % 86400
            expiresAt = dayStart + d.components.seconds
            if expiresAt <= now { expiresAt += 86400 }
            maxAge = expiresAt - now
        }
        out += Array("Expires: ".utf8)
        HTTPDate.appendIMFFixdate(expiresAt, to: &out)
        out += [13, 10]
        if maxAge < 0 {
            out += Array("Cache-Control: no-cache\r\n".utf8)
        } else {
            out += Array("Cache-Control: max-age=".utf8)
            ASCIIDecimal.append(maxAge, to: &out)
            out += [13, 10]
        }
    }
}
