import HTTP1

extension Request {
    /// A template's value written straight into a head (a `proxy_set_header` value). Literals, captures and the
    /// variable `proxy_set_header Host` uses by default, `$proxy_host`, go in as bytes; any other variable takes
    /// the array path (`append(_:to:)`), which costs the writer a commit and a re-read of its storage.
    func evaluate(_ t: CompiledTemplate, into w: inout HeadWriter) {
        for p in t.parts {
            switch p {
            case .literal(let b): w.append(b)
            case .capture(let n): if n < captures.count { w.append(captures[n]) }
            case .variable(.proxyHost) where dynamicURL == nil && proxy != nil: w.append(proxy!.proxyHost)
            case .variable(let v): w.withBytes { append(v, to: &$0) }
            }
        }
    }
}

extension Request {
    /// A `WWW-Authenticate` field the refusal's page carries (an intercepted upstream 401, auth_request's 401).
    func addChallenge(_ value: ArraySlice<UInt8>) {
        errorHeaders.append(static: "WWW-Authenticate: ")
        errorHeaders.append(contentsOf: value)
        errorHeaders.appendCRLF()
    }
}

extension Request {
    /// The request line's path holds a `%` (nginx's quoted_uri): `$uri` was decoded from it, so what goes upstream
    /// or into args is escaped again. Read only where a URI is rebuilt, never on the usual path.
    var pathIsQuoted: Bool { head.bytes(head.path).contains(UInt8(ascii: "%")) }
}
