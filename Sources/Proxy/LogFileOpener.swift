import Glibc
import Synchronization

/// Opens every log file (error and access logs, on start, reload and SIGUSR1). Until the master drops its
/// privileges it records each file's directory: those are the directories the privileged helper may open log
/// files in later. After the drop, a file the user may not open (a root-owned log, a new file in a root-owned
/// directory after logrotate renamed the old one) is opened by the helper.
public enum LogFileOpener {
    private struct State {
        var directories: [String] = []
        var helper: PrivilegedHelper?
    }
    private static let state = Mutex(State())

    /// A descriptor open for append, or -1 with errno set.
    static func open(_ path: String) -> Int32 {
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        let e = errno
        let helper = state.withLock { s -> PrivilegedHelper? in
            if fd >= 0 && s.helper == nil, let d = directory(of: path), !s.directories.contains(d) {
                s.directories.append(d)
            }
            return s.helper
        }
        if fd >= 0 { return fd }
        guard e == EACCES || e == EPERM, let helper else { errno = e; return -1 }
        let viaHelper = helper.openAppend(path)
        if viaHelper < 0 { errno = errno == EACCES ? e : errno }
        return viaHelper
    }

    /// What `open` would fail with, found without creating anything (`-t`, which has no side effects): an
    /// existing file must be writable and not a directory, a new one needs a directory that takes files.
    /// The errno, or nil when the open would succeed.
    static func probe(_ path: String) -> Int32? {
        if path.isEmpty { return nil }   // the standard error (`access_log ""`)
        var st = stat()
        if stat(path, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR { return EISDIR }
            return access(path, W_OK) == 0 ? nil : errno
        }
        let e = errno
        guard e == ENOENT, let d = directory(of: path) else { return e }
        return access(d, W_OK | X_OK) == 0 ? nil : errno
    }

    /// The directories of the log files opened so far (before the drop).
    static var directories: [String] { state.withLock { $0.directories } }

    /// From now on, files the process may not open are asked of `helper`.
    static func use(_ helper: PrivilegedHelper?) { state.withLock { $0.helper = helper } }

    static func directory(of path: String) -> String? {
        guard path.hasPrefix("/"), let slash = path.lastIndex(of: "/") else { return nil }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
