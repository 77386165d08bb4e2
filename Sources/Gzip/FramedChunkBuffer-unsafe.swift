import HTTP1
import Glibc

/// Reusable output space for the gzip filter with head-room for an HTTP/1.1 chunk-size line before the
/// payload and room for the CRLF after it, so zlib writes straight into it and a piece is framed in place
/// and handed on with no copy. Allocated on first use, released when the stream ends.
///
/// One of the few files with unsafe pointer code.
final class FramedChunkBuffer {
    /// Up to 8 hex digits and CRLF before the payload.
    static let headRoom = 10
    /// CRLF after the payload, and the last-chunk `0\r\n\r\n` when the body ends with this piece.
    static let tailRoom = 7
    let capacity: Int
    private var base: UnsafeMutableRawPointer?
    private(set) var count = 0

    init(capacity: Int) { self.capacity = capacity }

    deinit { free(base) }

    var isFull: Bool { count == capacity }

    /// The free payload space; commit what was written with `didWrite`.
    var space: UnsafeMutableRawBufferPointer {
        if base == nil {
            guard let p = malloc(Self.headRoom + capacity + Self.tailRoom) else { fatalError("gzip: out of memory") }
            base = p
        }
        return UnsafeMutableRawBufferPointer(start: base! + Self.headRoom + count, count: capacity - count)
    }

    func didWrite(_ n: Int) {
        precondition(count + n <= capacity)
        count += n
    }

    /// Hands the payload to `emit` (framed as one chunk when `chunked`, followed by the last chunk when `last`,
    /// so the end of a body costs no extra send) and empties the buffer.
    func drain(chunked: Bool, last: Bool = false, _ emit: (ByteView) -> Void) {
        guard count > 0, let base else { return }
        let payload = base + Self.headRoom
        if !chunked {
            emit(ByteView(UnsafeRawBufferPointer(start: payload, count: count)))
        } else {
            var digits = 1
            while count >> (4 * digits) != 0 { digits += 1 }
            let start = payload - (digits + 2)
            var n = count
            for i in stride(from: digits - 1, through: 0, by: -1) {
                let d = UInt8(n & 15)
                start.storeBytes(of: d < 10 ? d + 48 : d + 87, toByteOffset: i, as: UInt8.self)
                n >>= 4
            }
            start.storeBytes(of: 13, toByteOffset: digits, as: UInt8.self)
            start.storeBytes(of: 10, toByteOffset: digits + 1, as: UInt8.self)
            payload.storeBytes(of: 13, toByteOffset: count, as: UInt8.self)
            payload.storeBytes(of: 10, toByteOffset: count + 1, as: UInt8.self)
            var total = digits + 2 + count + 2
            if last {
                let end: StaticString = "0\r\n\r\n"
                (payload + count + 2).copyMemory(from: end.utf8Start, byteCount: 5)
                total += 5
            }
            emit(ByteView(UnsafeRawBufferPointer(start: start, count: total)))
        }
        count = 0
    }

    /// Frees the storage (the stream has ended); a later `space` allocates again.
    func release() {
        free(base); base = nil; count = 0
    }
}
