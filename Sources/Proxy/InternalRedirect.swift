import ASCIIBytes
import Config
import EventLoop
import HTTP1

/// nginx's internal redirects: to a URI (the server's rewrite script, the location search and everything after
/// run again) or to a named location (its rewrite script and content handler). error_page, try_files and
/// index use them; each counts against the limit of 10 URI changes a request has.
enum InternalRedirect {
    static func toURI(_ uri: [UInt8], args: ArraySlice<UInt8>?, _ r: Request, _ c: ClientConnection) {
        guard count(r, c, uri) else { return }
        r.uri = uri
        r.uriReplaced = true
        if let args { r.args = args; r.hasArgs = true } else { r.args = []; r.hasArgs = false }
        r.addURIToAlias = false
        Router.process(r, c)
    }

    /// The same, asking with GET (a HEAD stays HEAD), as nginx's error_page and X-Accel-Redirect do.
    static func toURIAskingGET(_ uri: [UInt8], args: ArraySlice<UInt8>?, _ r: Request, _ c: ClientConnection) {
        if r.head.method != .head { r.methodIsGET = true }
        toURI(uri, args: args, r, c)
    }

    /// `@name` in this request's server; nginx answers 500 when it does not exist. `$uri` stays the request's, and
    /// so does the URI proxy_pass sends without a URI part: nginx keeps valid_unparsed_uri here.
    static func toNamed(_ name: [UInt8], _ r: Request, _ c: ClientConnection) {
        guard let loc = r.server.named[name] else {
            c.worker.log(.error, "could not find named location \"\(String(decoding: name, as: UTF8.self))\"", c)
            return c.sendError(500, closeAfter: false)
        }
        guard count(r, c, name) else { return }
        r.location = loc
        r.validLocation = true
        Router.inLocation(r, c)
    }

    /// Counts one URI change (the count `rewrite … last` cycles share); false (500 sent) past nginx's limit.
    private static func count(_ r: Request, _ c: ClientConnection, _ target: [UInt8]) -> Bool {
        r.uriChanges += 1
        r.isInternal = true
        if r.uriChanges > 10 {
            c.worker.log(.error, "rewrite or internal redirection cycle while internally redirecting to \"\(String(decoding: target, as: UTF8.self))\"", c)
            r.servingErrorPage = true   // the 500 is nginx's own page, not an error_page
            c.sendError(500, closeAfter: false)
            return false
        }
        return true
    }
}

/// nginx's try_files phase: the first file that exists changes the URI and the location's content handler serves
/// it; else the last parameter redirects (URI or @name) or ends the request with its code.
enum TryFilesPhase {
    /// True when the request was answered or redirected here.
    static func run(_ tf: TryFilesRuntime, _ r: Request, _ c: ClientConnection) -> Bool {
        let root = r.location.files.root
        var values: [(value: [UInt8], directory: Bool)] = []
        values.reserveCapacity(tf.files.count)
        for f in tf.files { values.append((r.evaluate(f.template), f.directory)) }
        let base = root.rootTemplate.map { r.evaluate($0) } ?? root.root
        let match = FileLookup.tryFiles(values, root: base, isAlias: root.isAlias, aliasPrefix: root.aliasPrefix,
                                        uri: r.uri) { path in
            guard let s = r.statFile(path) else { return .missing }
            return s.isDirectory ? .directory : .file
        }
        if case .found(let uri, let addURI) = match {
            r.uri = uri
            r.addURIToAlias = addURI
            return false
        }
        switch tf.fallback {
        case .code(let code):
            c.sendError(code, closeAfter: false)
        case .named(let name):
            InternalRedirect.toNamed(name, r, c)
        case .uri(let template):
            let (uri, args) = FileLookup.splitArgs(r.evaluate(template))
            InternalRedirect.toURI(uri, args: args.map { $0[...] }, r, c)
        }
        return true
    }
}

/// nginx's ngx_http_parse_unsafe_uri, for the URIs an upstream (`X-Accel-Redirect`) or a page (SSI `include`)
/// names: `%XX` decoded as ngx_unescape_uri decodes (a `%` before a byte that is not hex is dropped and the byte
/// kept; a second byte that is not hex drops all three), then refused when it is not absolute, holds a NUL, or
/// climbs with a `..` segment; and, as a client's path (URIPath.normalize), when it holds a CR or LF, which
/// `$uri` would carry into a head.
enum URIPathSafety {
    static func decodedSafe(_ uri: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(uri.count)
        var i = 0
        while i < uri.count {
            let b = uri[i]
            i += 1
            guard b == UInt8(ascii: "%") else { out.append(b); continue }
            guard i < uri.count else { break }
            guard let h = ASCII.hexValue(uri[i]) else { out.append(uri[i]); i += 1; continue }
            guard i + 1 < uri.count else { break }
            if let l = ASCII.hexValue(uri[i + 1]) { out.append(h << 4 | l) }
            i += 2
        }
        let unsafe = out.contains { $0 == 0 || $0 == ASCII.cr || $0 == ASCII.lf }
        return out.first == UInt8(ascii: "/") && !unsafe && !climbs(out) ? out : nil
    }

    static func climbs(_ uri: [UInt8]) -> Bool {
        var start = 0
        for i in 0...uri.count where i == uri.count || uri[i] == UInt8(ascii: "/") {
            if i - start == 2, uri[start] == UInt8(ascii: "."), uri[start + 1] == UInt8(ascii: ".") { return true }
            start = i + 1
        }
        return false
    }
}
