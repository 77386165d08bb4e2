import HTTP1

/// `error_page`: an error answered by another URI, a named location or a redirect, as nginx's
/// ngx_http_send_error_page. Only one per request unless `recursive_error_pages on`.
enum ErrorPages {
    /// True when `status` has an error_page here and it took over the request.
    static func serve(_ status: Int, _ r: Request, _ c: ClientConnection) -> Bool {
        guard let loc = r.location, !r.servingErrorPage, r.uriChanges <= 10, let target = loc.errorPages[status] else {
            return false
        }
        if !loc.files.recursiveErrorPages { r.servingErrorPage = true }
        switch target {
        case .uri(let uri, let args, let s):
            setStatus(s, status, r)
            InternalRedirect.toURIAskingGET(uri, args: args.map { $0[...] }, r, c)
        case .named(let name, let s):
            setStatus(s, status, r)
            InternalRedirect.toNamed(name, r, c)
        case .dynamic(let t, let s):
            let value = r.evaluate(t)
            if value.first == UInt8(ascii: "/") {
                setStatus(s, status, r)
                let (uri, args) = FileLookup.splitArgs(value)
                InternalRedirect.toURIAskingGET(uri, args: args.map { $0[...] }, r, c)
            } else if value.first == UInt8(ascii: "@") {
                setStatus(s, status, r)
                InternalRedirect.toNamed(value, r, c)
            } else {
                var code = 302
                if case .code(let n) = s, Responses.isRedirect(n) { code = n }
                Responses.redirect(code, location: value, on: c, byErrorPage: true)
            }
        case .redirect(let t, let code):
            Responses.redirect(code, location: r.evaluate(t), on: c, byErrorPage: true)
        }
        return true
    }

    /// The answer's status: the error's own (no `=`), the target's (`=`), or the one given (`=200`).
    private static func setStatus(_ s: ErrorPageStatus, _ status: Int, _ r: Request) {
        switch s {
        case .keep: r.errorStatus = status
        case .fromTarget: r.errorStatus = 0
        case .code(let n): r.errorStatus = n
        }
    }


    /// `proxy_intercept_errors on`: whether an upstream answer with `status` is replaced by an error_page.
    static func intercepts(_ status: Int, _ r: Request) -> Bool {
        guard status >= 300, let loc = r.location, loc.files.interceptErrors, !r.servingErrorPage,
              r.uriChanges <= 10 else { return false }
        return loc.errorPages[status] != nil
    }
}
