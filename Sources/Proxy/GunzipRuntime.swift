import ASCIIBytes
import Config
import Gzip
import HTTP1

/// `gunzip on` of one location (nginx's ngx_http_gunzip_module), made at load; nil where it is off, so other
/// locations pay one nil test. A response with `Content-Encoding: gzip` (that coding alone, as nginx) is inflated
/// for a client the gzip module's checks refuse, and for every subrequest (nginx's gzip_ok refuses those); a
/// client that accepts gzip gets it as it is. Either way `gzip_vary on` adds `Vary: Accept-Encoding`: the answer
/// depends on the client.
struct GunzipRuntime {
    /// The gzip module's client checks (`Accept-Encoding`, gzip_http_version, gzip_proxied, gzip_disable) and
    /// gzip_vary: the location's gzip settings, whatever `gzip` says.
    let checks: GzipRuntime
    /// `gunzip_buffers` (number × size): the inflated output one step makes before the client must take it.
    let stepOutput: Int
    static let defaultStepOutput = 32 * 4096

    init?(_ settings: GzipSettings, gzip: GzipRuntime?) {
        guard settings.gunzip else { return nil }
        checks = gzip ?? GzipRuntime(checking: settings)
        stepOutput = max(settings.gunzipBuffers.count * settings.gunzipBuffers.size, 4096)
    }

    var vary: Bool { checks.config.vary }

    /// Whether a gzip body is inflated for `r`.
    func inflates(_ r: Request) -> Bool {
        r.isSubrequest || !GzipPolicy.clientAccepts(checks.config, GzipStage.requestFacts(checks, r))
    }

    /// gunzip's `Vary: Accept-Encoding` on an upstream's or a cached gzip response (nginx's r->gzip_vary): the
    /// answer depends on the client whether it was inflated or not. A location without gunzip pays a flag test.
    @inline(__always)
    static func varies(_ r: Request, _ resp: ResponseHead) -> Bool {
        guard r.location.filtersBody, r.location.gunzip?.vary == true else { return false }
        return isGzip(resp.firstHeader("content-encoding"))
    }

    /// Whether a `Content-Encoding` value names gzip and nothing else.
    static func isGzip(_ coding: ArraySlice<UInt8>?) -> Bool {
        guard let c = coding else { return false }
        return ASCII.equalsLowercased(c, "gzip")
    }
}
