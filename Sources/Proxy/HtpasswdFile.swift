import EventLoop
import Glibc

/// One `auth_basic_user_file`, parsed: user → stored hash. Lines are `user:hash[:comment]`; lines starting with `#`
/// and lines without a `:` are skipped, as nginx's reader skips them. The first entry for a user wins.
struct HtpasswdFile {
    let entries: [[UInt8]: [UInt8]]

    init(_ text: [UInt8]) {
        var entries: [[UInt8]: [UInt8]] = [:]
        for raw in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == 10 || $0 == 13 }) {
            guard raw.first != UInt8(ascii: "#"), let colon = raw.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let user = Array(raw[..<colon])
            let rest = raw[(colon + 1)...]
            let hash = rest.prefix { $0 != UInt8(ascii: ":") }
            if entries[user] == nil { entries[user] = Array(hash) }
        }
        self.entries = entries
    }
}

/// A worker's parsed htpasswd files, re-read when a file changes (inode, size or modification time): nginx reads
/// the file on every request, this reads it once per change and `stat`s it per request. Worker thread only.
final class HtpasswdCache {
    private struct Cached {
        let status: Syscall.FileStatus
        let file: HtpasswdFile
    }
    private var files: [[UInt8]: Cached] = [:]

    /// The current contents of `path`, or the errno of the failed stat/open/read.
    func file(at path: [UInt8]) -> Result<HtpasswdFile, Errno> {
        guard let st = Syscall.stat(path) else { return .failure(Errno(errno)) }
        if let c = files[path], c.status.inode == st.inode, c.status.size == st.size, c.status.mtime == st.mtime,
           c.status.mtimeNanoseconds == st.mtimeNanoseconds {
            return .success(c.file)
        }
        let fd = Syscall.openReadOnly(path)
        guard fd >= 0 else { return .failure(Errno(errno)) }
        defer { Syscall.close(fd) }
        var text: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            switch Syscall.read(fd, into: &chunk, count: chunk.count) {
            case .done(let n): text += chunk[..<n]
            case .eof:
                let parsed = HtpasswdFile(text)
                if files.count > 64 { files.removeAll() }   // many files by variable: keep the cache bounded
                files[path] = Cached(status: st, file: parsed)
                return .success(parsed)
            case .wouldBlock: continue
            case .error(let e): return .failure(Errno(e))
            }
        }
    }
}

/// An errno value carried in a `Result`.
struct Errno: Error {
    let code: Int32
    init(_ code: Int32) { self.code = code }
}
