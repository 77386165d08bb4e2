import EventLoop
import HTTP1
import Glibc
import Synchronization

/// `client_body_temp_path`: the directory (absolute) and its levels, as nginx lays temp files out —
/// `client_body_temp_path /var/tmp/body 1 2` puts file `0000004567` at `/var/tmp/body/7/56/0000004567`.
struct BodyTempPath: Sendable {
    /// `client_body_in_file_only`: whether every body goes to a file, and what becomes of the file.
    enum FileOnly: Sendable {
        /// Off: only a body over `client_body_buffer_size` is spooled, to a file unlinked as soon as it is
        /// created (nginx's non-persistent temp file: its name is known, the file is gone).
        case off
        /// On: every body goes to a file that stays after the request (for an upload handler to pick up).
        case keep
        /// Clean: every body goes to a file, removed when the request ends.
        case clean
    }

    let directory: String
    let levels: [Int]
    var fileOnly = FileOnly.off

    /// The file for temp number `n`: ten digits, the level directories taken from its last digits.
    func path(for n: UInt32) -> (directories: [String], file: String) {
        var name = String(n)
        name = String(repeating: "0", count: max(0, 10 - name.count)) + name
        var dirs = [directory]
        var end = name.endIndex
        for l in levels {
            let start = name.index(end, offsetBy: -l)
            dirs.append(dirs[dirs.count - 1] + "/" + name[start..<end])
            end = start
        }
        return (dirs, dirs[dirs.count - 1] + "/" + name)
    }
}

/// A request body spooled to disk: a temp file unlinked right after it was created (so nothing is left behind,
/// whatever happens to the request or the process), appended to while the body arrives, then sent upstream with
/// sendfile(2) — as often as retries need. Writes are synchronous and bounded by the client's input buffer,
/// as nginx's are. This file holds the spool's syscalls. With `client_body_in_file_only` the file keeps its
/// name: `on` leaves it behind, `clean` removes it when the spool goes (the request's end).
final class BodySpool {
    /// What went wrong, as nginx's `[crit]` line words it; the request gets a 500.
    struct Failure: Error { let message: String }

    let fd: Int32
    private(set) var size: Int64 = 0
    /// The name it had before it was unlinked, for log lines (nginx names it too).
    let path: String
    /// `client_body_in_file_only clean`: the file is removed when the spool goes.
    private let removeAtEnd: Bool

    /// Temp numbers are shared by every worker thread; O_EXCL settles any clash with another process.
    private static let counter = Atomic<UInt32>(UInt32(truncatingIfNeeded: getpid()) &* 7919)

    private init(fd: Int32, path: String, removeAtEnd: Bool) {
        self.fd = fd; self.path = path; self.removeAtEnd = removeAtEnd
    }

    deinit {
        _ = Glibc.close(fd)
        if removeAtEnd { _ = unlink(path) }
    }

    static func create(in temp: BodyTempPath) -> Result<BodySpool, Failure> {
        var madeDirectories = false
        var n = counter.add(1, ordering: .relaxed).newValue
        for _ in 0..<16 {
            let (dirs, file) = temp.path(for: n)
            let fd = Glibc.open(file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd >= 0 {
                if temp.fileOnly == .off { _ = unlink(file) }
                return .success(BodySpool(fd: fd, path: file, removeAtEnd: temp.fileOnly == .clean))
            }
            let e = errno
            if e == EINTR { continue }
            if e == EEXIST { n = counter.add(1, ordering: .relaxed).newValue; continue }
            if e == ENOENT && !madeDirectories {
                // nginx creates the level directories on first use, then tries the same name again.
                madeDirectories = true
                for d in dirs where mkdir(d, 0o700) != 0 && errno != EEXIST { break }
                continue
            }
            return .failure(Failure(message: "open() \"\(file)\" failed (\(e): \(Syscall.describe(e)))"))
        }
        return .failure(Failure(message: "could not create a temp file in \"\(temp.directory)\""))
    }

    /// Appends `bytes`; a short write (a full disk) is a failure, never a partial body.
    func append(_ bytes: ByteView) -> Failure? {
        var done = 0
        while done < bytes.count {
            let e: Int32
            switch Syscall.pwrite(fd, bytes.dropping(done), at: size + Int64(done)) {
            case .done(let n): done += n; continue
            case .eof, .wouldBlock: e = ENOSPC
            case .error(let code): e = code
            }
            return Failure(message: "pwrite() \"\(path)\" failed (\(e): \(Syscall.describe(e)))")
        }
        size += Int64(bytes.count)
        return nil
    }

    /// Sends the file from `offset` (advanced) to the socket `socket` without copying through user space.
    func send(to socket: Transport, offset: inout Int64) -> IOResult {
        if socket.canSendFile {
            return Syscall.sendfile(socket.fd, file: fd, offset: &offset, count: Int(min(size - offset, 1 << 30)))
        }
        // TLS: a piece read from the file, encrypted; what the socket refused is read again next time.
        var piece = [UInt8](repeating: 0, count: Int(min(size - offset, 64 * 1024)))
        guard case .done(let n) = Syscall.pread(fd, into: &piece, count: piece.count, at: offset) else { return .error(EIO) }
        let r = socket.write(piece[..<n].withByteView { $0 })
        if case .done(let k) = r { offset += Int64(k) }
        return r
    }
}
