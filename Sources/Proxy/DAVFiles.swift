import Config
import EventLoop
import Glibc
import HTTP1
import Synchronization

/// The file work of WebDAV's methods, as nginx's ngx_file.c does it: deleting and copying trees, copying a file,
/// making a path's directories, and the rename that lands a PUT's temp file. The system calls are Syscall's
/// (EventLoop/Kernel-unsafe.swift); each failure is logged with nginx's line through `log`.
struct DAVFiles {
    let log: (LogLevel, String) -> Void

    static func text(_ path: [UInt8]) -> String { String(decoding: path, as: UTF8.self) }

    /// `call() "path" failed (errno: text)`, nginx's line for a failed file call.
    func failed(_ level: LogLevel, _ call: String, _ path: [UInt8], _ code: Int32) {
        log(level, "\(call) \"\(Self.text(path))\" failed (\(code): \(Syscall.describe(code)))")
    }

    /// ngx_http_dav_error: logs the failed call and answers its status.
    func error(_ code: Int32, notFound: Int, _ call: String, _ path: [UInt8]) -> Int {
        let (status, level) = DAVRules.failure(code, notFound: notFound)
        failed(level, call, path, code)
        return status
    }

    // MARK: - Trees

    enum Kind { case file, directory, other }

    /// ngx_walk_tree: every entry below `directory` but `.` and `..`, by `lstat` (links are not followed);
    /// `visit(path, status, kind, entering)` is called for files and other entries once, for directories before
    /// (`entering`) and after their own entries. False when `directory` itself could not be read; an entry that
    /// cannot be stat'ed or a subdirectory that cannot be read is logged and passed over, as nginx's walk does.
    func walk(_ directory: [UInt8], _ visit: ([UInt8], Syscall.FileStatus, Kind, Bool) -> Void) -> Bool {
        let names: [[UInt8]]
        switch Syscall.allNames(in: directory) {
        case .success(let n): names = n
        case .failure(let f):
            failed(.crit, f.call == .open ? "opendir()" : "readdir()", directory, f.code)
            return false
        }
        for name in names {
            let path = directory + [UInt8(ascii: "/")] + name
            guard let st = Syscall.lstat(path) else {
                failed(.crit, "lstat()", path, errno)
                continue
            }
            if st.isRegular {
                visit(path, st, .file, false)
            } else if st.isDirectory {
                visit(path, st, .directory, true)
                _ = walk(path, visit)
                visit(path, st, .directory, false)
            } else {
                visit(path, st, .other, false)
            }
        }
        return true
    }

    /// ngx_http_dav_delete_path: a directory's entries (failures are logged and passed over, as nginx's TODO
    /// 207 does), then the directory; or one file. Nil when it went, else the status to answer.
    func delete(_ path: [UInt8], directory: Bool) -> Int? {
        if directory {
            let walked = walk(path) { entry, _, kind, entering in
                switch kind {
                case .directory:
                    if !entering && !Syscall.rmdir(entry) { _ = error(errno, notFound: 0, "rmdir()", entry) }
                case .file, .other:
                    if !Syscall.unlink(entry) { _ = error(errno, notFound: 0, "unlink()", entry) }
                }
            }
            if !walked { return 500 }
            return Syscall.rmdir(path) ? nil : error(errno, notFound: 404, "rmdir()", path)
        }
        return Syscall.unlink(path) ? nil : error(errno, notFound: 404, "unlink()", path)
    }

    /// The tree below `source` recreated below `destination` (which exists): directories with their modes and
    /// times, regular files copied; links and other entries left out, as nginx's COPY does. Failures of single
    /// entries are logged and passed over; false when a directory could not be read.
    func copyTree(_ source: [UInt8], to destination: [UInt8]) -> Bool {
        walk(source) { entry, st, kind, entering in
            let target = destination + entry[source.count...]
            switch kind {
            case .directory:
                if entering {
                    if !Syscall.mkdir(target, mode: DAVRules.directoryAccess(st.permissions)) {
                        _ = error(errno, notFound: 0, "mkdir()", target)
                    }
                } else if !Syscall.setFileTime(target, seconds: Int64(st.mtime)) {
                    failed(.alert, "utimes()", target, errno)
                }
            case .file:
                _ = copyFile(entry, to: target, size: st.size, access: st.permissions, mtime: Int64(st.mtime))
            case .other:
                break
            }
        }
    }

    // MARK: - Files

    /// ngx_copy_file: `size` bytes of `source` into `destination` (created or truncated with `access`), then
    /// its times set to `mtime`; nil `size`, `access` or `mtime` are the source's own. False on any failure
    /// (logged), which may leave a partial destination, as nginx's does.
    func copyFile(_ source: [UInt8], to destination: [UInt8], size: Int64? = nil, access: UInt32? = nil, mtime: Int64? = nil) -> Bool {
        let fd = Syscall.openReadOnly(source)
        if fd < 0 { failed(.crit, "open()", source, errno); return false }
        defer { Syscall.close(fd) }
        var size = size ?? -1, access = access ?? 0, time = mtime ?? -1
        if size < 0 || access == 0 || time < 0 {
            guard let st = Syscall.fstat(fd) else { failed(.alert, "fstat()", source, errno); return false }
            if size < 0 { size = st.size }
            if access == 0 { access = st.permissions }
            if time < 0 { time = Int64(st.mtime) }
        }
        let out = Syscall.openToWrite(destination, mode: access)
        if out < 0 { failed(.crit, "open()", destination, errno); return false }
        defer { Syscall.close(out) }
        var buffer = [UInt8](repeating: 0, count: Int(min(size, 65536)))
        var left = size
        while left > 0 {
            let want = Int(min(left, Int64(buffer.count)))
            switch Syscall.read(fd, into: &buffer, count: want) {
            case .done(let n) where n == want: break
            case .done(let n):
                log(.alert, "read() has read only \(n) of \(size) from \(Self.text(source))"); return false
            case .eof:
                log(.alert, "read() has read only 0 of \(size) from \(Self.text(source))"); return false
            case .wouldBlock: failed(.alert, "read()", source, EAGAIN); return false
            case .error(let e): failed(.alert, "read()", source, e); return false
            }
            switch buffer[..<want].withByteView({ Syscall.pwrite(out, $0, at: size - left) }) {
            case .done(let n) where n == want: break
            case .done(let n):
                log(.alert, "write() has written only \(n) of \(size) to \(Self.text(destination))"); return false
            case .eof: failed(.alert, "write()", destination, ENOSPC); return false
            case .wouldBlock: failed(.alert, "write()", destination, EAGAIN); return false
            case .error(let e): failed(.alert, "write()", destination, e); return false
            }
            left -= Int64(want)
        }
        if !Syscall.setFileTime(destination, seconds: time) {
            failed(.alert, "utimes()", destination, errno)
            return false
        }
        return true
    }

    /// ngx_create_full_path: every missing directory of `path`'s parents; 0, or the errno that stopped it (an
    /// EACCES on the way is carried on, as nginx does, in case a later level exists).
    func createFullPath(_ path: [UInt8], access: UInt32) -> Int32 {
        var err: Int32 = 0
        for i in path.indices.dropFirst() where path[i] == UInt8(ascii: "/") {
            if !Syscall.mkdir(Array(path[..<i]), mode: access) {
                let e = errno
                switch e {
                case EEXIST: err = 0
                case EACCES: err = e
                default: return e
                }
            }
        }
        return err
    }

    /// How ngx_ext_rename_file lands a file: its mode (`access`, 0 to keep it) and time set, then renamed; a
    /// missing directory made when `createPath`; across file systems, copied beside the target and renamed.
    struct Rename {
        var access: UInt32 = 0
        var pathAccess: UInt32 = 0o600
        var time: Int64? = nil
        var createPath = false
        /// Remove the source when it fails (a PUT's temp file), so nothing is left behind.
        var deleteSource = false
    }

    /// Counter for the name a copy across file systems takes beside its target.
    private static let copyNumber = Atomic<UInt32>(UInt32(truncatingIfNeeded: getpid()))

    func rename(_ source: [UInt8], to target: [UInt8], _ how: Rename) -> Bool {
        var err: Int32 = 0
        landing: do {
            if how.access != 0 && !Syscall.chmod(source, mode: how.access) {
                failed(.crit, "chmod()", source, errno); break landing
            }
            if let t = how.time, !Syscall.setFileTime(source, seconds: t) {
                failed(.crit, "utimes()", source, errno); break landing
            }
            if Syscall.rename(source, to: target) { return true }
            err = errno
            if err == ENOENT {
                if !how.createPath { break landing }
                let e = createFullPath(target, access: DAVRules.directoryAccess(how.pathAccess))
                if e != 0 { failed(.crit, "mkdir()", target, e); err = 0; break landing }
                if Syscall.rename(source, to: target) { return true }
                err = errno
            }
            if err == EXDEV {
                err = 0
                var digits = Array(String(Self.copyNumber.add(1, ordering: .relaxed).newValue).utf8)
                digits = [UInt8](repeating: UInt8(ascii: "0"), count: max(0, 10 - digits.count)) + digits
                let beside = target + [UInt8(ascii: ".")] + digits
                if copyFile(source, to: beside, access: how.access == 0 ? nil : how.access, mtime: how.time) {
                    if Syscall.rename(beside, to: target) {
                        if !Syscall.unlink(source) { failed(.crit, "unlink()", source, errno); return false }
                        return true
                    }
                    log(.crit, "rename() \"\(Self.text(beside))\" to \"\(Self.text(target))\" failed (\(errno): \(Syscall.describe(errno)))")
                }
                // What the copy left beside the target goes too.
                if !Syscall.unlink(beside) && errno != ENOENT { failed(.crit, "unlink()", beside, errno) }
            }
        }
        if how.deleteSource && !Syscall.unlink(source) { failed(.crit, "unlink()", source, errno) }
        if err != 0 {
            log(.crit, "rename() \"\(Self.text(source))\" to \"\(Self.text(target))\" failed (\(err): \(Syscall.describe(err)))")
        }
        return false
    }
}
