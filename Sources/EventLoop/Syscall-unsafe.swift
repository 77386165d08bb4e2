import Glibc
import CSystem

/// Result of a non-blocking I/O call: bytes moved, "try again later", end of stream, or an errno.
public enum IOResult: Equatable {
    case done(Int)
    case wouldBlock
    case eof
    case error(Int32)
}

/// One place for EINTR/EAGAIN handling (NIO's System.swift idea): every socket call in the engine goes through here.
public enum Syscall {
    @inline(__always)
    static func retrying(_ body: () -> Int) -> IOResult {
        while true {
            let n = body()
            if n > 0 { return .done(n) }
            if n == 0 { return .eof }
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK { return .wouldBlock }
            return .error(e)
        }
    }

    public static func read(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        retrying { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// `bytes` at `offset` of a file (one `pwrite`, retried on EINTR); a write of 0 bytes is `.eof` (a full disk).
    public static func pwrite(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64) -> IOResult {
        if bytes.isEmpty { return .done(0) }
        return retrying { Glibc.pwrite(fd, bytes.baseAddress, bytes.count, off_t(offset)) }
    }

    /// Up to `count` bytes into the front of `bytes` (the array form: callers need no pointers).
    public static func read(_ fd: Int32, into bytes: inout [UInt8], count: Int) -> IOResult {
        precondition(count >= 0 && count <= bytes.count, "Syscall.read: count beyond the array")
        return bytes.withUnsafeMutableBytes { read(fd, UnsafeMutableRawBufferPointer(rebasing: $0[..<count])) }
    }

    /// Opens the file at `path` (its bytes, no NUL) read-only and close-on-exec: the descriptor, or -1 with errno set.
    public static func openReadOnly(_ path: [UInt8]) -> Int32 {
        withCString(path) { open($0, O_RDONLY | O_CLOEXEC) }
    }

    /// What `stat` says of a file that static serving needs.
    public struct FileStatus: Sendable {
        public let size: Int64
        public let mtime: Int
        public let isRegular: Bool
        public let isDirectory: Bool
        /// Identity and change stamp, to see that a file was replaced or rewritten within the same second.
        public var inode: UInt64 = 0
        public var mtimeNanoseconds: Int = 0
        /// The owner's execute bit (nginx's `-x` test).
        public var isExecutable: Bool = false
    }

    /// `stat` of the file at `path` (its bytes, no NUL), following links; nil with errno set when it fails.
    public static func stat(_ path: [UInt8]) -> FileStatus? {
        var st = Glibc.stat()
        guard withCString(path, { fstatat(AT_FDCWD, $0, &st, 0) }) == 0 else { return nil }
        let mode = st.st_mode & S_IFMT
        return FileStatus(size: Int64(st.st_size), mtime: st.st_mtim.tv_sec, isRegular: mode == S_IFREG,
                          isDirectory: mode == S_IFDIR, inode: UInt64(st.st_ino), mtimeNanoseconds: st.st_mtim.tv_nsec,
                          isExecutable: st.st_mode & S_IXUSR != 0)
    }

    private static func withCString<R>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        var z = path
        z.append(0)
        return z.withUnsafeBufferPointer { body(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self)) }
    }

    /// How much freed memory glibc keeps at the top of an arena before giving it back (mallopt M_TRIM_THRESHOLD).
    public static func keepFreedHeap(upTo bytes: Int) { _ = cswy_malloc_trim_threshold(Int32(bytes)) }

    /// A zero-length write is reported as `.done(0)`, never as end of stream.
    public static func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> IOResult {
        if buffer.isEmpty { return .done(0) }
        return retrying { Glibc.send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL)) }
    }

    /// `bytes[offset...]` to a socket: the array form, so callers holding a head or a log line need no pointers.
    public static func write(_ fd: Int32, _ bytes: [UInt8], from offset: Int = 0) -> IOResult {
        bytes.withUnsafeBytes { write(fd, UnsafeRawBufferPointer(rebasing: $0[offset...])) }
    }

    /// All of `bytes` to a file (log files: `write`, not `send`), retrying short writes; false on an error.
    @discardableResult
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let r = bytes.withUnsafeBytes { b in retrying { Glibc.write(fd, b.baseAddress! + offset, b.count - offset) } }
            guard case .done(let n) = r, n > 0 else { return false }
            offset += n
        }
        return true
    }

    /// Gathers two buffers into one send (a response head and the first body bytes).
    public static func writev(_ fd: Int32, _ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> IOResult {
        if b.isEmpty { return write(fd, a) }
        if a.isEmpty { return write(fd, b) }
        var iov = (iovec(iov_base: UnsafeMutableRawPointer(mutating: a.baseAddress), iov_len: a.count),
                   iovec(iov_base: UnsafeMutableRawPointer(mutating: b.baseAddress), iov_len: b.count))
        return withUnsafeMutablePointer(to: &iov) { p in
            p.withMemoryRebound(to: iovec.self, capacity: 2) { base in
                var msg = msghdr()
                msg.msg_iov = base
                msg.msg_iovlen = 2
                return retrying { Glibc.sendmsg(fd, &msg, Int32(MSG_NOSIGNAL)) }
            }
        }
    }

    /// Sends `count` bytes of file `fileFD` from `offset` (advanced in place) with sendfile(2).
    public static func sendfile(_ fd: Int32, file fileFD: Int32, offset: inout Int64, count: Int) -> IOResult {
        var off = off_t(offset)
        let r = retrying { Glibc.sendfile(fd, fileFD, &off, count) }
        offset = Int64(off)
        return r
    }

    public static func close(_ fd: Int32) {
        _ = Glibc.close(fd)  // Linux closes the fd even on EINTR: never retry.
    }

    public static var errnoText: String { describe(errno) }

    /// The system's crypt(3) check of an htpasswd hash (DES, `$1$`, `$5$`, `$6$`, `$y$`, `$2b$`…): nil when crypt
    /// cannot read the hash. A NUL in either ends it, as for any C string.
    public static func cryptMatches(password: [UInt8], stored: [UInt8]) -> Bool? {
        let pw = password.map { CChar(bitPattern: $0) } + [0]
        let hash = stored.map { CChar(bitPattern: $0) } + [0]
        switch cswy_crypt_matches(pw, hash) {
        case 1: return true
        case 0: return false
        default: return nil
        }
    }

    public static func describe(_ code: Int32) -> String {
        guard let s = strerror(code) else { return "error \(code)" }
        return String(cString: s)
    }
}
