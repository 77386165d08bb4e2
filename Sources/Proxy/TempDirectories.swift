import Glibc
import EventLoop

/// nginx's ngx_create_paths for the directories workers write request bodies, cache fills and cache entries
/// into: each is made while the configuration loads, its last component only (the parents must exist), so a
/// missing parent stops a start or a reload with `[emerg] mkdir() "…" failed` rather than failing requests later.
/// A path that exists already, even as a file, is left as it is, as in nginx.
public enum TempDirectories {
    /// Makes each directory; the first failure's text, or nil.
    public static func create(_ paths: [String]) -> String? {
        for path in paths where mkdir(path, 0o700) != 0 {
            let e = errno
            if e != EEXIST { return failure(path, e) }
        }
        return nil
    }

    /// What `create` would report, with nothing made (`-t`).
    public static func probe(_ paths: [String]) -> String? {
        for path in paths {
            var st = stat()
            if lstat(path, &st) == 0 { continue }
            var e = errno
            let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
            if e == ENOENT, let parent = LogFileOpener.directory(of: trimmed) {
                e = access(parent, W_OK | X_OK) == 0 ? 0 : errno
            }
            if e != 0 { return failure(path, e) }
        }
        return nil
    }

    private static func failure(_ path: String, _ e: Int32) -> String {
        "mkdir() \"\(path)\" failed (\(e): \(Syscall.describe(e)))"
    }
}
