import EventLoop
import HTTP1

// The engine's buffers and system calls (EventLoop) speak raw buffers; the rest of the engine passes bytes
// as `ByteView`s. These are the crossings, so no other file in Proxy holds a pointer.

extension Transport {
    func write(_ bytes: ByteView) -> IOResult { bytes.withRawBytes { write($0) } }
}

extension IOBuffer {
    /// The readable bytes, viewed until the buffer next changes.
    var view: ByteView { ByteView(readable) }

    /// The first `n` readable bytes.
    func view(prefix n: Int) -> ByteView { ByteView(readablePrefix(n)) }

    func append(_ bytes: ByteView) { bytes.withRawBytes { append($0) } }
}

extension Syscall {
    static func write(_ fd: Int32, _ bytes: ByteView) -> IOResult { bytes.withRawBytes { write(fd, $0) } }

    static func pwrite(_ fd: Int32, _ bytes: ByteView, at offset: Int64) -> IOResult {
        bytes.withRawBytes { pwrite(fd, $0, at: offset) }
    }

    static func writev(_ fd: Int32, _ a: ByteView, _ b: ByteView) -> IOResult {
        a.withRawBytes { x in b.withRawBytes { writev(fd, x, $0) } }
    }
}
