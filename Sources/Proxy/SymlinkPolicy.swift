import Config
import EventLoop

/// `disable_symlinks on | if_not_owner [from=part]` of a location, made at load; nil where it is off, where a
/// file is opened by its path, links followed, as nginx does by default. With it the file is opened a component
/// at a time (Syscall.openChecked): a refused link is a 403 for the file served, and a file that is not
/// there for try_files, `index` and `if (-f …)`, as in nginx.
struct SymlinkPolicy {
    let rule: Syscall.LinkRule
    /// `from=`: the part of the path not checked when the path starts with it (evaluated per request).
    let from: CompiledTemplate?

    /// nginx's reading of `from=`: how many leading bytes of `path` are not checked (0: all are), or nil when
    /// `from` is the whole path (nothing left to check).
    func unchecked(_ path: [UInt8], _ r: Request) -> Int? {
        guard let t = from else { return 0 }
        return Self.unchecked(path, from: r.evaluate(t))
    }

    /// `unchecked` for `from` evaluated to `f`: the prefix ends at a `/` of the path (the one after it, or its own
    /// last byte), or it is not a prefix at all (0).
    static func unchecked(_ path: [UInt8], from f: [UInt8]) -> Int? {
        guard !f.isEmpty, f.count <= path.count, path.starts(with: f) else { return 0 }
        if f.count == path.count { return nil }
        let slash = UInt8(ascii: "/")
        if path[f.count] == slash { return f.count }
        return path[f.count - 1] == slash ? f.count - 1 : 0
    }
}

extension Request {
    /// The file at `path` opened to serve, as the location's disable_symlinks says: -1 with errno set.
    @inline(__always)
    func openToServe(_ path: [UInt8]) -> Int32 {
        guard let p = location?.files.symlinks, let from = p.unchecked(path, self) else { return Syscall.openToServe(path) }
        return Syscall.openChecked(path, links: p.rule, from: from)
    }

    /// What `path` is, as the location's disable_symlinks lets it be seen (try_files, `index`, `if -f`): nil
    /// with errno set (ELOOP or ENOTDIR for a refused link).
    func statFile(_ path: [UInt8]) -> Syscall.FileStatus? {
        guard let p = location?.files.symlinks, let from = p.unchecked(path, self) else { return Syscall.stat(path) }
        return Syscall.statChecked(path, links: p.rule, from: from)
    }
}
