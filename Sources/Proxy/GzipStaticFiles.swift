import Config
import EventLoop
import Glibc
import Gzip
import HTTP1

/// `gzip_static on|always` of one location, made at load; nil where it is off, so other locations pay one nil test.
struct GzipStaticRuntime {
    /// `always`: every client gets the `.gz`, unchecked and without Vary (the answer does not depend on the client).
    let always: Bool
    /// `on`'s client checks and `gzip_vary`: the location's gzip settings (the gzip filter's own with `gzip on`).
    let checks: GzipRuntime

    init?(_ settings: GzipSettings, gzip: GzipRuntime?) {
        switch settings.staticMode {
        case .off: return nil
        case .on: always = false
        case .always: always = true
        }
        checks = gzip ?? GzipRuntime(checking: settings)
    }
}

/// What gzip_static made of a file's response: the body is the `.gz` sibling's bytes as they are on disk
/// (`Content-Encoding: gzip`, never compressed again nor parsed for SSI), and whether `Vary: Accept-Encoding` goes
/// with it (nginx's `r->gzip_vary`).
struct StaticCoding {
    var precompressed = false
    var vary = false

    static let plain = StaticCoding()
}

/// nginx's ngx_http_gzip_static_module, a content handler asked before the static module: a GET or HEAD for `FILE`
/// is answered with `FILE.gz` when the client accepts gzip (`on`: the gzip module's client checks) or always.
/// Without a `.gz`, or for a client that does not accept it, the plain file is served as usual (and the gzip filter
/// may compress it); once a `.gz` was found, `on` with `gzip_vary on` adds `Vary: Accept-Encoding` either way.
enum GzipStaticFiles {
    private static let suffix: [UInt8] = Array(".gz".utf8)

    /// True when the request was answered: with the `.gz`, with the plain file and a Vary, or with an error.
    /// False: the static module serves the plain file as it would without gzip_static.
    static func serve(_ r: Request, _ gs: GzipStaticRuntime, _ files: StaticRuntime, status: Int, method: HTTPMethod,
                      on c: ClientConnection) -> Bool {
        // nginx's gzip_ok refuses subrequests: only `always` gives an SSI include the `.gz`.
        let accepted = gs.always
            || (!r.isSubrequest && GzipPolicy.clientAccepts(gs.checks.config, GzipStage.requestFacts(gs.checks, r)))
        let vary = !gs.always && gs.checks.config.vary
        if !accepted && !vary { return false }   // nothing the `.gz` could change (nginx does not look for it)

        // FILE.gz written into the request's path buffer in place: the returned copy is dropped at once, so the
        // buffer is not shared when it grows.
        _ = files.path(for: r)
        r.filePath.append(contentsOf: suffix)
        let fd = r.openToServe(r.filePath)
        if fd < 0 {
            openFailed(r.filePath, errno, on: c)
            r.filePath.removeLast(suffix.count)
            return false
        }
        guard let info = Syscall.fstat(fd) else {
            let e = errno
            Syscall.close(fd)
            StaticFiles.logFailed("fstat", r.filePath, e, .crit, on: c)
            r.filePath.removeLast(suffix.count)
            return false
        }
        if accepted && !info.isDirectory && !info.isRegular {   // nginx's order: a FIFO named FILE.gz is a 404
            Syscall.close(fd)
            StaticFiles.notRegular(r.filePath, on: c)
            return true
        }
        r.filePath.removeLast(suffix.count)   // the plain file's path: its Content-Type, or the file itself
        if !accepted || info.isDirectory {
            Syscall.close(fd)
            guard vary else { return false }
            guard let opened = StaticFiles.openRegular(r, r.filePath, on: c) else { return true }
            StaticFiles.sendFile(r, c, fd: opened.0, info: opened.1, path: r.filePath, status: status, method: method,
                                 coding: StaticCoding(vary: true))
            return true
        }
        StaticFiles.sendFile(r, c, fd: fd, info: info, path: r.filePath, status: status, method: method,
                             coding: StaticCoding(precompressed: true, vary: vary))
        return true
    }

    /// A missing `.gz` is the common case and not logged; a `.gz` that cannot be read is, as nginx logs it, and
    /// the plain file is served.
    private static func openFailed(_ path: [UInt8], _ e: Int32, on c: ClientConnection) {
        if e == ENOENT || e == ENOTDIR || e == ENAMETOOLONG { return }
        StaticFiles.logFailed("open", path, e, e == EACCES || e == ELOOP || e == EMLINK ? .error : .crit, on: c)
    }
}
