import ASCIIBytes
import HTTP1

/// The upstream fields an X-Accel-Redirect carries onto the response it redirects to, as nginx copies its
/// headers_in `redirect` list: a protected download keeps the application's file name, type and cookies.
enum AcceleratedRedirectCarry {
    static func carry(_ resp: ResponseHead, proxy: ProxyRuntime, into r: Request) {
        let b = resp.bytes
        for f in resp.headers {
            if ASCII.named(b, f.name, "content-type") {
                r.carriedContentType = Array(b[f.value.start..<f.value.end])
                continue
            }
            let cookie = ASCII.named(b, f.name, "set-cookie")
            guard cookie || ASCII.named(b, f.name, "content-disposition") || ASCII.named(b, f.name, "cache-control")
                || ASCII.named(b, f.name, "expires") || ASCII.named(b, f.name, "accept-ranges")
            else { continue }
            r.carriedHeaders += b[f.name.start..<f.name.end]
            r.carriedHeaders += [UInt8(ascii: ":"), UInt8(ascii: " ")]
            if cookie && proxy.rewrites.rewritesCookies {   // proxy_cookie_domain, _path, _flags: as when relayed
                proxy.rewrites.rewriteCookie(b[f.value.start..<f.value.end], request: r, into: &r.carriedHeaders)
            } else {
                r.carriedHeaders += b[f.value.start..<f.value.end]
            }
            r.carriedHeaders += [13, 10]
        }
    }
}
