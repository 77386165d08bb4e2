import EventLoop
import Glibc
import Synchronization

/// Reads the TLS files a configuration names (certificates, keys, password and ticket key files). Until the
/// master drops its privileges it records each file's directory; after the drop, a file the user may not read
/// (a key that is root's alone, 0600, as certbot and most installs leave it) is opened by the privileged helper,
/// in those directories only. Without it a reload that renewed a certificate failed on its key and kept serving
/// the old certificate, where nginx's root master reads it.
enum SecretFiles {
    private struct State {
        var directories: [String] = []
        var helper: PrivilegedHelper?
    }
    private static let state = Mutex(State())

    /// The file's bytes, or nil with errno set.
    static func read(_ path: String) -> [UInt8]? {
        var fd = Syscall.openReadOnly(Array(path.utf8))
        let e = errno
        let helper = noted(path, readable: fd >= 0)
        if fd < 0 {
            guard e == EACCES || e == EPERM, let helper else { errno = e; return nil }
            fd = helper.openRead(path)
            if fd < 0 { errno = e; return nil }
        }
        defer { Syscall.close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            guard case .done(let n) = Syscall.read(fd, into: &chunk, count: chunk.count) else { break }
            out.append(contentsOf: chunk.prefix(n))
        }
        return out
    }

    /// What OpenSSL is given for a certificate or key `path`: the path when this process may read it (or it is
    /// inline already), else the file's text after `data:` (nginx's inline form), read through the helper; the
    /// path again when that fails too, so the load reports the open's failure as before.
    static func source(_ path: String) -> String {
        if path.hasPrefix("data:") { return path }
        if access(path, R_OK) == 0 { _ = noted(path, readable: true); return path }
        // A NUL would end the text C reads early: such a file is no PEM, and its own path reports that.
        guard let text = read(path), !text.isEmpty, !text.contains(0) else { return path }
        return "data:" + String(decoding: text, as: UTF8.self)
    }

    /// Records a readable file's directory while there is no helper yet (before the drop); the helper, if any.
    private static func noted(_ path: String, readable: Bool) -> PrivilegedHelper? {
        state.withLock { s in
            if readable && s.helper == nil, let d = LogFileOpener.directory(of: path), !s.directories.contains(d) {
                s.directories.append(d)
            }
            return s.helper
        }
    }

    /// The directories of the TLS files read so far (before the drop).
    static var directories: [String] { state.withLock { $0.directories } }

    /// From now on, files the process may not read are asked of `helper`.
    static func use(_ helper: PrivilegedHelper?) { state.withLock { $0.helper = helper } }
}
