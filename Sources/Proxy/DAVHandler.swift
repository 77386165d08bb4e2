import Config
import EventLoop
import Glibc
import HTTP1

/// nginx's ngx_http_dav_module: PUT, DELETE, MKCOL, COPY and MOVE on the files under a location's root or
/// alias, for the methods its `dav_methods` names. The static handler hands over a method it would refuse
/// (StaticFiles.serve), so GET and HEAD never come here. The decisions are DAVRules' (pure), the file work
/// DAVFiles', a PUT's body DAVUpload's; statuses and error_log lines are nginx's.
enum DAVHandler {
    static func serve(_ r: Request, _ dav: DAVRuntime, files: StaticRuntime, on c: ClientConnection) {
        let method = r.head.method
        switch method {
        case .put: put(r, dav, files, c)
        case .delete: delete(r, dav, files, c)
        case .mkcol: mkcol(r, dav, files, c)
        default: copyOrMove(r, dav, files, c, move: method == .move)
        }
    }

    static func log(_ c: ClientConnection, _ level: LogLevel, _ message: String, errno code: Int32? = nil) {
        let text = code.map { "\(message) (\($0): \(Syscall.describe($0)))" } ?? message
        c.worker.log(level, text, c)
    }

    static func fileWork(_ c: ClientConnection) -> DAVFiles {
        DAVFiles(log: { [unowned c] level, text in c.worker.log(level, text, c) })
    }

    static func text(_ bytes: some Sequence<UInt8>) -> String { String(decoding: Array(bytes), as: UTF8.self) }

    /// The methods but PUT take no body (nginx: 415).
    private static func refusesBody(_ r: Request, _ c: ClientConnection, _ what: @autoclosure () -> String) -> Bool {
        switch r.head.bodyFraming {
        case .none, .length(0): return false
        default:
            log(c, .error, what())
            c.sendError(415, closeAfter: false)
            return true
        }
    }

    /// The path `uri` maps to under the location's root or alias, as the static handler maps the request's.
    static func path(_ uri: [UInt8], _ files: StaticRuntime, _ r: Request) -> [UInt8] {
        let base = files.rootTemplate.map { r.evaluate($0) } ?? files.root
        return FileLookup.path(root: base, uri: uri, isAlias: files.isAlias, aliasPrefix: files.aliasPrefix,
                               addURIToAlias: r.addURIToAlias)
    }

    /// 201 with an empty body, and where the thing made is (PUT, MKCOL) its URI escaped, made absolute as
    /// redirects are.
    static func created(_ r: Request, _ c: ClientConnection, location: Bool) {
        var extra: [([UInt8], [UInt8])] = []
        if location {
            extra.append((Array("Location".utf8), Responses.absoluteLocation(DAVRules.escapedURI(r.uri), r, c)))
        }
        Responses.send(status: 201, contentType: [], body: [], extra: extra, on: c)
    }

    static func noContent(_ c: ClientConnection) {
        Responses.send(status: 204, contentType: [], body: [], on: c)
    }

    // MARK: - PUT

    private static func put(_ r: Request, _ dav: DAVRuntime, _ files: StaticRuntime, _ c: ClientConnection) {
        if r.uri.last == UInt8(ascii: "/") {
            log(c, .error, "cannot PUT to a collection")
            return c.sendError(409, closeAfter: false)
        }
        if r.head.firstHeader("Content-Range") != nil {
            log(c, .error, "PUT with range is unsupported")
            return c.sendError(501, closeAfter: false)
        }
        // The body goes to a named temp file under client_body_temp_path, which is renamed into place.
        var temp = r.location.clientBodyTemp
        temp.fileOnly = .keep
        let spool: BodySpool
        switch BodySpool.create(in: temp) {
        case .success(let s): spool = s
        case .failure(let f):
            log(c, .crit, f.message)
            return c.sendError(500, closeAfter: false)
        }
        let upload = DAVUpload(spool: spool, framing: r.head.bodyFraming, maxSize: r.location.clientMaxBodySize,
                               dav: dav, files: files)
        c.claimBody()
        if !upload.take(from: c) {
            c.sendContinue()
            c.davUpload = upload
            c.wantBody(timeoutMillis: r.location.clientBodyTimeoutMillis)
        }
    }

    /// The body is in the temp file: rename it over the target (ngx_http_dav_put_handler).
    static func finishPut(_ r: Request, _ upload: DAVUpload, _ c: ClientConnection) {
        let path = self.path(r.uri, upload.files, r)
        let temp = Array(upload.spool.path.utf8)
        let work = fileWork(c)
        var status = 201
        if let st = Syscall.stat(path) {
            status = 204
            if st.isDirectory {
                log(c, .error, "\"\(text(path))\" could not be created", errno: EISDIR)
                upload.settle()
                if !Syscall.unlink(temp) { work.failed(.crit, "unlink()", temp, errno) }
                return c.sendError(409, closeAfter: false)
            }
        }
        var how = DAVFiles.Rename()
        how.access = upload.dav.access
        how.pathAccess = upload.dav.access
        how.createPath = upload.dav.createFullPutPath
        how.deleteSource = true
        if let date = r.head.firstHeader("Date") { how.time = HTTPDate.parseAsNginx(date) }
        upload.settle()
        guard work.rename(temp, to: path, how) else { return c.sendError(500, closeAfter: false) }
        if status == 201 { created(r, c, location: true) } else { noContent(c) }
    }

    // MARK: - DELETE

    private static func delete(_ r: Request, _ dav: DAVRuntime, _ files: StaticRuntime, _ c: ClientConnection) {
        if refusesBody(r, c, "DELETE with body is unsupported") { return }
        if let depth = DAVRules.shallowDelete(r.uri, minimum: dav.minDeleteDepth) {
            log(c, .error, "insufficient URI depth:\(depth) to DELETE")
            return c.sendError(409, closeAfter: false)
        }
        var path = self.path(r.uri, files, r)
        let work = fileWork(c)
        guard let st = Syscall.lstat(path) else {
            let e = errno
            return c.sendError(work.error(e, notFound: e == ENOTDIR ? 409 : 404, "lstat()", path), closeAfter: false)
        }
        let directory = st.isDirectory
        if directory {
            if r.uri.last != UInt8(ascii: "/") {
                log(c, .error, "DELETE \"\(text(path))\" failed", errno: EISDIR)
                return c.sendError(409, closeAfter: false)
            }
            if depth(r, c, fallback: .infinity) != .infinity {
                log(c, .error, "\"Depth\" header must be infinity")
                return c.sendError(400, closeAfter: false)
            }
            if path.last == UInt8(ascii: "/") { path.removeLast() }
        } else {
            let d = depth(r, c, fallback: .zero)
            if d != .zero && d != .infinity {
                log(c, .error, "\"Depth\" header must be 0 or infinity")
                return c.sendError(400, closeAfter: false)
            }
        }
        if let status = work.delete(path, directory: directory) { return c.sendError(status, closeAfter: false) }
        noContent(c)
    }

    /// The request's `Depth`; an invalid one is logged as nginx logs it.
    private static func depth(_ r: Request, _ c: ClientConnection, fallback: DAVRules.Depth) -> DAVRules.Depth {
        let value = r.head.firstHeader("Depth")
        let d = DAVRules.depth(value, fallback: fallback)
        if d == .invalid { log(c, .error, "client sent invalid \"Depth\" header: \"\(text(value ?? []))\"") }
        return d
    }

    // MARK: - MKCOL

    private static func mkcol(_ r: Request, _ dav: DAVRuntime, _ files: StaticRuntime, _ c: ClientConnection) {
        if refusesBody(r, c, "MKCOL with body is unsupported") { return }
        if r.uri.last != UInt8(ascii: "/") {
            log(c, .error, "MKCOL can create a collection only")
            return c.sendError(409, closeAfter: false)
        }
        var path = self.path(r.uri, files, r)
        if path.last == UInt8(ascii: "/") { path.removeLast() }
        if Syscall.mkdir(path, mode: dav.directoryAccess) { return created(r, c, location: true) }
        c.sendError(fileWork(c).error(errno, notFound: 409, "mkdir()", path), closeAfter: false)
    }

    // MARK: - COPY, MOVE

    private static func copyOrMove(_ r: Request, _ dav: DAVRuntime, _ files: StaticRuntime, _ c: ClientConnection, move: Bool) {
        if refusesBody(r, c, "COPY and MOVE with body are unsupported") { return }
        let header = r.head.firstHeader("Destination")
        let destination: DAVRules.Destination
        switch DAVRules.destination(header, host: r.hostHeaderForRouting(), tls: c.isTLS) {
        case .success(let d): destination = d
        case .failure(let e):
            let value = text(header ?? [])
            switch e {
            case .missing: log(c, .error, "client sent no \"Destination\" header")
            case .noHost: log(c, .error, "client sent no \"Host\" header")
            case .otherRepository:
                log(c, .error, "\"Destination\" URI \"\(value)\" is handled by different repository than the source URI")
            case .unsafe:
                log(c, .error, "unsafe URI \"\(value)\" was detected")
                log(c, .error, "client sent invalid \"Destination\" header: \"\(value)\"")
            case .invalid:
                log(c, .error, "client sent invalid \"Destination\" header: \"\(value)\"")
            }
            return c.sendError(400, closeAfter: false)
        }
        let uriCollection = r.uri.last == UInt8(ascii: "/")
        if uriCollection != destination.collection {
            log(c, .error, "both URI \"\(text(r.uri))\" and \"Destination\" URI \"\(text(header ?? []))\" should be either collections or non-collections")
            return c.sendError(409, closeAfter: false)
        }
        // An alias replaces the location's prefix: a destination shorter than it maps to nothing sensible.
        if files.isAlias, let prefix = files.aliasPrefix, destination.uri.count < prefix.count {
            log(c, .error, "client sent invalid \"Destination\" header: \"\(text(header ?? []))\"")
            return c.sendError(400, closeAfter: false)
        }
        let d = depth(r, c, fallback: .infinity)
        if d != .infinity {
            if !move && d != .zero {
                log(c, .error, "\"Depth\" header must be 0 or infinity")
                return c.sendError(400, closeAfter: false)
            }
            if move {
                log(c, .error, "\"Depth\" header must be infinity")
                return c.sendError(400, closeAfter: false)
            }
        }
        let overwriteValue = r.head.firstHeader("Overwrite")
        guard var overwrite = DAVRules.overwrite(overwriteValue) else {
            log(c, .error, "client sent invalid \"Overwrite\" header: \"\(text(overwriteValue ?? []))\"")
            return c.sendError(400, closeAfter: false)
        }
        var source = DAVRules.mergeSlashes(path(r.uri, files, r))
        var target = DAVRules.mergeSlashes(path(destination.uri, files, r))
        var slash = false
        if target.count > 1 && target.last == UInt8(ascii: "/") { slash = true; target.removeLast() }
        let verb = move ? "MOVE" : "COPY"
        switch DAVRules.conflict(source: source, destination: target, collection: slash) {
        case .same?:
            log(c, .error, "both URI \"\(text(r.uri))\" and \"Destination\" URI \"\(text(header ?? []))\" point to the same location")
            return c.sendError(403, closeAfter: false)
        case .nested?:
            log(c, .error, "\"\(text(r.uri))\" could not be \(verb)ed to collection \"\(text(header ?? []))\"")
            return c.sendError(403, closeAfter: false)
        case nil:
            break
        }
        let work = fileWork(c)
        var targetIsDirectory = false
        if let st = Syscall.lstat(target) {
            if st.isDirectory && !slash {
                log(c, .error, "\"\(text(r.uri))\" could not be \(verb)ed to collection \"\(text(header ?? []))\"")
                return c.sendError(409, closeAfter: false)
            }
            if !overwrite {
                log(c, .error, "\"\(text(target))\" could not be created", errno: EEXIST)
                return c.sendError(412, closeAfter: false)
            }
            targetIsDirectory = st.isDirectory
        } else {
            let e = errno
            if e != ENOENT { return c.sendError(work.error(e, notFound: 404, "lstat()", target), closeAfter: false) }
            overwrite = false
        }
        guard let st = Syscall.lstat(source) else {
            return c.sendError(work.error(errno, notFound: 404, "lstat()", source), closeAfter: false)
        }
        if st.isDirectory {
            if !uriCollection {
                log(c, .error, "\"\(text(r.uri))\" is collection")
                return c.sendError(400, closeAfter: false)
            }
            if overwrite, let status = work.delete(target, directory: targetIsDirectory) {
                return c.sendError(status, closeAfter: false)
            }
            if source.last == UInt8(ascii: "/") { source.removeLast() }
            if move && Syscall.rename(source, to: target) { return created(r, c, location: false) }
            if !Syscall.mkdir(target, mode: st.permissions) {
                return c.sendError(work.error(errno, notFound: 404, "mkdir()", target), closeAfter: false)
            }
            guard work.copyTree(source, to: target) else { return c.sendError(500, closeAfter: false) }
            if move, let status = work.delete(source, directory: true) { return c.sendError(status, closeAfter: false) }
            return created(r, c, location: false)
        }
        if move {
            var how = DAVFiles.Rename()
            how.pathAccess = dav.access
            how.createPath = true
            return work.rename(source, to: target, how) ? noContent(c) : c.sendError(500, closeAfter: false)
        }
        if work.copyFile(source, to: target, size: st.size, access: st.permissions, mtime: Int64(st.mtime)) {
            return noContent(c)
        }
        c.sendError(500, closeAfter: false)
    }
}
