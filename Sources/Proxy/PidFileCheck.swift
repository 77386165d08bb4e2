import EventLoop
import Glibc

/// `-t`'s check of the `pid` file, as nginx's test mode opens it (creating it if missing, never truncating): a file
/// that is there must be writable, a missing one's directory must let it be made. A start fails the same way later
/// (Server.writePidFile); `-t` must say so first.
public enum PidFileCheck {
    /// nginx's failure text (`open() "/run/x/nginx.pid" failed (2: No such file or directory)`), or nil.
    public static func probe(_ path: String) -> String? {
        if access(path, F_OK) == 0 {
            // A directory passes access(W_OK); nginx's open of it fails with EISDIR.
            if Syscall.stat(Array(path.utf8))?.isDirectory == true { return failure(path, EISDIR) }
            return access(path, W_OK) == 0 ? nil : failure(path, errno)
        }
        let e = errno
        guard e == ENOENT, let directory = LogFileOpener.directory(of: path) else { return failure(path, e) }
        return access(directory, W_OK | X_OK) == 0 ? nil : failure(path, errno)
    }

    private static func failure(_ path: String, _ e: Int32) -> String {
        "open() \"\(path)\" failed (\(e): \(Syscall.describe(e)))"
    }
}
