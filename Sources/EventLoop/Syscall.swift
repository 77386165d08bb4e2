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

    public static func describe(_ code: Int32) -> String {
        guard let s = strerror(code) else { return "error \(code)" }
        return String(cString: s)
    }
}
