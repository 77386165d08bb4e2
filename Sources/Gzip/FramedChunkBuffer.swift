import Deflate
import HTTP1

/// Reusable output space for the gzip filter with head-room for an HTTP/1.1 chunk-size line before the
/// payload and room for the CRLF after it, so zlib writes straight into it and a piece is framed in place
/// and handed on with no copy. Allocated on first use, released when the stream ends. The memory, and the
/// stores into it, are Deflate's `DeflateOutput` (`Zlib-unsafe.swift`); the HTTP framing is here.
final class FramedChunkBuffer {
    /// Up to 8 hex digits and CRLF before the payload.
    static let headRoom = 10
    /// CRLF after the payload, and the last-chunk `0\r\n\r\n` when the body ends with this piece.
    static let tailRoom = 7
    /// The space zlib writes into (`GzipBodyFilter` hands `storage.space` to `GzipEncoder.step`).
    let storage: DeflateOutput

    init(capacity: Int) { storage = DeflateOutput(headRoom: Self.headRoom, capacity: capacity, tailRoom: Self.tailRoom) }

    var capacity: Int { storage.capacity }
    var count: Int { storage.count }
    var isFull: Bool { storage.isFull }

    func didWrite(_ n: Int) { storage.didWrite(n) }

    /// Hands the payload to `emit` (framed as one chunk when `chunked`, followed by the last chunk when `last`,
    /// so the end of a body costs no extra send) and empties the buffer.
    func drain(chunked: Bool, last: Bool = false, _ emit: (ByteView) -> Void) {
        let count = storage.count
        guard count > 0 else { return }
        if !chunked {
            emit(ByteView(storage.bytes(from: 0, count: count)))
        } else {
            var digits = 1
            while count >> (4 * digits) != 0 { digits += 1 }
            let start = -(digits + 2)
            var n = count
            for i in stride(from: digits - 1, through: 0, by: -1) {
                let d = UInt8(n & 15)
                storage.store(d < 10 ? d + 48 : d + 87, at: start + i)
                n >>= 4
            }
            storage.store(13, at: -2)
            storage.store(10, at: -1)
            storage.store(13, at: count)
            storage.store(10, at: count + 1)
            var total = digits + 2 + count + 2
            if last {
                storage.store(48, at: count + 2)   // "0\r\n\r\n"
                storage.store(13, at: count + 3)
                storage.store(10, at: count + 4)
                storage.store(13, at: count + 5)
                storage.store(10, at: count + 6)
                total += 5
            }
            emit(ByteView(storage.bytes(from: start, count: total)))
        }
        storage.empty()
    }

    /// Frees the storage (the stream has ended); a later `space` allocates again.
    func release() { storage.release() }
}
