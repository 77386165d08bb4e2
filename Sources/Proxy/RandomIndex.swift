import Config
import EventLoop
import Glibc

/// nginx's ngx_http_random_index_module: a request for a directory (`/…/`) is answered with one of its regular
/// files, picked at random, through an internal redirect; names starting with `.` are left out. A directory
/// with no such file leaves the request to `index`.
enum RandomIndex {
    /// True when the request was answered (redirected, or refused because the directory cannot be read).
    static func serve(_ r: Request, files: StaticRuntime, on c: ClientConnection) -> Bool {
        let directory = files.path(for: r)
        guard let names = Syscall.regularFiles(in: directory) else {
            let e = errno
            let status = switch e { case ENOENT, ENOTDIR, ENAMETOOLONG: 404; case EACCES: 403; default: 500 }
            c.worker.log(status == 500 ? .crit : .error,
                         "opendir() \"\(String(decoding: directory, as: UTF8.self))\" failed (\(e): \(Syscall.describe(e)))", c)
            c.sendError(status, closeAfter: false)
            return true
        }
        guard let name = names.randomElement() else { return false }
        InternalRedirect.toURI(r.uri + name, args: r.hasArgs ? r.args : nil, r, c)
        return true
    }
}
