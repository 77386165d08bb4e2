import CSystem
import Glibc

// Opening a file without trusting symbolic links (nginx's disable_symlinks): the only file that walks a path
// with openat and so builds C names from slices of it.

extension Syscall {
    /// What a link on the way may be: refused (`on`), or followed only when it and its target have the same
    /// owner (`if_not_owner`).
    public enum LinkRule: Sendable { case refuse, sameOwner }

    /// `openToServe` with the path walked a component at a time (PathWalk) from byte `from` on: each directory
    /// opened with nginx's search flags (O_PATH, O_DIRECTORY, and O_NOFOLLOW under `refuse`), the last name
    /// read-only and non-blocking. -1 with errno set: ELOOP for a last name that is a refused link (a directory
    /// link on the way fails with ENOTDIR, as in nginx).
    public static func openChecked(_ path: [UInt8], links rule: LinkRule, from: Int) -> Int32 {
        let walk = PathWalk(path, from: from)
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: path.count + 2) { name -> Int32 in
            func cName(_ r: Range<Int>) -> UnsafePointer<CChar> {
                for (k, i) in r.enumerated() { name[k] = CChar(bitPattern: path[i]) }
                name[r.count] = 0
                return UnsafePointer(name.baseAddress!)
            }
            let search = cswy_o_path() | O_RDONLY | O_DIRECTORY | O_CLOEXEC   // O_PATH: a macro Swift cannot see
            var at: Int32
            if let p = walk.prefix {
                at = Glibc.open(cName(p), search)
            } else if walk.absolute {
                at = Glibc.open("/", search)
            } else {
                at = AT_FDCWD
            }
            if at < 0 && at != AT_FDCWD { return -1 }
            for d in walk.directories {
                let fd = component(at, cName(d), search, rule)
                let e = errno
                if at != AT_FDCWD { Glibc.close(at) }
                if fd < 0 { errno = e; return -1 }
                at = fd
            }
            let flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC
            let fd = walk.last.map { component(at, cName($0), flags, rule) } ?? openat(at, ".", flags)
            let e = errno
            if at != AT_FDCWD { Glibc.close(at) }
            errno = e
            return fd
        }
    }

    /// `stat` through `openChecked`, as nginx tests a file under disable_symlinks (try_files, `-f`):
    /// nil with errno set when the walk refuses it.
    public static func statChecked(_ path: [UInt8], links rule: LinkRule, from: Int) -> FileStatus? {
        let fd = openChecked(path, links: rule, from: from)
        if fd < 0 { return nil }
        defer { Glibc.close(fd) }
        return fstat(fd)
    }

    /// One name opened in `at`: without following a link, or following it when its owner is its target's.
    private static func component(_ at: Int32, _ name: UnsafePointer<CChar>, _ flags: Int32, _ rule: LinkRule) -> Int32 {
        if rule == .refuse { return openat(at, name, flags | O_NOFOLLOW) }
        let fd = openat(at, name, flags)
        if fd < 0 { return -1 }
        var target = Glibc.stat(), link = Glibc.stat()
        guard Glibc.fstat(fd, &target) == 0, fstatat(at, name, &link, AT_SYMLINK_NOFOLLOW) == 0 else {
            let e = errno
            Glibc.close(fd)
            errno = e
            return -1
        }
        if target.st_uid != link.st_uid {
            Glibc.close(fd)
            errno = ELOOP
            return -1
        }
        return fd
    }
}
