import EventLoop
import Glibc

/// Per worker: descriptors of small static files kept open after a response, so that the next plain GET of the
/// same path costs one `stat` instead of open, fstat and close (nginx without `open_file_cache` opens the file
/// for every request; with it, it answers from an open that may be `open_file_cache_valid` seconds old).
///
/// Nothing here may answer from an outdated open, so the path is still `stat`ed for every request, and a kept
/// descriptor is used only while the path leads to the same inode with the same change stamp. Any change to the
/// file moves one or the other: a rename over it or a new file is another inode; a write, a truncation, a chmod
/// or a chown moves ctime. The file is then opened anew, so its bytes, its length and whether the worker may
/// read it are what they would be without the memo. A file whose ctime is less than two seconds old is not
/// kept: two changes within the file system's timestamp granularity could leave ctime as it was after the
/// first. A slot unused for a sweep period (`sweep`, every second) is closed, so a deleted file's space is
/// given back within two seconds.
final class OpenFileMemo {
    static let slotCount = 64
    /// Bytes at the path's end that pick its slot: names differ there, and a long root costs nothing.
    private static let hashedTail = 16

    /// No path is kept: the `stat` of the path asked for decides. Two paths with one hash that lead to the
    /// same inode (a hard link, a symbolic link) are one file, and reading it through either open is the same.
    private struct Slot {
        var hash: UInt32
        var fd: Int32
        var device: UInt64
        var inode: UInt64
        var ctime: Int
        var ctimeNanoseconds: Int
        var used: Bool
    }

    private var slots = [Slot?](repeating: nil, count: OpenFileMemo.slotCount)
    /// Descriptors held now.
    private(set) var openCount = 0

    /// The kept descriptor for `path` and the file's status now, when the path leads to the file it was opened
    /// as and that file is a regular one of at most `maxSize` bytes; nil otherwise (a slot that no longer
    /// matches is closed). The descriptor stays the memo's: read it, never close it.
    @inline(__always)
    func lookup(_ path: [UInt8], maxSize: Int64) -> (fd: Int32, info: Syscall.FileStatus)? {
        let h = Self.hash(path)
        let i = Int(h % UInt32(Self.slotCount))
        guard let s = slots[i], s.hash == h else { return nil }
        guard let info = Syscall.stat(path), info.isRegular, info.size <= maxSize, info.inode == s.inode,
              info.device == s.device, info.ctime == s.ctime, info.ctimeNanoseconds == s.ctimeNanoseconds else {
            close(i)
            return nil
        }
        if !s.used { slots[i]!.used = true }
        return (s.fd, info)
    }

    /// `fd` after a small file was read whole through it: kept for `path` when the file has not changed for
    /// two seconds (it then replaces the slot's earlier descriptor), else closed.
    func offer(_ path: [UInt8], fd: Int32, info: Syscall.FileStatus, now: Int = time(nil)) {
        guard info.ctime < now - 1 else { return Syscall.close(fd) }
        let h = Self.hash(path)
        let i = Int(h % UInt32(Self.slotCount))
        close(i)
        slots[i] = Slot(hash: h, fd: fd, device: info.device, inode: info.inode, ctime: info.ctime,
                        ctimeNanoseconds: info.ctimeNanoseconds, used: true)
        openCount += 1
    }

    /// A read through the kept descriptor `fd` failed: it is not used again.
    func forget(_ fd: Int32) {
        if let i = slots.firstIndex(where: { $0?.fd == fd }) { close(i) }
    }

    /// Closes the slots no request used since the last sweep.
    func sweep() {
        guard openCount > 0 else { return }
        for i in slots.indices where slots[i] != nil {
            if slots[i]!.used { slots[i]!.used = false } else { close(i) }
        }
    }

    func clear() {
        guard openCount > 0 else { return }
        for i in slots.indices { close(i) }
    }

    private func close(_ i: Int) {
        guard let s = slots[i] else { return }
        Syscall.close(s.fd)
        slots[i] = nil
        openCount -= 1
    }

    /// FNV-1a over the path's last bytes and its length.
    @inline(__always)
    private static func hash(_ path: [UInt8]) -> UInt32 {
        var h: UInt32 = 2_166_136_261 ^ UInt32(truncatingIfNeeded: path.count)
        var j = Swift.max(0, path.count - hashedTail)
        while j < path.count {
            h = (h ^ UInt32(path[j])) &* 16_777_619
            j += 1
        }
        return h
    }
}
