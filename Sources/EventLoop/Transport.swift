import Glibc

/// The one seam every connection reads and writes through: the socket itself, or TLS over it. Plain TCP
/// costs one nil check per call over the system call it always made. The writes of a raw buffer (`write(_:)`,
/// `write(_:from:)`) are in `Kernel-unsafe.swift`, with the system calls they make.
public struct Transport {
    public let fd: Int32
    /// Set once a TLS handshake starts on the socket; nil for plain TCP.
    public var tls: TLSStream?

    public init(fd: Int32, tls: TLSStream? = nil) { self.fd = fd; self.tls = tls }

    /// Reads once into `buffer`'s tail (TLS: the records available), growing it by at most about `chunk`.
    @inline(__always)
    public func read(into buffer: IOBuffer, chunk: Int) -> IOResult {
        if let tls { return tls.read(into: buffer, chunk: chunk) }
        return buffer.receive(from: fd, chunk: chunk)
    }

    /// `read(into:chunk:)` of no more than `limit` bytes (proxy_limit_rate's allowance).
    public func read(into buffer: IOBuffer, atMost limit: Int) -> IOResult {
        if let tls { return tls.read(into: buffer, chunk: limit, atMost: limit) }
        return buffer.receive(from: fd, atMost: limit)
    }

    /// Writes `buffer`'s readable bytes, consuming what was written.
    @inline(__always)
    public func write(from buffer: IOBuffer) -> IOResult {
        if buffer.isEmpty { return .done(0) }
        let r = write(buffer.readable)
        if case .done(let n) = r { buffer.consume(n) }
        return r
    }

    /// Whether file bytes may go with sendfile(2) (plain TCP only: TLS must encrypt them first).
    public var canSendFile: Bool { tls == nil }

    /// The TLS close_notify, then half-closes the write side.
    public func shutdownWrite() {
        tls?.shutdown()
        Socket.shutdownWrite(fd)
    }
}

extension Transport {
    /// The first byte waiting on the socket, left there (`recv(MSG_PEEK)`): a TLS port tells a ClientHello
    /// (0x16, or an SSLv2 hello with the high bit) from plain HTTP by it, as nginx does.
    public func peekFirstByte() -> (IOResult, UInt8) {
        var byte: UInt8 = 0
        let r = Syscall.retrying { recv(fd, &byte, 1, Int32(MSG_PEEK)) }
        return (r, byte)
    }
}
