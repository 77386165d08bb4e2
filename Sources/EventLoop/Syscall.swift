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
/// The calls that take buffers or C strings (read, write, writev, pread, pwrite, open, stat) are in
/// `Kernel-unsafe.swift`.
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
        /// The file system holding the inode, and the inode's change stamp (a chmod or chown moves it).
        public var device: UInt64 = 0
        public var ctime: Int = 0
        public var ctimeNanoseconds: Int = 0
        /// The permission bits (`st_mode & 07777`), which a WebDAV COPY gives the copy.
        public var permissions: UInt32 = 0
    }

    /// A directory that could not be read: which call failed, and its errno.
    public struct DirectoryError: Error, Sendable {
        public enum Call: Sendable { case open, read }
        public let call: Call
        public let code: Int32
    }

    /// How much freed memory glibc keeps at the top of an arena before giving it back (mallopt M_TRIM_THRESHOLD).
    public static func keepFreedHeap(upTo bytes: Int) { _ = cswy_malloc_trim_threshold(Int32(bytes)) }

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
